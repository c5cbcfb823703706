"""What a resident sees while submitting: the prompt for a value, the questions about an
unusual value, and the bill preview before the confirmation press.
"""

from __future__ import annotations

from decimal import Decimal

from billing_core.bills import LINE_BALANCE, BillNote, recalc_register
from billing_core.models import Bill
from billing_core.readings import Confirmation, ConfirmationNeeded, latest_actual
from dialogs.flows.draft import (
    ACCEPT,
    CANCEL,
    CONFIRM,
    FIX,
    OPEN_KEYPAD,
    ROLLED_OVER,
    SURE,
    Draft,
    save,
)
from dialogs.render import (
    kwh,
    line_label,
    money,
    money_tail,
    period,
    rate,
    reading,
    times,
    zone_name,
    zone_short,
)
from dialogs.replies import Reply
from dialogs.turn import Turn


def prompt(turn: Turn, draft: Draft) -> Reply:
    """Ask for the value of the draft's current register, showing the last one."""
    register = draft.registers[draft.index]
    name = zone_name(turn, draft.account.meter.kind, register)
    previous = latest_actual(draft.history, before=draft.period)
    last = previous.values.get(register) if previous else None
    if last is None:
        text = turn.t("submit_prompt_first", register=name)
    else:
        text = turn.t("submit_prompt", register=name, last=reading(turn, last))
    buttons = ((turn.button("btn_keypad", OPEN_KEYPAD), turn.button("btn_cancel", CANCEL)),)
    return Reply(text, buttons)


def question(turn: Turn, draft: Draft, needed: ConfirmationNeeded) -> Reply:
    """Ask whether an unusual value is meant; the dialog waits in CONFIRM for the answer."""
    save(turn, CONFIRM, draft, asking=needed.kind.value)
    if needed.kind is Confirmation.ROLLOVER and needed.register is not None:
        previous = latest_actual(draft.history, before=draft.period)
        last = previous.values.get(needed.register, Decimal(0)) if previous else Decimal(0)
        text = turn.t(
            "rollover_ask",
            register=zone_short(turn, draft.account.meter.kind, needed.register),
            last=reading(turn, last),
            kwh=kwh(turn, needed.consumption),
        )
        yes = turn.button("btn_rollover", ROLLED_OVER)
    else:
        text = _implausible_text(turn, draft, needed)
        yes = turn.button("btn_yes_correct", SURE)
    return Reply(text, ((yes, turn.button("btn_fix", FIX)),))


def _implausible_text(turn: Turn, draft: Draft, needed: ConfirmationNeeded) -> str:
    if needed.register is None:  # the whole meter, above the monthly cap
        return turn.t(
            "implausible_cap_ask",
            kwh=kwh(turn, needed.per_month.quantize(Decimal(1))),
            cap=kwh(turn, turn.config.billing.validation.implausible_max_kwh),
        )
    return turn.t(
        "implausible_ask" if needed.months == 1 else "implausible_ask_months",
        register=zone_short(turn, draft.account.meter.kind, needed.register),
        kwh=kwh(turn, needed.consumption),
        months=needed.months,
        times=times(turn, needed.ratio or Decimal(0)),
        usual=kwh(turn, (needed.average or Decimal(0)).quantize(Decimal(1))),
    )


def preview(turn: Turn, draft: Draft, bill: Bill | None) -> Reply:
    """The values with what each costs, the recalculation lines called so, the total (or that
    nothing is to pay and a credit is carried), and the confirmation buttons."""
    kind = draft.account.meter.kind
    lines: list[str] = []
    by_label = {line.label: line for line in bill.lines} if bill else {}
    for register in draft.registers:
        name = zone_short(turn, kind, register)
        value = reading(turn, draft.values[register])
        line = by_label.get(register.value)
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
    tail: list[str] = []
    if bill is not None:
        shown = {r.value for r in draft.registers}
        for line in bill.lines:
            recalculated = recalc_register(line.label)
            if recalculated is not None:
                lines.append(
                    turn.t(
                        "preview_recalc_line",
                        register=zone_short(turn, kind, recalculated),
                        kwh=kwh(turn, line.quantity_kwh),
                        rate=rate(turn, line.rate),
                        amount=money(turn, line.amount),
                    )
                )
            elif line.label not in shown:
                label = line_label(turn, kind, line.label)
                if line.label == LINE_BALANCE and line.amount < 0:
                    label = turn.t("label_credit_used")
                lines.append(
                    turn.t("bill_line_other", label=label, amount=money(turn, line.amount))
                )
        parts = money_tail(turn, bill, "preview_total")
        total = "\n".join(p if p.startswith(" ") else f"  {p}" for p in parts)
        if BillNote.RECALCULATED.value in bill.notes:
            tail.append(turn.t("preview_recalc_note"))
    else:
        total = turn.t("preview_no_previous")
    text = turn.t(
        "preview", period=period(turn, draft.period), lines="\n".join(lines), total=total
    )
    for extra in tail:
        text += "\n" + extra
    if bill is not None and BillNote.PROVISIONAL_TARIFF.value in bill.notes:
        text += "\n" + turn.t("preview_provisional")
    buttons = (
        (turn.button("btn_confirm", ACCEPT),),
        (turn.button("btn_fix", FIX), turn.button("btn_cancel", CANCEL)),
    )
    return Reply(text, buttons)
