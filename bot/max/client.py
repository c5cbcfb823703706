"""The MAX Bot API as this channel uses it, on maxapi's `Bot` and its HTTP client.

maxapi does the requests (the `Authorization` header, the JSON, the upload of a picture and the
wait for it to be ready, the Russian trusted CA the API's certificate is issued under) and its
models read the answers. What this module adds: the bot is built for `[max] api_base` with
429 and 5xx retried with exponential backoff (maxapi retries only 502–504 unless told), no
extra API calls per update (`auto_requests=False`: the dialog needs nothing maxapi would fetch),
and a handful of calls named for what the channel does with them.

A reply is retried on 429, 5xx and connection errors (by maxapi), and on a timeout or an answer
that is not MAX's JSON (an HTML page with 200, a gateway's own JSON error: by `MaxApi`): a
resident waiting for an answer gets it a little late rather than never. A campaign builds its
bot with `retries=0` and paces itself instead (`bot.max.sender`). A request that timed out may
have reached MAX, so a retried message can arrive twice — the lesser harm than a resident left
without an answer. Only an error in MAX's own shape (`{"code": …, "message": …}`) is taken for
what it says (`said_by_max`): a gateway's 403 is no resident who stopped the bot.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from maxapi import Bot
from maxapi.client.default import DefaultConnectionProperties
from maxapi.enums.api_path import ApiPath
from maxapi.enums.http_method import HTTPMethod
from maxapi.enums.parse_mode import TextFormat
from maxapi.enums.upload_type import UploadType
from maxapi.exceptions.max import MaxApiError
from maxapi.types.attachments.attachment import Attachment
from maxapi.types.attachments.upload import AttachmentUpload
from maxapi.types.input_media import InputMedia, InputMediaBuffer

from bot.channels import ChannelCalls
from bot.config import MaxSettings
from bot.max.events import CHANNEL
from bot.max.render import Outgoing

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)
RETRIES = 3  # after the first attempt
BACKOFF_SECONDS = 0.5  # the first pause; it doubles, with jitter (maxapi's `backoff.expo`)
# A long poll waits up to POLL_TIMEOUT_SECONDS for updates: every call may take that long.
POLL_TIMEOUT_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = POLL_TIMEOUT_SECONDS + 15
UPLOAD_NOT_READY_PAUSE_SECONDS = 0.5
# MAX's webhook delivers these; the rest (chat titles, members…) mean nothing to this bot.
UPDATE_TYPES = (
    "message_created",
    "message_callback",
    "message_edited",
    "bot_started",
    "bot_stopped",
)


def build_bot(
    settings: MaxSettings,
    *,
    retries: int = RETRIES,
    backoff: float = BACKOFF_SECONDS,
    request_timeout: float = REQUEST_TIMEOUT_SECONDS,
) -> Bot:
    """maxapi's bot for `[max] token` at `[max] api_base` (empty: the official API)."""
    connection = DefaultConnectionProperties(
        timeout=request_timeout,
        max_retries=retries,
        retry_on_statuses=RETRY_STATUSES,
        retry_backoff_factor=backoff,
    )
    bot = Bot(
        settings.token.get_secret_value(),
        default_connection=connection,
        auto_requests=False,
        auto_check_subscriptions=False,
        disable_link_preview=True,
        after_upload_retry_delay=UPLOAD_NOT_READY_PAUSE_SECONDS,
    )
    if settings.api_base:
        bot.set_api_url(settings.api_base)
    return bot


def said_by_max(exc: MaxApiError) -> bool:
    """The error is MAX's own answer (its JSON with a `code`), not a gateway's or a proxy's."""
    return isinstance(exc.raw, dict) and isinstance(exc.raw.get("code"), str)


def _worth_another_try(exc: Exception) -> bool:
    """What maxapi does not retry itself and may pass: a timeout, an answer not from MAX."""
    if isinstance(exc, TimeoutError):
        return True
    return (
        isinstance(exc, MaxApiError)
        and exc.code not in RETRY_STATUSES  # maxapi has tried those already
        and not said_by_max(exc)
    )


