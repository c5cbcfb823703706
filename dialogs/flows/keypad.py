"""The on-screen keypad for a register's value: digit presses, erase and done, shown as
`4 5 2 _ _ _` up to the meter's number of digits.

The keypad only collects digits; the finished value is taken by `submit` like a typed one.
"""

from __future__ import annotations

from billing_core.readings import latest_actual
from dialogs.flows.draft import CANCEL, ENTER, Draft, amend, expired, load, save
from dialogs.render import counted, reading, zone_short
from dialogs.replies import Button, Reply
from dialogs.turn import Turn
from dialogs.ui import rows

KEY = "kp:"  # + a digit, "del" or "ok"


def keypad_reply(turn: Turn, draft: Draft, note: str | None = None) -> Reply:
    """The keypad for the draft's current register, the last reading under the digits."""
    digits = draft.account.meter.digits
    typed = draft.keypad or ""
    display = " ".join([*typed, *("_" * max(digits - len(typed), 0))])
    register = draft.registers[draft.index]
    shown = zone_short(turn, draft.account.meter.kind, register)
    text = turn.t("keypad", register=shown, display=display)
    previous = latest_actual(draft.history, before=draft.period)
    last = previous.values.get(register) if previous is not None else None
    if last is not None:
        text += "\n" + turn.t("keypad_last", last=reading(turn, last))
    if note:
        text = f"{note}\n{text}"
    pad = [Button(str(d), f"{KEY}{d}") for d in (1, 2, 3, 4, 5, 6, 7, 8, 9)]
    bottom = (
        Button(turn.t("btn_erase"), f"{KEY}del"),
        Button("0", f"{KEY}0"),
        turn.button("btn_done", f"{KEY}ok"),
    )
    buttons = (*rows(*pad, per_row=3), bottom, (turn.button("btn_cancel", CANCEL),))
    return Reply(text, buttons)


async def draft_at_value(turn: Turn) -> Draft | None:
    """The draft when the dialog is waiting for a register's value, else None."""
    draft = await load(turn)
    if draft is None or turn.state != ENTER or draft.index >= len(draft.registers):
        return None
    return draft


async def keypad_open(turn: Turn) -> list[Reply]:
    draft = await draft_at_value(turn)
    if draft is None:
        return expired(turn)
    draft = amend(draft, keypad="")
    save(turn, ENTER, draft)
    return [keypad_reply(turn, draft)]


def press_key(turn: Turn, draft: Draft, key: str) -> list[Reply] | str:
    """The keypad after `key`, or the typed digits when `key` is done and some are typed."""
    typed = draft.keypad or ""
    if key == "ok":
        if not typed:
            return [keypad_reply(turn, draft, turn.t("keypad_empty"))]
        return typed
    if key == "del":
        typed = typed[:-1]
    elif len(key) == 1 and key.isdigit():
        if len(typed) >= draft.account.meter.digits:
            note = turn.t(
                "keypad_full_count", digits=counted(turn, "digits", draft.account.meter.digits)
            )
            return [keypad_reply(turn, draft, note)]
        typed += key
    draft = amend(draft, keypad=typed)
    save(turn, ENTER, draft)
    return [keypad_reply(turn, draft)]
