"""Submitting readings: one prompt per register (typed, or tapped on a keypad), a bill preview,
and only after the confirmation press the reading is stored.

Every rule comes from `billing_core`: the window, eligibility, parsing, rollover and
plausibility checks, the bill. This module only asks, shows and stores.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from billing_core.bills import BillNote, compute_bill, credit_label
from billing_core.errors import BillingError, MissingBaseReading, TariffNotFound
from billing_core.models import (
    Account,
    Bill,
    MeterKind,
    MeterReading,
    Period,
    Readings,
    ReadingSource,
    Register,
)
from billing_core.readings import (
    CheckedSubmission,
    Confirmation,
    ConfirmationNeeded,
    ReadingRejected,
    RejectionReason,
    check_eligibility,
    check_submission,
    check_window,
    latest_actual,
    parse_value,
    parse_values,
)
from billing_core.window import SubmissionWindow
from dialogs.flows.accounts import binding_of, current_binding, need_account
from dialogs.render import (
    day,
    days_count,
    kwh,
    line_label,
    money,
    period,
    rate,
    reading,
    values_text,
    zone_name,
    zone_short,
)
from dialogs.replies import Button, Reply
from dialogs.turn import Turn
from dialogs.ui import MENU, back_to_menu, menu_reply, rows
from storage.base import Binding

ENTER = "submit.value"
CONFIRM = "submit.confirm"
PREVIEW = "submit.preview"
STATES = (ENTER, CONFIRM, PREVIEW)

HISTORY_MONTHS = 24  # enough for the 6-month average and the missed-months rule


@dataclass(frozen=True, slots=True)
class Draft:
    """The submission in progress, rebuilt from the stored dialog data on every event."""

    binding: Binding
    account: Account
    window: SubmissionWindow
    period: Period
    history: list[MeterReading]
    values: Readings
    index: int
    keypad: str | None
    confirmed: frozenset[Confirmation]

    @property
    def registers(self) -> tuple[Register, ...]:
        return self.account.meter.kind.registers


def _save(turn: Turn, state: str, draft: Draft, **changes: Any) -> None:
    data: dict[str, Any] = {
        "account": draft.account.number,
        "period": str(draft.period),
        "values": {r.value: str(v) for r, v in draft.values.items()},
        "index": draft.index,
        "keypad": draft.keypad,
        "confirmed": sorted(c.value for c in draft.confirmed),
    }
    data.update(changes)
    turn.goto(state, **data)


async def _load(turn: Turn) -> Draft | None:
    """The draft in the dialog data, or None when it is missing, stale or malformed."""
    data = turn.data
    number = data.get("account")
    if not isinstance(number, str):
        return None
    binding = await binding_of(turn, number)
    account = await turn.storage.get_account(number) if binding else None
    if binding is None or account is None:
        return None
    try:
        draft_period = Period.parse(str(data.get("period", "")))
        raw_values = data.get("values") or {}
        values = {Register(k): Decimal(str(v)) for k, v in dict(raw_values).items()}
        index = int(data.get("index", 0))
        confirmed = frozenset(Confirmation(c) for c in data.get("confirmed") or ())
    except (ValueError, TypeError, InvalidOperation):
        return None
    registers = account.meter.kind.registers
    if not 0 <= index <= len(registers) or any(r not in registers for r in values):
        return None
    keypad = data.get("keypad")
    history = await turn.storage.readings(number, limit=HISTORY_MONTHS)
    return Draft(
        binding,
        account,
        turn.config.window.for_account(account),
        draft_period,
        history,
        values,
        index,
        keypad if (isinstance(keypad, str) and keypad.isdigit()) or keypad == "" else None,
        confirmed,
    )


def _replace(draft: Draft, **changes: Any) -> Draft:
    return replace(draft, **changes)


def _expired(turn: Turn) -> list[Reply]:
    return [menu_reply(turn, "submit_expired")]


# -- starting --------------------------------------------------------------------------------


async def start(turn: Turn, number: str | None = None) -> list[Reply]:
    """Open a submission for `number` (from a button) or the chat's current account."""
    binding = await binding_of(turn, number) if number else await current_binding(turn)
    if binding is None:
        if number and await turn.bindings():
            return [menu_reply(turn, "account_unknown")]
        return need_account(turn)
    if number:
        turn.update_profile(current_account=number)
    account = await turn.storage.get_account(binding.account)
    if account is None:
        return [menu_reply(turn, "account_unknown")]
    window = turn.config.window.for_account(account)
    history = await turn.storage.readings(account.number, limit=HISTORY_MONTHS)
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
    current = await turn.storage.current_reading(account.number, draft_period)
    if current is not None:
        head += "\n" + turn.t(
            "submit_already",
            period=period(turn, draft_period),
            values=values_text(turn, account.meter.kind, current.values),
        )
    _save(turn, ENTER, draft)
    return [Reply(head), _prompt(turn, draft)]


