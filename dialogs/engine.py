"""The one entry point every channel calls: `DialogEngine.handle(event, deliver)` (the contract
is `dialogs.channel.DialogHandler`).

Per chat, one event at a time in the order the channel handed them over: the chat's turn is
taken when `handle` is called and held until the channel has delivered the replies, so a
resident reads the answers in the order they wrote, whatever each channel's transport does.

Per event: one storage read (`load_chat`: profile, dialog state, and whether the update id was
processed before), one step, one storage write (`save_turn`: the update id as processed, the
state and the profile when changed, in one transaction), the replies. A step that fails
unexpectedly is logged and answered with a polite "please try again"; nothing propagates to the
channel. Which step answers an event the flows declare (`dialogs.routes`): the engine merges
their declarations, asks for consent before any route not declared open, and knows nothing else
of them. State names are stable strings; one no flow takes leads to the menu. Typed text that
names a wish (`dialogs.intents`) is answered as the button or command it names where its state
hears it (`dialogs.routes.Hearing`); a command or button of another flow leaves the state first.

The chat's own events (`dialogs.events.Lifecycle`) are the engine's too: blocked and returned
set the mark reminders skip, and an edited message is answered with a hint once per update id.
A resident who writes again is no longer marked blocked, and one whose replies the channel
could not deliver because they left (`Unreachable`) is marked.

Idempotency: an update id is recorded as processed at the end of its turn, together with the
state it led to. A redelivered update whose first delivery ran to its end does nothing; one whose
first delivery failed or was cut off mid-step (a crash, a power cut before the turn's commit
reached the disk) runs again from the state saved before it, rather than being dropped. Running
a step twice never stores a reading twice: `record_submission` keeps its own record of update
ids, written in the same transaction as the reading, and answers a repeat with `duplicate`. Two
deliveries of one update handled at the same moment both run, but only the turn that commits
first is kept and answers; the other writes nothing and returns no reply.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from dialogs import intents
from dialogs.channel import Acknowledge, Deliver, Unreachable
from dialogs.config import DialogConfig
from dialogs.events import (
    Blocked,
    ChatRef,
    Choice,
    Command,
    ContactShared,
    Edited,
    Event,
    Inbound,
    Lifecycle,
    Returned,
    Start,
)
from dialogs.flows import declared
from dialogs.flows.binding import names_an_account
from dialogs.observer import DialogObserver, NoObserver
from dialogs.ordering import TurnQueue
from dialogs.replies import Reply
from dialogs.routes import Found, Hearing, Router
from dialogs.texts import DEFAULT_LOCALE, LOCALES, say
from dialogs.turn import Turn
from dialogs.typed import command_name
from dialogs.ui import MENU
from storage.base import ChatProfile, ChatSnapshot, ConversationStore, DialogState, StorageError
from storage.downtime import Downtime

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

MAX_TEXT = 1000  # longer lines are cut: nothing a resident types here needs more


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DialogEngine:
    """Channel-agnostic conversation: neutral events in, neutral replies out."""

    def __init__(
        self,
        storage: ConversationStore,
        config: DialogConfig,
        clock: Clock = _utc_now,
        observer: DialogObserver | None = None,
        downtime: Downtime | None = None,
    ) -> None:
        self.storage = storage
        # One log line per storage outage, not a traceback per resident (storage/downtime.py).
        self.downtime = downtime or Downtime(log)
        self.config = config
        self.clock = clock
        self.observer: DialogObserver = observer or NoObserver()
        # One event at a time per chat in this process, its delivery included: a double tap
        # must not interleave steps, nor its answers arrive out of order.
        self._turns = TurnQueue()
        intents.warm()  # the analyser loads here, not in a resident's turn

    async def handle(
        self,
        event: Event,
        deliver: Deliver | None = None,
        *,
        acknowledge: Acknowledge | None = None,
    ) -> list[Reply]:
        """Answer `event` in its chat's turn and deliver the replies before the turn passes."""
        started = time.perf_counter()
        async with self._turns.turn(event.chat):
            try:
                if acknowledge is not None:
                    await acknowledge()
                replies = await self._answer(event)
            finally:
                self.observer.on_handled(event.chat.channel, time.perf_counter() - started)
            if deliver is not None and replies:
                try:
                    await deliver(replies)
                except Unreachable:
                    log.info("%s resident left: marked blocked", event.chat.channel)
                    await self.storage.set_blocked(event.chat, True)
            return replies

    async def claim(self, channel: str, update_id: str) -> bool:
        return await self.storage.claim_update(channel, update_id)

    async def locale(self, chat: ChatRef) -> str | None:
        profile = await self.storage.get_profile(chat)
        return profile.locale if profile is not None else None

    async def _answer(self, event: Event) -> list[Reply]:
        """The replies to one event; the caller holds the chat's turn."""
        if isinstance(event, Blocked | Returned | Edited):
            return await self._lifecycle(event)
        return await self._converse(event)

    async def _converse(self, event: Inbound) -> list[Reply]:
        locale = DEFAULT_LOCALE
        try:
            async with self.storage.chat_turn(event.chat):  # apart from other processes
                snapshot = await self.storage.load_chat(event.chat, event.update_id)
                if snapshot.seen:
                    return []
                if snapshot.profile is not None:
                    locale = snapshot.profile.locale
                replies = await self._step(event, snapshot)
        except StorageError as exc:
            self.observer.on_storage_error()
            self.downtime.failed(exc, f"a {event.chat.channel} turn")
            return [Reply(say(locale, "oops"))]
        except Exception:
            log.exception("dialog step failed for %s", event.chat.channel)
            return [Reply(say(locale, "oops"))]
        self.downtime.ok()
        return replies

    async def _lifecycle(self, event: Lifecycle) -> list[Reply]:
        chat = event.chat
        try:
            if isinstance(event, Blocked):
                await self.storage.set_blocked(chat, True)
                return []
            if isinstance(event, Returned):
                # A chat never seen gets no profile here: the dialog creates it on the first
                # message, in the language the client asks for.
                profile = await self.storage.get_profile(chat)
                if profile is not None and profile.blocked:
                    await self.storage.set_blocked(chat, False)
                return []
            update_id = event.update_id
            if update_id is not None and not await self.storage.claim_update(
                chat.channel, update_id
            ):
                return []  # a redelivered edit: answered already
            profile = await self.storage.get_profile(chat)
            hint = event.language_hint if event.language_hint in LOCALES else None
            locale = profile.locale if profile is not None else hint or DEFAULT_LOCALE
            return [Reply(say(locale, "edited"))]
        except Exception as exc:
            log.exception("%s for %s failed", type(event).__name__, chat.channel)
            if isinstance(exc, StorageError):
                self.observer.on_storage_error()
            return []

    async def prefer_locale(self, chat: ChatRef, locale: str) -> None:
        """Set the chat's language before it speaks (the console's --lang)."""
        if locale not in LOCALES:
            raise ValueError(f"unknown locale {locale!r}")
        profile = await self.storage.get_profile(chat) or ChatProfile(chat)
        if profile.locale != locale:
            await self.storage.save_profile(replace(profile, locale=locale))

    async def _step(self, event: Inbound, snapshot: ChatSnapshot) -> list[Reply]:
        chat = event.chat
        profile = snapshot.profile
        is_new = profile is None
        if profile is None:
            hint = event.language_hint if isinstance(event, Start) else None
            locale = hint if hint in LOCALES else DEFAULT_LOCALE
            profile = ChatProfile(chat, locale=locale or DEFAULT_LOCALE)
        changed = is_new
        if profile.blocked:  # writing again means the resident takes messages again
            profile, changed = replace(profile, blocked=False), True
        state = snapshot.state or DialogState()
        turn = Turn(
            storage=self.storage,
            config=self.config,
            chat=chat,
            profile=profile,
            state=state.state,
            data=copy.deepcopy(state.data),  # the snapshot stays as loaded: compared below
            now=self.clock(),
            update_id=event.update_id,
            profile_changed=changed,
            observer=self.observer,
            known_bindings=snapshot.bindings,
            subject=state.subject,
            known_subject=snapshot.subject,
        )
        replies = await route(turn, event)
        if not replies:
            replies = await Found(ROUTER.not_understood).run(turn)
        if turn.forgotten:  # /forget erased the chat: only the update id is recorded
            first = await self.storage.save_turn(chat, None, None, event.update_id)
        else:
            after = DialogState(turn.state, turn.data, turn.subject)
            first = await self.storage.save_turn(
                chat,
                turn.profile if turn.profile_changed else None,
                None if after == snapshot.state else after,  # an unchanged state is not rewritten
                event.update_id,
            )
        # The same update handled twice at once (two deliveries, two processes): only the turn
        # that committed first answers.
        return replies if first else []


