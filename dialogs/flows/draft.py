"""The submission in progress and how it lives in the dialog data between events.

The state names and the data keys are stored in databases: they never change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from billing_core.models import Account, MeterReading, Period, Readings, Register
from billing_core.readings import Confirmation
from billing_core.window import SubmissionWindow
from dialogs.flows.accounts import binding_of
from dialogs.replies import Button, Reply
from dialogs.turn import Turn
from dialogs.ui import MENU_BILL, MENU_SUBMIT, back_to_menu, menu_reply
from storage.base import Binding

ENTER = "submit.value"
CONFIRM = "submit.confirm"
PREVIEW = "submit.preview"
STATES = (ENTER, CONFIRM, PREVIEW)

# The submission's action ids (the keypad's keys are in `dialogs.flows.keypad`).
OPEN_KEYPAD = "sub:kp"
ACCEPT = "sub:ok"  # the preview confirmed: store the readings
FIX = "sub:fix"
CANCEL = "sub:cancel"
ROLLED_OVER = "sub:roll"  # yes, the meter went past its last digit
SURE = "sub:sure"  # yes, the unusual consumption is right
# In the menu's data once readings are accepted, until the next step: a second tap on the
# preview's buttons (a double tap, or an old message) is told so, not "start again".
ACCEPTED = "accepted"


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


def save(turn: Turn, state: str, draft: Draft, **changes: Any) -> None:
    """Move the dialog to `state`, keeping `draft` (and any extra `changes`) in its data."""
    data: dict[str, Any] = {
        "account": draft.account.number,
        "period": str(draft.period),
        "values": {r.value: str(v) for r, v in draft.values.items()},
        "index": draft.index,
        "keypad": draft.keypad,
        "confirmed": sorted(c.value for c in draft.confirmed),
    }
    data.update(changes)
    turn.goto(state, subject=draft.account.number, **data)


async def load(turn: Turn) -> Draft | None:
    """The draft in the dialog data, or None when it is missing, stale or malformed."""
    data = turn.data
    number = data.get("account")
    if not isinstance(number, str):
        return None
    binding = await binding_of(turn, number)
    if binding is None:
        return None
    subject = await turn.load_subject(number)
    account = subject.account
    if account is None:
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
    return Draft(
        binding,
        account,
        turn.config.window.for_account(account),
        draft_period,
        list(subject.history),
        values,
        index,
        keypad if (isinstance(keypad, str) and keypad.isdigit()) or keypad == "" else None,
        confirmed,
    )


def amend(draft: Draft, **changes: Any) -> Draft:
    """A copy of `draft` with `changes`."""
    return replace(draft, **changes)


def expired(turn: Turn) -> list[Reply]:
    """The answer to a press or a value that no longer matches a draft in progress."""
    if turn.data.get(ACCEPTED):
        return already_accepted(turn)
    return [menu_reply(turn, "submit_expired")]


def receipt_buttons(turn: Turn) -> tuple[tuple[Button, ...], ...]:
    """Under the receipt of accepted readings, and under any reminder of it."""
    return ((turn.button("btn_bill", MENU_BILL), *back_to_menu(turn)),)


def already_accepted(turn: Turn) -> list[Reply]:
    """A press on the preview after its readings were accepted: the receipt stays as it is,
    and a resident who meant to correct them is shown how."""
    buttons = ((turn.button("btn_submit", MENU_SUBMIT),), *receipt_buttons(turn))
    return [Reply(turn.t("submit_already_accepted"), buttons, keep_pressed=True)]
