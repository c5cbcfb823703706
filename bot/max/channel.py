"""One MAX update in, the dialog's answer out: the part polling and the webhook share.

`MaxChannel.dispatch(raw)` reads the update and runs its work as a task of its own (held in a
set, as aiogram holds `_background_feed_update_tasks`), so a long poll goes on and a webhook
answers MAX at once; the dialog keeps each chat's turns in order, from handling until the
replies are out (`dialogs.channel`). `drain` waits for the
work in flight at shutdown.

maxapi's `Dispatcher` is not used: it would run its own handler chain and FSM per update, and
neither the order of a chat's turns (held across delivery by the dialog) nor the bot's
own polling and webhook routes (401 for a bad secret, checked before the body is read) fit it.
Its models (`bot.max.events`) and its HTTP client (`bot.max.client`) are used as they are.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from maxapi.exceptions.max import MaxApiError

from bot.logs import log_context
from bot.max.client import MaxApi, said_by_max
from bot.max.events import (
    CHANNEL,
    Converse,
    Edited,
    GroupMessage,
    GroupPress,
    Ignored,
    Incoming,
    Started,
    Stopped,
    read_update,
)
from bot.max.render import Outgoing, quote, render_all
from bot.max.texts import locale_of, max_say
from dialogs.channel import DialogHandler, Unreachable
from dialogs.events import Blocked, Inbound
from dialogs.events import Edited as EditedEvent
from dialogs.replies import Reply
from dialogs.texts import DEFAULT_LOCALE, say
from dialogs.throttle import Admission, Throttle

log = logging.getLogger(__name__)


class MaxChannel:
    def __init__(
        self,
        api: MaxApi,
        dialog: DialogHandler,
        *,
        throttle: Throttle | None = None,
    ) -> None:
        self.api = api
        self.dialog = dialog
        self.throttle = throttle or Throttle()  # per resident: a keypad's pace passes
        self.handled = 0  # updates whose work has finished, for tests and the benchmark
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    # -- taking updates in -----------------------------------------------------------------
    def dispatch(self, raw: Any) -> None:
        """Read one raw update and start its work; returns at once."""
        incoming = read_update(raw)
        if isinstance(incoming, Ignored):
            log.debug("max update ignored: %s", incoming.reason)
            return
        if self._admitted(incoming):
            self._start(self._work(incoming))

    async def feed(self, raw: Any) -> None:
        """Dispatch one update and wait until everything in flight is done (tests, bench)."""
        self.dispatch(raw)
        await self.wait_idle()

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self.handled += 1
        if not self._tasks:
            self._idle.set()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def wait_idle(self) -> None:
        await self._idle.wait()

    async def drain(self, grace: float) -> bool:
        """Let the work in flight finish for `grace` seconds, then cancel what is left; True
        when nothing had to be cancelled."""
        try:
            async with asyncio.timeout(grace):
                await self.wait_idle()
            return True
        except TimeoutError:
            tasks = list(self._tasks)
            log.warning("max: %d updates still running at shutdown, cancelled", len(tasks))
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            return False

    def _admitted(self, incoming: Incoming) -> bool:
        if not isinstance(incoming, Converse):
            return True
        admission = self.throttle.admit(incoming.event.chat.user_id)
        if admission is Admission.DROP_AND_NOTICE:
            self._start(self._slow_down(incoming))
        return admission.allowed

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        self._idle.clear()
        task.add_done_callback(self._done)

    # -- the work of one update --------------------------------------------------------------
    async def _work(self, incoming: Incoming) -> None:
        update_id = getattr(getattr(incoming, "event", None), "update_id", None)
        with log_context(channel=CHANNEL, update_id=update_id):
            try:
                await self._act(incoming)
            except Exception:  # one update's failure must not stop the others'
                log.exception("max update failed")
                await self._apologise(incoming)

    async def _act(self, incoming: Incoming) -> None:
        if isinstance(incoming, Converse):
            await self._converse(incoming.event, incoming.callback_id)
        elif isinstance(incoming, Started):
            await self._converse(incoming.event, None)
        elif isinstance(incoming, Stopped):
            await self.dialog.handle(Blocked(incoming.chat))
        elif isinstance(incoming, Edited):
            await self._edited(incoming)
        elif isinstance(incoming, GroupMessage):
            if await self.dialog.claim(CHANNEL, incoming.update_id):
                await self.api.send_to_chat(
                    incoming.chat_id, quote(max_say(incoming.locale, "private_only"))
                )
        elif isinstance(incoming, GroupPress):
            await self.api.answer(
                incoming.callback_id, notification=max_say(incoming.locale, "private_only")
            )

    async def _converse(self, event: Inbound, callback_id: str | None) -> None:
        user_id = int(event.chat.user_id)

        async def deliver(replies: Sequence[Reply]) -> None:
            try:
                await self.show(user_id, replies, callback_id)
            except MaxApiError as exc:
                # 403: the resident stopped the bot or cannot be written to; the dialog marks
                # the chat blocked, as `bot_stopped` does.
                if exc.code == 403 and said_by_max(exc):
                    raise Unreachable(f"MAX answered 403: {str(exc.raw)[:120]}") from exc
                raise

        await self.dialog.handle(event, deliver)

    async def _edited(self, incoming: Edited) -> None:
        user_id = int(incoming.chat.user_id)

        async def send(replies: Sequence[Reply]) -> None:
            # A plain answer: the keyboard the resident has stays as it is.
            for reply in replies:
                await self.api.send(user_id, Outgoing(quote(reply.text)))

        hint = locale_of(incoming.locale)
        await self.dialog.handle(EditedEvent(incoming.chat, incoming.update_id, hint), send)

    async def show(
        self, user_id: int, replies: Sequence[Reply], callback_id: str | None = None
    ) -> None:
        """Send `replies`; a press whose answer is one message with buttons replaces the
        pressed message in place (the keypad, menus), so the chat does not fill with stale
        keyboards. MAX errors propagate to the caller."""
        messages = render_all(replies)
        if callback_id is not None:
            keep = any(reply.keep_pressed for reply in replies)
            single = messages[0] if len(messages) == 1 else None
            if not keep and single is not None and single.keyboard and single.png is None:
                await self.api.answer(callback_id, single)
                return
            await self.api.answer(callback_id)
        for message in messages:
            await self.api.send(user_id, message)

    async def _slow_down(self, incoming: Converse) -> None:
        chat = incoming.event.chat
        language = await self.dialog.locale(chat)
        text = max_say(language, "slow_down")
        if incoming.callback_id is not None:
            await self.api.answer(incoming.callback_id, notification=text)
        else:
            await self.api.send(int(chat.user_id), Outgoing(quote(text)))

    async def _apologise(self, incoming: Incoming) -> None:
        event = getattr(incoming, "event", None)
        if not isinstance(event, Inbound):
            return
        try:
            language = await self.dialog.locale(event.chat)
        except Exception:  # the dialog's storage may be what failed
            language = None
        try:
            apology = Outgoing(quote(say(language or DEFAULT_LOCALE, "oops")))
            await self.api.send(int(event.chat.user_id), apology)
        except Exception as exc:
            log.warning("max: the apology failed too: %s", exc)