# -- routing ---------------------------------------------------------------------------------

ROUTER = Router(declared())


async def route(turn: Turn, event: Inbound) -> list[Reply]:
    """The step the flows declared for `event`, behind the one consent gate."""
    found = _find(turn, event)
    if not found.route.open and turn.profile.consent_at is None:
        found = Found(ROUTER.ask_consent)
    return await found.run(turn)


def _find(turn: Turn, event: Inbound) -> Found:
    if isinstance(event, Start):
        return ROUTER.command("start", ())
    if isinstance(event, Command):
        args = tuple(arg[:MAX_TEXT] for arg in event.args[:10])
        return _leaving(turn, ROUTER.command(command_name(event.name), args))
    if isinstance(event, Choice):
        return _leaving(turn, ROUTER.press(event.action_id))
    if isinstance(event, ContactShared):
        return Found(ROUTER.contact, event)
    text = event.text[:MAX_TEXT]
    return _wish(turn, text) or ROUTER.text(turn.state, text)


def _leaving(turn: Turn, found: Found) -> Found:
    """A command or a button of another flow than the state's leaves the state for the menu
    first: after /offices, /bill ends the office search, and what is typed next is not searched."""
    own_flow = ROUTER.same_flow(found.route, turn.state)
    if turn.state != MENU and not found.route.keeps_state and not own_flow:
        turn.goto(MENU)
    return found