def _prompt(turn: Turn, draft: Draft) -> Reply:
    register = draft.registers[draft.index]
    name = zone_name(turn, draft.account.meter.kind, register)
    previous = latest_actual(draft.history, before=draft.period)
    last = previous.values.get(register) if previous else None
    if last is None:
        text = turn.t("submit_prompt_first", register=name)
    else:
        text = turn.t("submit_prompt", register=name, last=reading(turn, last))
    buttons = ((turn.button("btn_keypad", "sub:kp"), turn.button("btn_cancel", "sub:cancel")),)
    return Reply(text, buttons)


# -- typing values ---------------------------------------------------------------------------


async def on_text(turn: Turn, text: str) -> list[Reply]:
    draft = await _load(turn)
    if draft is None:
        return _expired(turn)
    if turn.state != ENTER or draft.index >= len(draft.registers):
        if not any(ch.isdigit() for ch in text):
            # Words typed under the preview or a question: show it again, buttons and all.
            return [Reply(turn.t("press_a_button")), *await review(turn, draft)]
        # Digits typed there: a fresh start of the values.
        draft = _replace(draft, values={}, index=0, keypad=None, confirmed=frozenset())
    return await _take_value(turn, draft, text)


async def _take_value(turn: Turn, draft: Draft, text: str) -> list[Reply]:
    meter = draft.account.meter
    if draft.index == 0 and len(draft.registers) > 1 and len(text.split()) > 1:
        try:
            values = parse_values(text, meter)
        except ReadingRejected:
            values = {}
        if values:
            return await review(turn, _replace(draft, values=values, index=len(values)))
    register = draft.registers[draft.index]
    try:
        value = parse_value(text, meter, register)
    except ReadingRejected as refusal:
        _save(turn, ENTER, _replace(draft, keypad=None))
        return [Reply(_value_refusal(turn, draft, refusal)), _prompt(turn, draft)]
    values = {**draft.values, register: value}
    draft = _replace(draft, values=values, index=draft.index + 1, keypad=None)
    if draft.index < len(draft.registers):
        _save(turn, ENTER, draft)
        return [_prompt(turn, draft)]
    return await review(turn, draft)


def _value_refusal(turn: Turn, draft: Draft, refusal: ReadingRejected) -> str:
    reason = refusal.reason
    turn.observer.on_reading_refused(turn.chat.channel, reason.value)
    if reason is RejectionReason.TOO_MANY_DIGITS:
        return turn.t(
            "rej_too_many_digits", allowed=refusal.digits_allowed, given=refusal.digits_given
        )
    if reason is RejectionReason.TOO_MANY_DECIMALS:
        return turn.t("rej_too_many_decimals", allowed=refusal.decimals_allowed)
    if reason is RejectionReason.WRONG_REGISTER_COUNT:
        example = " ".join(["45230", "21100", "9800"][: len(draft.registers)])
        return turn.t(
            "rej_wrong_register_count",
            expected=refusal.expected_count,
            given=refusal.given_count,
            example=example,
        )
    if reason is RejectionReason.LOWER_THAN_LAST and refusal.register is not None:
        if draft.account.meter.kind is MeterKind.SINGLE:
            last = reading(turn, refusal.last_value or Decimal(0))
            return turn.t("rej_lower_than_last_single", last=last)
        return turn.t(
            "rej_lower_than_last",
            register=zone_short(turn, draft.account.meter.kind, refusal.register),
            last=reading(turn, refusal.last_value or Decimal(0)),
        )
    keys = {
        RejectionReason.EMPTY: "rej_empty",
        RejectionReason.NOT_A_NUMBER: "rej_not_a_number",
        RejectionReason.NOT_DIGITS: "rej_not_digits",
        RejectionReason.DECIMALS_NOT_ALLOWED: "rej_decimals_not_allowed",
    }
    return turn.t(keys.get(reason, "rej_not_a_number"))


