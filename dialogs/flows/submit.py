"""Submitting readings: one prompt per register (typed, or tapped on a keypad), a bill preview,
and only after the confirmation press the reading is stored.

Every rule comes from `billing_core`: the window, eligibility, parsing, rollover and
plausibility checks, the bill. This module only asks, shows and stores; the engine routes here.
The draft, the keypad, the screens and the refusals live in sibling modules.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from billing_core.bills import compute_bill
from billing_core.errors import BillingError, MissingBaseReading, TariffNotFound
from billing_core.models import Bill, MeterReading, Readings, ReadingSource
from billing_core.readings import (
    CheckedSubmission,
    Confirmation,
    ReadingRejected,
    RejectionReason,
    check_eligibility,
    check_register_value,
    check_submission,
    check_window,
)
from billing_core.written import has_labels
from dialogs.answers import is_yes, is_yes_or_no
from dialogs.flows.accounts import (
    binding_of,
    current_binding,
    is_account_number,
    need_account,
    which_account,
)
from dialogs.flows.draft import (
    ACCEPT,
    ACCEPTED,
    CANCEL,
    CONFIRM,
    ENTER,
    FIX,
    OPEN_KEYPAD,
    PREVIEW,
    ROLLED_OVER,
    STATES,
    SURE,
    Draft,
    already_accepted,
    amend,
    expired,
    load,
    receipt_buttons,
    save,
)
from dialogs.flows.general import ask_consent
from dialogs.flows.keypad import KEY, draft_at_value, keypad_open, press_key
from dialogs.flows.refusals import refuse
from dialogs.flows.screens import preview, prompt, question
from dialogs.flows.values import (
    next_missing,
    read_written,
    refusal_text,
    refused_value,
)
from dialogs.render import (
    day,
    days_count,
    money,
    period,
    reading,
    values_text,
    zone_short,
)
from dialogs.replies import Reply
from dialogs.routes import Hearing, Route, Routes
from dialogs.turn import Turn
from dialogs.ui import MENU, MENU_SUBMIT, SUBMIT_FOR, menu_reply, rows

__all__ = [
    "CONFIRM",
    "ENTER",
    "PREVIEW",
    "STATES",
    "Draft",
    "cancel",
    "confirm",
    "confirm_question",
    "fix",
    "keypad_open",
    "keypad_press",
    "on_text",
    "refuse",
    "resume",
    "review",
    "start",
    "submit_command",
]

FIX_ZONE = "sub:z:"  # + a register ("t1") or "all": the value «Исправить» asks again

# -- starting --------------------------------------------------------------------------------


log = logging.getLogger(__name__)


async def start(turn: Turn, number: str | None = None) -> list[Reply]:
    """Open a submission for `number` (from a button) or the chat's current account."""
    binding = await binding_of(turn, number) if number else await current_binding(turn)
    if binding is None:
        if number and await turn.bindings():
            return [menu_reply(turn, "account_unknown")]
        return need_account(turn)
    if number:
        turn.update_profile(current_account=number)
    subject = await turn.load_subject(binding.account)
    account = subject.account
    if account is None:
        return [menu_reply(turn, "account_unknown")]
    window = turn.config.window.for_account(account)
    history = list(subject.history)
    try:
        draft_period = check_window(window, turn.now)
        check_eligibility(account, history, draft_period, turn.config.billing.validation)
    except ReadingRejected as refusal:
        return refuse(turn, account, window, refusal)
    draft = Draft(binding, account, window, draft_period, history, {}, 0, None, frozenset())
    head = turn.t(
        "submit_open",
        closes_on=day(turn, window.closes_on(draft_period)),
        days_left=days_count(turn, window.days_left(turn.now)),
        alias=binding.alias,
        account=account.pretty,
    )
    notice = _already_sent(turn, draft)
    if notice is not None:
        head += "\n" + notice
    save(turn, ENTER, draft)
    return [Reply(head), prompt(turn, draft)]


async def start_from_menu(turn: Turn) -> list[Reply]:
    """«Передать показания» in the menu, /submit alone: with several accounts, which one first
    (its button opens the submission for it, `SUBMIT_FOR`)."""
    chooser = await which_account(turn, SUBMIT_FOR, "accounts_which_submit")
    return chooser if chooser is not None else await start(turn)