class MaxApi:
    """The calls the channel makes, on one maxapi `Bot` (and its one HTTP session). `calls`
    (the metrics) hears of every message shown to a resident and of every call that failed
    after maxapi's retries."""

    def __init__(self, bot: Bot, calls: ChannelCalls | None = None) -> None:
        self.bot = bot
        self.calls = calls

    @contextmanager
    def _counted(self, *, shows: bool = False) -> Iterator[None]:
        try:
            yield
        except asyncio.CancelledError:
            raise
        except Exception:
            if self.calls is not None:
                self.calls.on_channel_error(CHANNEL)
            raise
        if shows and self.calls is not None:
            self.calls.on_message_sent(CHANNEL)

    async def _retried(self, call: Callable[[], Awaitable[object]]) -> None:
        """`call()`, tried again (as often and as patiently as maxapi's own retries) while it
        fails in a way maxapi does not retry."""
        connection = self.bot.default_connection
        for attempt in range(connection.max_retries + 1):
            try:
                await call()
                return
            except Exception as exc:
                if attempt == connection.max_retries or not _worth_another_try(exc):
                    raise
                pause = connection.retry_backoff_factor * 2**attempt
                log.info("max: a reply failed (%r); retry %d in %.1f s", exc, attempt + 1, pause)
                await asyncio.sleep(pause)

    async def send(self, user_id: int, message: Outgoing) -> None:
        """One message to a resident's dialog (by user id), its picture uploaded first."""
        with self._counted(shows=True):
            await self._retried(lambda: self._send(user_id, message))

    async def _send(self, user_id: int, message: Outgoing) -> None:
        if message.png is None:
            # Most replies: text and a keyboard whose JSON was built once (bot.max.render).
            # Posted through maxapi's request (its retries, errors and session) without its
            # method object, which would dump the keyboard and validate the answer into
            # models again on every call, for an answer nobody reads.
            body: dict[str, Any] = {"text": message.text, "format": "html"}
            if message.keyboard_json is not None:
                body["attachments"] = [message.keyboard_json]
            await self.bot.request(
                HTTPMethod.POST,
                ApiPath.MESSAGES,
                params={"user_id": user_id, "disable_link_preview": "true"},
                json=body,
                is_return_raw=True,
            )
            return
        await self.bot.send_message(
            user_id=user_id,
            text=message.text or None,
            attachments=_attachments(message),
            format=TextFormat.HTML,
            # maxapi would sleep two seconds after an upload; MAX answers "attachment not
            # ready" while it is not, and maxapi retries that on its own.
            sleep_after_input_media=False,
        )

    async def send_to_chat(self, chat_id: int, text: str) -> None:
        with self._counted(shows=True):
            await self.bot.send_message(chat_id=chat_id, text=text, format=TextFormat.HTML)

    async def answer(
        self, callback_id: str, message: Outgoing | None = None, notification: str | None = None
    ) -> None:
        """Answer a button press: with `message`, the pressed message becomes it (its keyboard
        too); without, the press is only acknowledged."""
        body: dict[str, Any] = {}
        if message is not None:
            # The message's attachments replace the pressed one's: an empty list removes
            # its keyboard. As in `send`, the keyboard's JSON is the one built once.
            keyboard = [message.keyboard_json] if message.keyboard_json is not None else []
            body["message"] = {"text": message.text, "attachments": keyboard, "format": "html"}
        if notification is not None:
            body["notification"] = notification
        with self._counted(shows=message is not None):
            await self._retried(
                lambda: self.bot.request(
                    HTTPMethod.POST,
                    ApiPath.ANSWERS,
                    params={"callback_id": callback_id},
                    json=body,
                    is_return_raw=True,
                )
            )

    async def updates(self, marker: int | None, wait: int = POLL_TIMEOUT_SECONDS) -> Any:
        """`GET /updates`, waiting up to `wait` seconds for one: the raw answer,
        `{"updates": [...], "marker": n}`."""
        with self._counted():
            return await self.bot.get_updates(marker=marker, timeout=wait)

    async def subscribe(self, url: str, secret: str | None) -> None:
        # maxapi warns (a Python warning) about a URL that is not HTTPS; in a log it is seen.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            types = list(UPDATE_TYPES)
            await self.bot.subscribe_webhook(url, types, secret)  # type: ignore[arg-type]
        if caught:
            log.warning("max: %s is not HTTPS: updates would travel unencrypted", url)

    async def subscriptions(self) -> list[str]:
        found = await self.bot.get_subscriptions()
        return [subscription.url for subscription in found.subscriptions]

    async def unsubscribe(self, url: str) -> None:
        await self.bot.unsubscribe_webhook(url)

    async def me(self) -> str:
        """The bot's name as MAX shows it (a cheap check that the token works)."""
        me = await self.bot.get_me()
        return me.username or me.first_name

    async def close(self) -> None:
        await self.bot.close_session()


Attachments = list[Attachment | InputMedia | InputMediaBuffer | AttachmentUpload]


def _attachments(message: Outgoing) -> Attachments:
    attachments: Attachments = []
    if message.png is not None:
        attachments.append(InputMediaBuffer(message.png, "chart.png", UploadType.IMAGE))
    attachments.extend(message.attachments)
    return attachments