# -- keypad ------------------------------------------------------------------------------------


def _keypad_reply(turn: Turn, draft: Draft, note: str | None = None) -> Reply:
    digits = draft.account.meter.digits
    typed = draft.keypad or ""
    display = " ".join([*typed, *("_" * max(digits - len(typed), 0))])
    register = zone_short(turn, draft.account.meter.kind, draft.registers[draft.index])
    text = turn.t("keypad", register=register, display=display)
    if note:
        text = f"{note}\n{text}"
    pad = [Button(str(d), f"kp:{d}") for d in (1, 2, 3, 4, 5, 6, 7, 8, 9)]
    bottom = (
        Button(turn.t("btn_erase"), "kp:del"),
        Button("0", "kp:0"),
        turn.button("btn_done", "kp:ok"),
    )
    buttons = (*rows(*pad, per_row=3), bottom, (turn.button("btn_cancel", "sub:cancel"),))
    return Reply(text, buttons)


async def keypad_open(turn: Turn) -> list[Reply]:
    draft = await _load(turn)
    if draft is None or turn.state != ENTER or draft.index >= len(draft.registers):
        return _expired(turn)
    draft = _replace(draft, keypad="")
    _save(turn, ENTER, draft)
    return [_keypad_reply(turn, draft)]


async def keypad_press(turn: Turn, key: str) -> list[Reply]:
    draft = await _load(turn)
    if draft is None or turn.state != ENTER or draft.index >= len(draft.registers):
        return _expired(turn)
    typed = draft.keypad or ""
    if key == "ok":
        if not typed:
            return [_keypad_reply(turn, draft, turn.t("keypad_empty"))]
        return await _take_value(turn, _replace(draft, keypad=None), typed)
    if key == "del":
        typed = typed[:-1]
    elif len(key) == 1 and key.isdigit():
        if len(typed) >= draft.account.meter.digits:
            note = turn.t("keypad_full", digits=draft.account.meter.digits)
            return [_keypad_reply(turn, draft, note)]
        typed += key
    draft = _replace(draft, keypad=typed)
    _save(turn, ENTER, draft)
    return [_keypad_reply(turn, draft)]


# -- checks, questions, preview ----------------------------------------------------------------


def _check(turn: Turn, draft: Draft) -> CheckedSubmission:
    return check_submission(
        draft.account,
        draft.values,
        draft.history,
        draft.period,
        turn.config.billing.validation,
        draft.confirmed,
    )