def _already_sent(turn: Turn, draft: Draft) -> str | None:
    """That the period has readings already, which these will replace; None when it has not."""
    # The period's current reading, if any, is the newest of the history (one per period).
    current = next((r for r in draft.history if r.period == draft.period), None)
    if current is None:
        return None
    return turn.t(
        "submit_already",
        period=period(turn, draft.period),
        values=values_text(turn, draft.account.meter.kind, current.values),
    )


# -- typing values ---------------------------------------------------------------------------


async def on_text(turn: Turn, text: str) -> list[Reply]:
    draft = await load(turn)
    if draft is None:
        return expired(turn)
    if turn.state != ENTER or draft.index >= len(draft.registers):
        if is_yes_or_no(text):
            return await _answered(turn, yes=is_yes(text))
        if not any(ch.isdigit() for ch in text):
            # Other words typed under the preview or a question: show it again, buttons and all.
            return [Reply(turn.t("press_a_button")), *await review(turn, draft)]
        # Digits typed there: labelled zones correct those zones, else a fresh start.
        kept = draft.values if has_labels(text) else {}
        draft = amend(draft, values=kept, index=0, keypad=None, confirmed=frozenset())
    return await _take_value(turn, draft, text)


async def _answered(turn: Turn, yes: bool) -> list[Reply]:
    """«да» or «нет» typed under the preview or a question, as its buttons: a yes is «Всё верно,
    передать» (or the question's yes), a no is «Исправить»."""
    if not yes:
        return await fix(turn)
    if turn.state == PREVIEW:
        return await confirm(turn)
    try:
        asked = Confirmation(str(turn.data.get("asking")))
    except ValueError:  # no question waits (the state is out of date)
        return expired(turn)
    return await confirm_question(turn, asked)


async def _take_value(turn: Turn, draft: Draft, text: str, keypad: bool = False) -> list[Reply]:
    """Values as the resident wrote them: the register asked for, every register on one line,
    or labelled zones in any order («день 46720 ночь 21800»). The next register asked is the
    first still missing."""
    try:
        typed = _checked(turn, draft, read_written(text, draft))
    except ReadingRejected as refusal:
        return refused_value(turn, draft, refusal, text, keypad=keypad)
    draft = amend(draft, values={**draft.values, **typed}, keypad=None)
    draft = amend(draft, index=next_missing(draft))
    if draft.index < len(draft.registers):
        save(turn, ENTER, draft)
        return [prompt(turn, draft)]
    return await review(turn, draft)


def _checked(turn: Turn, draft: Draft, typed: Readings) -> Readings:
    """`typed`, each value checked against its register's history (raises `ReadingRejected`)."""
    for register, value in typed.items():
        check_register_value(
            draft.account,
            register,
            value,
            draft.history,
            draft.period,
            turn.config.billing.validation,
        )
    return typed


async def keypad_press(turn: Turn, key: str) -> list[Reply]:
    """A keypad press; done takes the typed digits like a typed value."""
    draft = await draft_at_value(turn)
    if draft is None:
        return expired(turn)
    pressed = press_key(turn, draft, key)
    if isinstance(pressed, str):
        return await _take_value(turn, amend(draft, keypad=None), pressed, keypad=True)
    return pressed


# -- checks and the bill ----------------------------------------------------------------------


def _check(turn: Turn, draft: Draft) -> CheckedSubmission:
    return check_submission(
        draft.account,
        draft.values,
        draft.history,
        draft.period,
        turn.config.billing.validation,
        draft.confirmed,
    )


async def _bill(turn: Turn, draft: Draft, reading_now: MeterReading) -> Bill | None:
    """The bill the reading makes, or None when there is no earlier reading to measure from.

    It starts from the account's money position before this period (a credit carried by an
    earlier bill, or the billing system's balance), as the month's closing does."""
    history = [*draft.history, reading_now]
    position = await turn.storage.money_position(draft.account.number, draft.period)
    try:
        return compute_bill(
            draft.account,
            draft.period,
            history,
            turn.config.tariffs,
            turn.config.billing,
            balance=position.amount,
        )
    except MissingBaseReading:
        return None


def _reading(turn: Turn, draft: Draft) -> MeterReading:
    return MeterReading(
        period=draft.period,
        values=dict(draft.values),
        source=ReadingSource.RESIDENT,
        submitted_at=turn.now,
        channel=turn.chat.channel,
        chat_user=turn.chat.user_id,
    )


