"""`POST [viber] webhook_path`: Viber callbacks, verified, acknowledged at once, handled in order.

A callback without a signature header of the right form (64 hex digits) is refused before its
body is read; the signature is then checked on the raw bytes before anything else is read.
One resident's messages beyond a token bucket (`dialogs.throttle`) are acknowledged and dropped,
and beyond `MAX_IN_FLIGHT` callbacks in hand Viber is answered 503 and delivers again later.

Dialog work runs in background tasks (held in a set, as aiogram holds
`_background_feed_update_tasks`) so Viber's callback gets its 200 quickly. Each task hands its
event to the dialog as soon as it starts, in the order the callbacks came; the dialog answers one
resident's events one after another, replies sent included, so two quick presses never race over
the same dialog state.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
from collections import Counter
from collections.abc import Sequence

from aiohttp import web

from bot.channels import SendOutcome
from bot.health import ChannelHealth
from bot.http_guard import loads_json, read_body
from bot.logs import log_context
from bot.viber.events import (
    CHANNEL,
    BadCallback,
    Callback,
    message_event,
    parse_callback,
    start_event,
)
from bot.viber.render import render_welcome
from bot.viber.sender import ViberSender
from dialogs.channel import DialogHandler, Unreachable
from dialogs.events import Blocked, Event, Returned
from dialogs.replies import Reply
from dialogs.throttle import Admission, Throttle

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Viber-Content-Signature"
WELCOME_TIMEOUT_SECONDS = 5.0  # the welcome is computed while Viber waits for the answer
SHUTDOWN_GRACE_SECONDS = 10.0
SIGNATURE_FORM = re.compile(r"[0-9a-f]{64}")  # HMAC-SHA256 in hex
# Callbacks being handled at once, across residents: beyond it Viber is asked to retry later
# rather than each callback becoming one more task in memory.
MAX_IN_FLIGHT = 1000


def signature_of(body: bytes, auth_token: str) -> str:
    return hmac.new(auth_token.encode("utf-8"), body, hashlib.sha256).hexdigest()


class ViberWebhook:
    def __init__(
        self,
        auth_token: str,
        engine: DialogHandler,
        sender: ViberSender,
        *,
        health: ChannelHealth | None = None,
    ) -> None:
        if not auth_token:
            raise ValueError("[viber] auth_token is empty: callbacks could not be verified")
        self._token = auth_token
        self._engine = engine
        self._sender = sender
        self._health = health
        self._tasks: set[asyncio.Task[None]] = set()
        self.events = Counter[str]()  # callbacks seen per event, delivery reports included
        self.throttle = Throttle()  # per resident: a keypad's pace passes, a script's does not
        self.max_in_flight = MAX_IN_FLIGHT

    async def handle(self, request: web.Request) -> web.StreamResponse:
        received = request.headers.get(SIGNATURE_HEADER, "").strip().lower()
        if not SIGNATURE_FORM.fullmatch(received):
            # Nothing without a signature can be Viber's: refused before the body is read, so
            # nobody can make the server hold bodies it will never accept.
            log.warning("viber callback refused: no signature of the right form")
            raise web.HTTPForbidden()
        body = await read_body(request)
        if not hmac.compare_digest(signature_of(body, self._token), received):
            log.warning("viber callback refused: bad signature")
            raise web.HTTPForbidden()
        if self._health is not None:  # a verified callback: evidence the channel serves
            self._health.served()
        try:
            callback = parse_callback(loads_json(body))
        except (ValueError, RecursionError) as exc:  # BadCallback and JSON errors included
            log.warning("viber callback refused: %s", exc)
            raise web.HTTPBadRequest() from None
        self.events[callback.event] += 1
        refusal = self._admit(callback)
        if refusal is not None:
            return refusal
        try:
            return await self._dispatch(callback)
        except BadCallback as exc:
            log.warning("viber callback refused: %s", exc)
            raise web.HTTPBadRequest() from None

    def _admit(self, callback: Callback) -> web.StreamResponse | None:
        """The answer for a callback not to be handled, or None: a flooding resident's message
        is acknowledged and dropped (a retry would only flood again); past `max_in_flight`
        callbacks in hand, Viber is told to come back."""
        if callback.event not in ("message", "subscribed", "unsubscribed"):
            return None  # answered in the request (the welcome) or not handled at all
        user = callback.user_id
        if callback.event == "message" and user is not None:
            admission = self.throttle.admit(user)
            if admission is Admission.DROP_AND_NOTICE:  # logged once per flood
                log.info("viber: %s sends faster than a resident types; dropping", user[:6])
            if not admission.allowed:
                return web.Response(status=200)
        if len(self._tasks) >= self.max_in_flight:
            log.warning("viber: %d callbacks in hand; asking Viber to retry", len(self._tasks))
            return web.Response(status=503)
        return None

    async def _dispatch(self, callback: Callback) -> web.StreamResponse:
        event = callback.event
        if event == "conversation_started":
            return await self._welcome(callback)
        if event == "message":
            self._in_order(message_event(callback))
        elif event == "subscribed":
            self._in_order(Returned(callback.chat, callback.message_token))
        elif event == "unsubscribed":
            self._in_order(Blocked(callback.chat, callback.message_token))
        elif event == "failed":
            log.warning(
                "viber message %s to %s failed: %s",
                callback.message_token,
                callback.user_id,
                callback.desc,
            )
        elif event in ("delivered", "seen", "webhook"):
            log.debug("viber %s: message %s", event, callback.message_token)
        else:
            log.info("viber event %r ignored", event)
        return web.Response(status=200)

    async def _welcome(self, callback: Callback) -> web.StreamResponse:
        # The resident has not subscribed: send_message would be refused, so the welcome goes
        # in this answer's body, the one message Viber allows here.
        try:
            async with asyncio.timeout(WELCOME_TIMEOUT_SECONDS):
                replies = await self._engine.handle(start_event(callback))
        except TimeoutError:
            log.warning("viber welcome for %s took too long; none sent", callback.user_id)
            return web.Response(status=200)
        except Exception:  # Viber must never see a 500 for a resident opening the chat
            log.exception("viber welcome for %s failed", callback.user_id)
            return web.Response(status=200)
        welcome = render_welcome(replies, self._sender.sender_profile)
        if welcome is None:
            return web.Response(status=200)
        return web.json_response(welcome)

    def _in_order(self, event: Event) -> None:
        task = asyncio.create_task(self._converse(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _converse(self, event: Event) -> None:
        # The first thing the task does is hand the event over: the dialog takes the resident's
        # turn at once, so tasks started in the callbacks' order are answered in that order.
        user_id = event.chat.user_id

        async def deliver(replies: Sequence[Reply]) -> None:
            sent = await self._sender.send(user_id, replies)
            if sent.outcome is SendOutcome.BLOCKED:
                raise Unreachable(sent.detail)

        with log_context(channel=CHANNEL, update_id=event.update_id):
            try:
                await self._engine.handle(event, deliver)
            except Exception:  # one resident's failure must not stop the others' callbacks
                log.exception("viber callback handling failed")

    async def wait_idle(self) -> None:
        """Return once every callback received so far has been handled."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    async def close(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Let running work finish for `grace` seconds, then cancel what is left."""
        try:
            async with asyncio.timeout(grace):
                await self.wait_idle()
        except TimeoutError:
            log.warning(
                "viber: %d callbacks still running at shutdown, cancelled", len(self._tasks)
            )
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