def _bill(turn: Turn, draft: Draft, reading_now: MeterReading) -> Bill | None:
    """The bill the reading makes, or None when there is no earlier reading to measure from."""
    history = [*draft.history, reading_now]
    try:
        return compute_bill(
            draft.account, draft.period, history, turn.config.tariffs, turn.config.billing
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
            index = draft.registers.index(refusal.register)
            kept = {r: v for r, v in draft.values.items() if draft.registers.index(r) < index}
            draft = _replace(draft, values=kept, index=index, keypad=None)
            _save(turn, ENTER, draft)
            return [Reply(_value_refusal(turn, draft, refusal)), _prompt(turn, draft)]
        return refuse(turn, draft.account, draft.window, refusal)
    if checked.needed:
        return [_question(turn, draft, checked.needed[0])]
    try:
        bill = _bill(turn, draft, _reading(turn, draft))
    except TariffNotFound:
        return [menu_reply(turn, "rej_no_tariff", phone=turn.config.contacts.phone)]
    _save(turn, PREVIEW, draft)
    return [_preview(turn, draft, bill)]


def _question(turn: Turn, draft: Draft, needed: ConfirmationNeeded) -> Reply:
    _save(turn, CONFIRM, draft, asking=needed.kind.value)
    kind = draft.account.meter.kind
    register = zone_short(turn, kind, needed.register)
    if needed.kind is Confirmation.ROLLOVER:
        previous = latest_actual(draft.history, before=draft.period)
        last = previous.values.get(needed.register, Decimal(0)) if previous else Decimal(0)
        text = turn.t(
            "rollover_ask",
            register=register,
            last=reading(turn, last),
            kwh=kwh(turn, needed.consumption),
        )
        yes = turn.button("btn_rollover", "sub:roll")
    else:
        ratio = needed.ratio or Decimal(0)
        text = turn.t(
            "implausible_ask",
            register=register,
            kwh=kwh(turn, needed.consumption),
            ratio=_ratio(turn, ratio),
            usual=kwh(turn, (needed.average or Decimal(0)).quantize(Decimal(1))),
        )
        yes = turn.button("btn_yes_correct", "sub:sure")
    return Reply(text, ((yes, turn.button("btn_fix", "sub:fix")),))


def _ratio(turn: Turn, ratio: Decimal) -> str:
    whole = ratio.quantize(Decimal(1))
    shown = whole if abs(ratio - whole) < Decimal("0.05") else ratio.quantize(Decimal("0.1"))
    return str(shown).replace(".", "," if turn.lang == "ru" else ".")


def _preview(turn: Turn, draft: Draft, bill: Bill | None) -> Reply:
    kind = draft.account.meter.kind
    lines: list[str] = []
    by_label = {line.label: line for line in bill.lines} if bill else {}
    for register in draft.registers:
        name = zone_short(turn, kind, register)
        value = reading(turn, draft.values[register])
        line = by_label.get(register.value) or by_label.get(credit_label(register))
        if line is None:
            lines.append(turn.t("preview_line_first", register=name, value=value))
            continue
        lines.append(
            turn.t(
                "preview_line",
                register=name,
                value=value,
                kwh=kwh(turn, line.quantity_kwh),
                rate=rate(turn, line.rate),
                amount=money(turn, line.amount),
            )
        )
    if bill is not None:
        shown = {r.value for r in draft.registers} | {credit_label(r) for r in draft.registers}
        for line in bill.lines:
            if line.label not in shown:
                label = line_label(turn, kind, line.label)
                lines.append(
                    turn.t("bill_line_other", label=label, amount=money(turn, line.amount))
                )
        total = turn.t("preview_total", total=money(turn, bill.total), due=day(turn, bill.due))
    else:
        total = turn.t("preview_no_previous")
    text = turn.t(
        "preview", period=period(turn, draft.period), lines="\n".join(lines), total=total
    )
    if bill is not None and BillNote.PROVISIONAL_TARIFF.value in bill.notes:
        text += "\n" + turn.t("preview_provisional")
    buttons = (
        (turn.button("btn_confirm", "sub:ok"),),
        (turn.button("btn_fix", "sub:fix"), turn.button("btn_cancel", "sub:cancel")),
    )
    return Reply(text, buttons)


async def confirm_question(turn: Turn, confirmation: Confirmation) -> list[Reply]:
    draft = await _load(turn)
    if draft is None or turn.state != CONFIRM or turn.data.get("asking") != confirmation.value:
        return _expired(turn)
    draft = _replace(draft, confirmed=draft.confirmed | {confirmation})
    return await review(turn, draft)


async def fix(turn: Turn) -> list[Reply]:
    draft = await _load(turn)
    if draft is None or turn.state not in STATES:
        return _expired(turn)
    draft = _replace(draft, values={}, index=0, keypad=None, confirmed=frozenset())
    _save(turn, ENTER, draft)
    return [Reply(turn.t("submit_fix")), _prompt(turn, draft)]


def cancel(turn: Turn) -> list[Reply]:
    return [menu_reply(turn, "submit_cancelled")]


async def confirm(turn: Turn) -> list[Reply]:
    """The confirmation press: check everything again, store, then answer with the bill."""
    draft = await _load(turn)
    if draft is None or turn.state != PREVIEW or len(draft.values) != len(draft.registers):
        return _expired(turn)
    try:
        current_period = check_window(draft.window, turn.now)
    except ReadingRejected as refusal:
        return refuse(turn, draft.account, draft.window, refusal)
    if current_period != draft.period:
        return _expired(turn)
    try:
        checked = _check(turn, draft)
    except ReadingRejected as refusal:
        return refuse(turn, draft.account, draft.window, refusal)
    if not checked.ready:
        return [_question(turn, draft, checked.needed[0])]
    new_reading = _reading(turn, draft)
    try:
        bill = _bill(turn, draft, new_reading)
    except BillingError:
        return [menu_reply(turn, "rej_no_tariff", phone=turn.config.contacts.phone)]
    stored = await turn.storage.record_submission(
        draft.account.number, new_reading, bill, turn.update_id
    )
    if not stored.duplicate:
        turn.observer.on_reading_accepted(turn.chat.channel)
        if bill is not None:
            turn.observer.on_bill_computed(bill.basis.value)
    local = turn.local_now
    closes_on = day(turn, draft.window.closes_on(draft.period))
    if bill is not None:
        text = turn.t(
            "accepted",
            date=day(turn, local.date()),
            time=local.strftime("%H:%M"),
            period=period(turn, draft.period),
            total=money(turn, bill.total),
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
        text += "\n" + turn.t("accepted_replaced", period=period(turn, draft.period))
    turn.goto(MENU)
    buttons = ((turn.button("btn_bill", "m:bill"), *back_to_menu(turn)),)
    return [Reply(text, buttons)]


# -- /submit ---------------------------------------------------------------------------------


async def submit_command(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    opening = await start(turn)
    if not args or turn.state != ENTER:
        return opening
    draft = await _load(turn)
    if draft is None:
        return _expired(turn)
    try:
        values = parse_values(" ".join(args), draft.account.meter)
    except ReadingRejected as refusal:
        if refusal.register is not None:
            index = draft.registers.index(refusal.register)
            draft = _replace(draft, index=index, values={})
        reply = Reply(_value_refusal(turn, draft, refusal))
        draft = _replace(draft, index=0, values={})
        _save(turn, ENTER, draft)
        return [reply, _prompt(turn, draft)]
    return await review(turn, _replace(draft, values=values, index=len(values)))


# -- refusals that end the submission -----------------------------------------------------------


def refuse(
    turn: Turn, account: Account, window: SubmissionWindow, refusal: ReadingRejected
) -> list[Reply]:
    contacts = turn.config.contacts
    reason = refusal.reason
    turn.observer.on_reading_refused(turn.chat.channel, reason.value)
    turn.goto(MENU)
    menu_row = back_to_menu(turn)
    if reason is RejectionReason.WINDOW_CLOSED:
        opens_on = refusal.opens_on or window.next_opening(turn.now)
        text = turn.t(
            "rej_window_closed",
            start_day=window.start_day,
            end_day=window.end_day,
            opens_on=day(turn, opens_on),
        )
        remind = turn.button("btn_remind_on_date", "remind:next", date=day(turn, opens_on))
        return [Reply(text, ((remind,), menu_row))]
    if reason is RejectionReason.TOO_MANY_MISSED_MONTHS:
        limit = refusal.max_missed_months or 0
        months = turn.t(
            "months_1" if limit <= 1 else "months_2" if limit == 2 else "months_n", n=limit
        )
        text = turn.t(
            "rej_too_many_missed", months=months, phone=contacts.phone, hours=contacts.hours
        )
        offices = turn.button("btn_nearest_offices", "off:near")
        return [Reply(text, ((offices,), menu_row))]
    if reason is RejectionReason.METER_AUTOMATIC:
        return [
            Reply(turn.t("rej_meter_automatic"), ((turn.button("btn_bill", "m:bill"), *menu_row),))
        ]
    if reason is RejectionReason.METER_INACTIVE:
        text = turn.t("rej_meter_inactive", phone=contacts.phone, hours=contacts.hours)
        return [Reply(text, (menu_row,))]
    if reason is RejectionReason.ACCOUNT_CLOSED:
        text = turn.t(
            "rej_account_closed",
            account=account.pretty,
            phone=contacts.phone,
            hours=contacts.hours,
        )
        return [Reply(text, (menu_row,))]
    return [menu_reply(turn, "not_understood")]