async def review(turn: Turn, draft: Draft) -> list[Reply]:
    """All values are in: refuse, ask a question, or show the preview."""
    try:
        checked = _check(turn, draft)
    except ReadingRejected as refusal:
        if refusal.reason is RejectionReason.LOWER_THAN_LAST and refusal.register is not None:
            return refused_value(turn, draft, refusal)
        if refusal.reason is RejectionReason.ABOVE_CAP:
            if refusal.register is None:  # the whole meter: every value again
                draft = amend(draft, values={}, index=0)
            return refused_value(turn, draft, refusal)
        return refuse(turn, draft.account, draft.window, refusal)
    if checked.needed:
        return [question(turn, draft, checked.needed[0])]
    try:
        bill = await _bill(turn, draft, _reading(turn, draft))
    except TariffNotFound:
        return [menu_reply(turn, "rej_no_tariff", phone=turn.config.contacts.phone)]
    save(turn, PREVIEW, draft)
    return [preview(turn, draft, bill)]


# -- answers to the questions and the preview -------------------------------------------------


async def confirm_question(turn: Turn, confirmation: Confirmation) -> list[Reply]:
    draft = await load(turn)
    if draft is None or turn.state != CONFIRM or turn.data.get("asking") != confirmation.value:
        return expired(turn)
    draft = amend(draft, confirmed=draft.confirmed | {confirmation})
    return await review(turn, draft)


async def rolled_over(turn: Turn) -> list[Reply]:
    return await confirm_question(turn, Confirmation.ROLLOVER)


async def sure(turn: Turn) -> list[Reply]:
    return await confirm_question(turn, Confirmation.IMPLAUSIBLE)


async def fix(turn: Turn) -> list[Reply]:
    """«Исправить»: which zone, when there are several with values; else every value again."""
    draft = await load(turn)
    if draft is None or turn.state not in STATES:
        return expired(turn)
    typed = [r for r in draft.registers if r in draft.values]
    if len(draft.registers) == 1 or not typed:
        return await fix_zone(turn, "all")
    kind = draft.account.meter.kind
    zones = [
        turn.button(
            "btn_fix_zone",
            f"{FIX_ZONE}{r.value}",
            zone=zone_short(turn, kind, r),
            value=reading(turn, draft.values[r]),
        )
        for r in typed
    ]
    buttons = (
        *rows(*zones, per_row=1),
        (turn.button("btn_fix_all", f"{FIX_ZONE}all"), turn.button("btn_cancel", CANCEL)),
    )
    return [Reply(turn.t("fix_which"), buttons)]


async def fix_zone(turn: Turn, zone: str) -> list[Reply]:
    """The zone to correct chosen: only its value is asked again, then the preview."""
    draft = await load(turn)
    if draft is None or turn.state not in STATES:
        return expired(turn)
    registers = {r.value: r for r in draft.registers}
    if zone in registers:
        kept = {r: v for r, v in draft.values.items() if r.value != zone}
        draft = amend(draft, values=kept, index=draft.registers.index(registers[zone]))
        draft = amend(draft, keypad=None, confirmed=frozenset())
        save(turn, ENTER, draft)
        return [prompt(turn, draft)]
    draft = amend(draft, values={}, index=0, keypad=None, confirmed=frozenset())
    save(turn, ENTER, draft)
    return [Reply(turn.t("submit_fix")), prompt(turn, draft)]


def cancel(turn: Turn) -> list[Reply]:
    if turn.data.get(ACCEPTED):  # "Cancel" under a preview already accepted cancels nothing
        return already_accepted(turn)
    return [menu_reply(turn, "submit_cancelled")]


def cancel_anything(turn: Turn) -> list[Reply]:
    """/cancel, «отмена», «назад», «стоп»: whatever is in progress ends, nothing is stored."""
    if turn.profile.consent_at is None:
        return ask_consent(turn)
    if turn.state in STATES:
        return cancel(turn)
    return [menu_reply(turn, "nothing_to_cancel" if turn.state == MENU else "cancelled")]


