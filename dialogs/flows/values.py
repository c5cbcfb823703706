"""Values as residents write them, for the submission: read by register from what was typed
(`billing_core.written`), and a refused one explained with an example in the resident's own
way of writing, for their meter's zones.
"""

from __future__ import annotations

from decimal import Decimal

from billing_core.models import Readings, Register
from billing_core.readings import (
    ReadingRejected,
    RejectionReason,
    latest_actual,
    parse_value,
    read_line,
)
from billing_core.written import labels_of, read_labelled, strip_units, zone_words
from dialogs.flows.draft import ENTER, Draft, amend, save
from dialogs.flows.keypad import keypad_reply
from dialogs.flows.refusals import value_refusal
from dialogs.flows.screens import prompt
from dialogs.render import kwh, phones, zone_short
from dialogs.replies import Reply
from dialogs.turn import Turn

# Refusals of the form of what was typed: an example in the meter's own format follows.
_SHOW_EXAMPLE = frozenset(
    {
        RejectionReason.EMPTY,
        RejectionReason.NOT_A_NUMBER,
        RejectionReason.NOT_DIGITS,
        RejectionReason.NOT_A_ZONE,
    }
)
_SAMPLE = {Register.T1: Decimal(45230), Register.T2: Decimal(21100), Register.T3: Decimal(9800)}


def read_written(text: str, draft: Draft) -> Readings:
    """The values a message gives, by register: labelled zones in any order, every register on
    one line, or the register asked for."""
    meter = draft.account.meter
    labelled = read_labelled(text, meter)
    if labelled is not None:
        return labelled
    line = strip_units(text)
    if draft.index == 0 and len(draft.registers) > 1 and len(line.split()) > 1:
        try:
            values = line_values(line, draft)
        except ReadingRejected as refusal:
            if (
                refusal.reason is RejectionReason.WRONG_REGISTER_COUNT
                and (refusal.given_count or 0) > 1
            ):
                raise  # several numbers, but not one per register
            values = {}
        if len(values) == len(draft.registers):  # else one value, read below as the first
            return values
    register = draft.registers[draft.index]
    return {register: parse_value(line, meter, register)}


def line_values(line: str, draft: Draft) -> Readings:
    """Every register's value from one line, or the first alone ('46 700', see `read_line`)."""
    return read_line(line, draft.account.meter, latest_actual(draft.history, before=draft.period))


def next_missing(draft: Draft) -> int:
    """The index of the first register without a value (the count when none is missing)."""
    return next(
        (i for i, register in enumerate(draft.registers) if register not in draft.values),
        len(draft.registers),
    )


def refused_value(
    turn: Turn, draft: Draft, refusal: ReadingRejected, typed: str = "", keypad: bool = False
) -> list[Reply]:
    """A value refused: why, an example where the form was wrong, and the register asked again
    (the one refused, when it is named) — on a fresh keypad when it was tapped there."""
    if refusal.register is not None and refusal.register in draft.registers:
        kept = {r: v for r, v in draft.values.items() if r != refusal.register}
        draft = amend(draft, values=kept, index=draft.registers.index(refusal.register))
    draft = amend(draft, keypad="" if keypad else None)
    save(turn, ENTER, draft)
    text = refusal_text(turn, draft, refusal, typed)
    if keypad:
        return [keypad_reply(turn, draft, text)]
    return [Reply(text), prompt(turn, draft)]


def refusal_text(turn: Turn, draft: Draft, refusal: ReadingRejected, typed: str = "") -> str:
    """Why `typed` was refused, with an example in its way of naming zones where it helps."""
    reason = refusal.reason
    if reason is RejectionReason.ABOVE_CAP:
        turn.observer.on_reading_refused(turn.chat.channel, reason.value)
        kind = draft.account.meter.kind
        return turn.t(
            "rej_above_cap",
            what=zone_short(turn, kind, refusal.register)
            if refusal.register is not None and len(draft.registers) > 1
            else turn.t("consumption_word"),
            kwh=kwh(turn, refusal.kwh_per_month or Decimal(0)),
            cap=kwh(turn, refusal.max_kwh or Decimal(0)),
            phones=phones(turn),
        )
    if reason is RejectionReason.NOT_A_ZONE:
        turn.observer.on_reading_refused(turn.chat.channel, reason.value)
        single = len(draft.registers) == 1
        key = "rej_not_a_zone_single" if single else "rej_not_a_zone"
        text = turn.t(key, zone=refusal.text or "", zones=", ".join(_names(turn, draft, typed)))
    else:
        text = value_refusal(turn, draft, refusal)
    if reason in _SHOW_EXAMPLE:
        text += "\n" + turn.t("submit_example", example=_example(turn, draft, typed))
    return text


def _names(turn: Turn, draft: Draft, typed: str = "") -> list[str]:
    """The meter's zones as `typed` names them (день/ночь, day/night), else as Т1, Т2, Т3."""
    words = zone_words(draft.account.meter.kind, labels_of(typed))
    return list(words) if words else [turn.t(f"code_{r.value}") for r in draft.registers]


def _example(turn: Turn, draft: Draft, typed: str) -> str:
    """The meter's zones with their last values (or sample ones): «Т1 46470 Т2 21675», or
    «день 46470 ночь 21675» to one who wrote «день»."""
    previous = latest_actual(draft.history, before=draft.period)
    last = previous.values if previous is not None else {}
    values = [str(last.get(r, _SAMPLE[r]).quantize(Decimal(1))) for r in draft.registers]
    if len(values) == 1:
        return values[0]
    names = _names(turn, draft, typed)
    return " ".join(f"{name} {value}" for name, value in zip(names, values, strict=True))
