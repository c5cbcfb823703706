"""The one entry point every channel calls: `DialogEngine.handle(event, deliver)` (the contract
is `dialogs.channel.DialogHandler`).

Per chat, one event at a time in the order the channel handed them over: the chat's turn is
taken when `handle` is called and held until the channel has delivered the replies, so a
resident reads the answers in the order they wrote, whatever each channel's transport does.

Per event: one storage read (`load_chat`: profile, dialog state, and whether the update id was
processed before), one step, one storage write (`save_turn`: the update id as processed, the
state and the profile when changed, in one transaction), the replies. A step that fails
unexpectedly is logged and answered with a polite "please try again"; nothing propagates to the
channel. State names are stable strings; one the engine no longer knows leads to the menu.

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
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

from billing_core.identifiers import normalize_account
from billing_core.readings import Confirmation
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
from dialogs.flows import accounts, binding, general, money, outages, statement, submit
from dialogs.observer import DialogObserver, NoObserver
from dialogs.ordering import TurnQueue
from dialogs.replies import Reply
from dialogs.texts import DEFAULT_LOCALE, LOCALES, say
from dialogs.turn import Turn
from dialogs.typed import command_name
from dialogs.ui import MENU
from storage.base import ChatProfile, ChatSnapshot, DialogState, Storage, StorageError

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Step = Callable[[Turn], Awaitable[list[Reply]]]

MAX_TEXT = 1000  # longer lines are cut: nothing a resident types here needs more


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DialogEngine:
    """Channel-agnostic conversation: neutral events in, neutral replies out."""

    def __init__(
        self,
        storage: Storage,
        config: DialogConfig,
        clock: Clock = _utc_now,
        observer: DialogObserver | None = None,
    ) -> None:
        self.storage = storage
        self.config = config
        self.clock = clock
        self.observer: DialogObserver = observer or NoObserver()
        # One event at a time per chat in this process, its delivery included: a double tap
        # must not interleave steps, nor its answers arrive out of order.
        self._turns = TurnQueue()

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
                return await self._step(event, snapshot)
        except Exception as exc:
            log.exception("dialog step failed for %s", event.chat.channel)
            if isinstance(exc, StorageError):
                self.observer.on_storage_error()
            return [Reply(say(locale, "oops"))]

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
            replies = general.not_understood(turn)
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


async def route(turn: Turn, event: Inbound) -> list[Reply]:
    if isinstance(event, Start):
        return await general.start(turn)
    if isinstance(event, Command):
        return await on_command(turn, command_name(event.name), event.args)
    if isinstance(event, Choice):
        return await on_choice(turn, event.action_id)
    if isinstance(event, ContactShared):
        if turn.profile.consent_at is None:
            return general.ask_consent(turn)
        return await binding.on_contact(turn, event)
    return await on_text(turn, event.text[:MAX_TEXT])


async def on_command(turn: Turn, name: str, args: tuple[str, ...]) -> list[Reply]:
    args = tuple(arg[:MAX_TEXT] for arg in args[:10])
    if name in _CONSENTED_COMMANDS and turn.profile.consent_at is None:
        return general.ask_consent(turn)
    match name:
        case "start":
            return await general.start(turn)
        case "help":
            return general.help_reply(turn)
        case "lang":
            return await set_language(turn, args)
        case "offices":
            return general.offices(turn, " ".join(args))
        case "contacts":
            return general.contacts(turn)
        case "faq":
            return general.faq(turn)
        case "menu":
            return general.menu(turn)
        case "forget":
            return general.forget(turn)
        case "bind":
            return await binding.bind_command(turn, args)
        case "submit":
            return await submit.submit_command(turn, args)
        case "bill":
            return await statement.last_bill(turn)
        case "history":
            return await statement.history(turn)
        case "accounts":
            return await accounts.list_accounts(turn)
        case "remind":
            if not args:
                return general.reminders(turn)
            return general.set_reminders(turn, args)
        case "outages":
            return await outages.command(turn, args)
    return general.unknown_command(turn, name)


_CONSENTED_COMMANDS = {"bind", "submit", "bill", "history", "accounts", "remind", "outages"}


async def on_choice(turn: Turn, action_id: str) -> list[Reply]:
    head, _, rest = action_id.partition(":")
    # Open to everyone, consent or not.
    match action_id:
        case "menu":
            return general.menu(turn)
        case "consent:yes":
            return await general.give_consent(turn)
        case "consent:info":
            return general.consent_info(turn)
        case "m:offices":
            return general.offices(turn)
        case "off:near":
            return await general.nearest_offices(turn)
        case "m:contacts":
            return general.contacts(turn)
        case "m:faq":
            return general.faq(turn)
        case "forget:yes":
            return await general.forget_confirmed(turn)
        case "forget:no":
            return general.forget_declined(turn)
    if head == "lang":
        return await set_language(turn, (rest,))
    if head == "faq":
        return general.faq_answer(turn, rest)
    if turn.profile.consent_at is None:
        return general.ask_consent(turn)
    return await _consented_choice(turn, action_id, head, rest)


async def set_language(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    """/lang, and a submission in progress goes on in the new language rather than being
    dropped for the menu."""
    state, data, subject = turn.state, turn.data, turn.subject
    replies = general.set_language(turn, args)
    if state not in submit.STATES or turn.profile.consent_at is None or turn.state != MENU:
        return replies  # nothing to resume, or the choice was not a language (usage shown)
    turn.goto(state, subject=subject, **data)
    return [replies[0], *await submit.resume(turn)]


async def _consented_choice(turn: Turn, action_id: str, head: str, rest: str) -> list[Reply]:
    match action_id:
        case "m:submit":
            return await submit.start(turn)
        case "m:bill":
            return await statement.last_bill(turn)
        case "m:history":
            return await statement.history(turn)
        case "m:accounts":
            return await accounts.list_accounts(turn)
        case "m:remind":
            return general.reminders(turn)
        case "remind:on":
            return general.set_reminders(turn, ("on",))
        case "remind:off":
            return general.set_reminders(turn, ("off",))
        case "remind:next":
            return await general.remind_next_window(turn)
        case "m:outages":
            return await outages.show(turn)
        case "outages:on":
            return await outages.switch(turn, on=True)
        case "outages:off":
            return await outages.switch(turn, on=False)
        case "bind:start":
            return await binding.ask_account(turn)
        case "sub:kp":
            return await submit.keypad_open(turn)
        case "sub:ok":
            return await submit.confirm(turn)
        case "sub:fix":
            return await submit.fix(turn)
        case "sub:cancel":
            return submit.cancel(turn)
        case "sub:roll":
            return await submit.confirm_question(turn, Confirmation.ROLLOVER)
        case "sub:sure":
            return await submit.confirm_question(turn, Confirmation.IMPLAUSIBLE)
    if head == "kp":
        return await submit.keypad_press(turn, rest)
    if head == "submit" and normalize_account(rest) == rest:
        return await submit.start(turn, rest)
    if head == "acc":
        verb, _, number = rest.partition(":")
        if normalize_account(number) == number:
            return await _account_action(turn, verb, number)
    return general.not_understood(turn)


async def _account_action(turn: Turn, verb: str, number: str) -> list[Reply]:
    match verb:
        case "open":
            return await accounts.open_account(turn, number)
        case "use":
            return await accounts.make_current(turn, number)
        case "ren":
            return await accounts.ask_alias(turn, number)
        case "del":
            return await accounts.ask_unbind(turn, number)
        case "delok":
            return await accounts.unbind(turn, number)
    return general.not_understood(turn)


async def on_text(turn: Turn, text: str) -> list[Reply]:
    state = turn.state
    if turn.profile.consent_at is None:
        if state == general.OFFICES_SEARCH:
            return general.offices_search(turn, text)
        if state == general.CONSENT and general.is_agreement(text):
            return await general.give_consent(turn)
        return general.ask_consent(turn)
    if state == binding.ASK_ACCOUNT:
        return await binding.on_account_text(turn, text)
    if state == binding.ASK_SERIAL:
        return await binding.on_serial_text(turn, text)
    if state in submit.STATES:
        return await submit.on_text(turn, text)
    if state == accounts.RENAME:
        return await accounts.on_alias_text(turn, text)
    if state == general.OFFICES_SEARCH:
        return general.offices_search(turn, text)
    if state == general.FORGET_CONFIRM:
        # Erasing takes the button; a typed "no" is as good as pressing "keep".
        return general.forget_declined(turn) if general.is_refusal(text) else general.forget(turn)
    if state not in (MENU, general.CONSENT):
        log.info("unknown dialog state %r: back to the menu", state[:40])
        return general.menu(turn)
    if normalize_account(text) is not None:
        # A resident who starts by typing the account number means to bind it.
        return await binding.on_account_text(turn, text)
    if money.asks_about_paying(text):
        return await statement.last_bill(turn)
    return general.not_understood(turn)