async def confirm(turn: Turn) -> list[Reply]:
    """The confirmation press: check everything again, store, then answer with the bill."""
    draft = await load(turn)
    if draft is None or turn.state != PREVIEW or len(draft.values) != len(draft.registers):
        return expired(turn)
    try:
        current_period = check_window(draft.window, turn.now)
    except ReadingRejected as refusal:
        return refuse(turn, draft.account, draft.window, refusal)
    if current_period != draft.period:
        return expired(turn)
    try:
        checked = _check(turn, draft)
    except ReadingRejected as refusal:
        return refuse(turn, draft.account, draft.window, refusal)
    if not checked.ready:
        return [question(turn, draft, checked.needed[0])]
    new_reading = _reading(turn, draft)
    try:
        bill = await _bill(turn, draft, new_reading)
    except BillingError:
        return [menu_reply(turn, "rej_no_tariff", phone=turn.config.contacts.phone)]
    stored = await turn.storage.record_submission(
        draft.account.number, new_reading, bill, turn.update_id
    )
    if not stored.duplicate:
        log.info(
            "reading accepted for %s (%s)",
            draft.period,
            "billed " + bill.basis.value if bill is not None else "first reading, no bill",
            extra={"account": draft.account.number, "channel": turn.chat.channel},
        )
        turn.observer.on_reading_accepted(turn.chat.channel)
        if bill is not None:
            turn.observer.on_bill_computed(bill.basis.value)
    local = turn.local_now
    closes_on = day(turn, draft.window.closes_on(draft.period))
    if bill is not None:
        text = turn.t(
            "accepted_credit" if bill.total == 0 and bill.credit > 0 else "accepted",
            date=day(turn, local.date()),
            time=local.strftime("%H:%M"),
            period=period(turn, draft.period),
            total=money(turn, bill.total),
            credit=money(turn, bill.credit),
            due=day(turn, bill.due),
            closes_on=closes_on,
        )
    else:
        text = turn.t(
            "accepted_no_bill",
            date=day(turn, local.date()),
            time=local.strftime("%H:%M"),
            closes_on=closes_on,
        )
    if stored.superseded:
        earlier = next((r for r in draft.history if r.period == draft.period), None)
        same = earlier is not None and earlier.values == new_reading.values
        key = "accepted_same" if same else "accepted_replaced"
        text += "\n" + turn.t(key, period=period(turn, draft.period))
    turn.goto(MENU)
    turn.data[ACCEPTED] = True
    return [Reply(text, receipt_buttons(turn))]


async def resume(turn: Turn) -> list[Reply]:
    """The submission in progress asked again where it stands (after a language change): the
    value it waits for, or its question or preview."""
    draft = await load(turn)
    if draft is None:
        return expired(turn)
    if turn.state == ENTER and draft.index < len(draft.registers):
        save(turn, ENTER, amend(draft, keypad=None))
        return [prompt(turn, draft)]
    return await review(turn, draft)


# -- /submit ---------------------------------------------------------------------------------


async def submit_command(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    if not args:
        return await start_from_menu(turn)
    opening = await start(turn)
    if not args or turn.state != ENTER:
        return opening
    draft = await load(turn)
    if draft is None:
        return expired(turn)
    try:
        line = " ".join(args)
        # Read as at the first register's prompt: a lone number is its value, checked now as
        # there, and the rest asked; a full set is checked together under the preview.
        values = read_written(line, draft)
        if len(values) < len(draft.registers):
            _checked(turn, draft, values)
    except ReadingRejected as refusal:
        if refusal.register is not None:
            index = draft.registers.index(refusal.register)
            draft = amend(draft, index=index, values={})
        reply = Reply(refusal_text(turn, draft, refusal, line))
        draft = amend(draft, index=0, values={})
        save(turn, ENTER, draft)
        return [reply, prompt(turn, draft)]
    draft = amend(draft, values=values)
    draft = amend(draft, index=next_missing(draft))
    if draft.index < len(draft.registers):  # '/submit 46 700': the first value only
        save(turn, ENTER, draft)
        return [opening[0], prompt(turn, draft)]  # the window and account, then what is missing
    replies = await review(turn, draft)
    notice = _already_sent(turn, draft)  # said by `start`, whose opening is not shown here
    if notice is not None and replies:
        replies[0] = replace(replies[0], text=f"{notice}\n{replies[0].text}")
    return replies


ROUTES = Routes(
    actions={
        MENU_SUBMIT: Route(start_from_menu),
        OPEN_KEYPAD: Route(keypad_open),
        ACCEPT: Route(confirm),
        FIX: Route(fix),
        CANCEL: Route(cancel),
        ROLLED_OVER: Route(rolled_over),
        SURE: Route(sure),
    },
    prefixes={
        KEY: Route(keypad_press),
        FIX_ZONE: Route(fix_zone),
        SUBMIT_FOR: Route(start, accepts=is_account_number),
    },
    commands={
        "submit": Route(submit_command),
        "cancel": Route(cancel_anything, open=True, keeps_state=True),
    },
    texts={state: Route(on_text, hears=Hearing.WISHES) for state in STATES},
)
