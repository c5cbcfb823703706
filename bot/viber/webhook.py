"""`POST [viber] webhook_path`: Viber callbacks, verified, acknowledged at once, handled in order.

The signature is checked on the raw bytes before anything else is read. Dialog work runs in
background tasks (held in a set, as aiogram holds `_background_feed_update_tasks`) so Viber's
callback gets its 200 quickly; one resident's messages are handled one after another, so two
quick presses never race over the same dialog state.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Protocol

from aiohttp import web

from bot.health import ChannelHealth
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
from dialogs.events import ChatRef, Inbound
from dialogs.ordering import TurnQueue
from dialogs.replies import Reply
from storage.base import Storage

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Viber-Content-Signature"
WELCOME_TIMEOUT_SECONDS = 5.0  # the welcome is computed while Viber waits for the answer
SHUTDOWN_GRACE_SECONDS = 10.0


class DialogHandler(Protocol):
    async def handle(self, event: Inbound) -> list[Reply]: ...


def signature_of(body: bytes, auth_token: str) -> str:
    return hmac.new(auth_token.encode("utf-8"), body, hashlib.sha256).hexdigest()


class ViberWebhook:
    def __init__(
        self,
        auth_token: str,
        engine: DialogHandler,
        storage: Storage,
        sender: ViberSender,
        *,
        health: ChannelHealth | None = None,
    ) -> None:
        if not auth_token:
            raise ValueError("[viber] auth_token is empty: callbacks could not be verified")
        self._token = auth_token
        self._engine = engine
        self._storage = storage
        self._sender = sender
        self._health = health
        self._tasks: set[asyncio.Task[None]] = set()
        self._turns = TurnQueue()  # one resident's callbacks one after another
        self.events = Counter[str]()  # callbacks seen per event, delivery reports included

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        received = request.headers.get(SIGNATURE_HEADER, "").strip().lower()
        expected = signature_of(body, self._token)
        if not hmac.compare_digest(expected.encode(), received.encode("utf-8", "replace")):
            log.warning("viber callback refused: bad or missing signature")
            raise web.HTTPForbidden()
        if self._health is not None:  # a verified callback: evidence the channel serves
            self._health.served()
        try:
            callback = parse_callback(json.loads(body))
        except (ValueError, RecursionError) as exc:  # BadCallback and JSON errors included
            log.warning("viber callback refused: %s", exc)
            raise web.HTTPBadRequest() from None
        self.events[callback.event] += 1
        try:
            return await self._dispatch(callback)
        except BadCallback as exc:
            log.warning("viber callback refused: %s", exc)
            raise web.HTTPBadRequest() from None

    async def _dispatch(self, callback: Callback) -> web.StreamResponse:
        event = callback.event
        if event == "conversation_started":
            return await self._welcome(callback)
        if event == "message":
            inbound = message_event(callback)
            self._in_order(callback.chat.user_id, lambda: self._converse(inbound))
        elif event == "subscribed":
            chat = callback.chat
            self._in_order(chat.user_id, lambda: self._welcome_back(chat))
        elif event == "unsubscribed":
            chat = callback.chat
            self._in_order(chat.user_id, lambda: self._storage.set_blocked(chat, True))
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

    async def _welcome_back(self, chat: ChatRef) -> None:
        """Clear the unsubscribed mark. A chat never seen gets no profile here: the dialog
        creates it on the first message."""
        profile = await self._storage.get_profile(chat)
        if profile is not None and profile.blocked:
            await self._storage.set_blocked(chat, False)

    async def _converse(self, inbound: Inbound) -> None:
        with log_context(channel=CHANNEL, update_id=inbound.update_id):
            # Writing again means the resident is back: a message subscribes them.
            await self._welcome_back(inbound.chat)
            replies = await self._engine.handle(inbound)
            if replies:
                await self._sender.send(inbound.chat.user_id, replies)

    def _in_order(self, user_id: str, work: Callable[[], Awaitable[object]]) -> None:
        task = asyncio.create_task(self._in_turn(user_id, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _in_turn(self, user_id: str, work: Callable[[], Awaitable[object]]) -> None:
        async with self._turns.turn(user_id):
            try:
                await work()
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
