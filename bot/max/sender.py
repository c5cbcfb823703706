"""Replies to one MAX resident outside a conversation (reminder and every other campaign), as
`bot.channels.ChannelSender`: no retry in place, the outcome says what to do next, and the
campaign paces itself at `[max] messages_per_second`.

MAX answers 403 for a resident who stopped the bot or cannot be written to: never again (the
campaign marks the chat blocked). 429 means the bot's ~30 requests a second were exceeded: the
campaign pauses its pace. 5xx and network errors are transient; other 4xx are not. An error not
in MAX's own JSON (a gateway's, a proxy's) says nothing about the resident: transient.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from maxapi.exceptions.max import InvalidToken, MaxApiError

from bot.channels import ChannelCalls, SendOutcome, SendResult
from bot.config import Settings
from bot.max.client import MaxApi, build_bot, said_by_max
from bot.max.events import CHANNEL
from bot.max.render import render_all
from dialogs.replies import Reply

log = logging.getLogger(__name__)

# MAX's 429 does not say how long to wait; a second keeps the pace polite.
TOO_MANY_REQUESTS_PAUSE_SECONDS = 1.0


class MaxSender:
    channel = CHANNEL

    def __init__(self, api: MaxApi, messages_per_second: float) -> None:
        self.api = api
        self.messages_per_second = messages_per_second

    async def send(self, user_id: str, replies: Sequence[Reply]) -> SendResult:
        """Send every reply in order; stop at the first failure and say what it was."""
        try:
            for message in render_all(replies):
                await self.api.send(int(user_id), message)
        except MaxApiError as exc:
            return _refused(user_id, exc)
        except InvalidToken as exc:
            log.error("max refused the token: %s", exc)
            return SendResult(SendOutcome.FAILED, permanent=True, detail=str(exc)[:200])
        except Exception as exc:  # network, timeout, an upload that failed
            log.warning("max send to %s failed: %r", user_id, exc)
            return SendResult(SendOutcome.FAILED, detail=repr(exc)[:200])
        return SendResult(SendOutcome.SENT)


def _refused(user_id: str, exc: MaxApiError) -> SendResult:
    detail = f"HTTP {exc.code}: {str(exc.raw)[:160]}"
    if exc.code == 429:
        return SendResult(
            SendOutcome.RETRY_AFTER, retry_after=TOO_MANY_REQUESTS_PAUSE_SECONDS, detail=detail
        )
    if not said_by_max(exc):  # a gateway's or a proxy's answer: nothing about the resident
        return SendResult(SendOutcome.FAILED, detail=detail)
    if exc.code == 403:
        log.info("max resident %s cannot be written to (%s): blocked", user_id, detail)
        return SendResult(SendOutcome.BLOCKED, permanent=True, detail=detail)
    if exc.code >= 500:
        return SendResult(SendOutcome.FAILED, detail=detail)
    log.warning("max refused a message to %s: %s", user_id, detail)
    return SendResult(SendOutcome.FAILED, permanent=True, detail=detail)


@asynccontextmanager
async def max_sender(
    settings: Settings, calls: ChannelCalls | None = None
) -> AsyncIterator[MaxSender]:
    """The campaigns' sender, on a bot (and HTTP session) of its own with no retries: the
    campaign's pacer, not a retry loop, decides when a message goes again."""
    api = MaxApi(build_bot(settings.max, retries=0), calls)
    try:
        yield MaxSender(api, settings.max.messages_per_second)
    finally:
        await api.close()