# The wishes a state that hears no more than these follows (every wish: `Hearing.WISHES`).
_HEARD = {
    Hearing.NAVIGATION: intents.NAVIGATION | intents.EVERYWHERE,
}


def _wish(turn: Turn, text: str) -> Found | None:
    """The route of a wish typed where the state hears it (`dialogs.routes.Hearing`), as the
    button or command that grants it; None when the state's step reads the text itself."""
    own = ROUTER.texts.get(turn.state)
    hearing = own.hears if own is not None else Hearing.WISHES
    if own is not None and own.reads_first is not None and own.reads_first(text):
        return None  # an answer to the state's own question
    meaning = intents.read(text)
    if meaning.intent is None:
        return None
    heard = _HEARD.get(hearing)
    if heard is not None and meaning.intent not in heard:
        return None
    if turn.state != MENU and any(ch.isdigit() for ch in text):
        return None  # digits in a state are its values (a reading, an account number)
    if turn.state == MENU and names_an_account(text):
        return None  # an account number (and serial) typed at the menu: the binding takes it
    target = intents.target(meaning)
    if isinstance(target, intents.Press):
        found = ROUTER.press(target.action_id)
    else:
        found = ROUTER.command(target.name, target.args)
    if meaning.intent is intents.Intent.SUBMIT and ROUTER.same_flow(found.route, turn.state):
        return None  # «передать» under a submission's preview: its step answers, not a restart
    return _leaving(turn, found)
