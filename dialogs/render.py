"""Domain values in the resident's words: zone names, readings, bills. Texts come from the
catalogues; numbers, money and dates from `billing_core.format`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing_core.bills import (
    LINE_BALANCE,
    LINE_NORMATIVE,
    LINE_ODN,
    LINE_PENALTY,
    BillNote,
    recalc_register,
)
from billing_core.format import (
    format_date,
    format_day_of_month,
    format_kwh,
    format_money,
    format_number,
    format_period,
    format_reading,
)
from billing_core.models import Account, Bill, BillBasis, MeterKind, Period, Readings, Register
from dialogs.offices import Opening
from dialogs.texts import plural_key
from dialogs.turn import Turn


def zone_name(turn: Turn, kind: MeterKind, register: Register) -> str:
    """The register with its hours: 'Т1 (день, 07:00–23:00)'."""
    return turn.t(f"zone_{kind.value}_{register.value}")


def zone_short(turn: Turn, kind: MeterKind, register: Register) -> str:
    """The register as a bill line: 'Т1 день'."""
    return turn.t(f"short_{kind.value}_{register.value}")


def kind_name(turn: Turn, kind: MeterKind) -> str:
    return turn.t(f"kind_{kind.value}")


def reading(turn: Turn, value: Decimal) -> str:
    return format_reading(value, turn.lang)


def values_text(turn: Turn, kind: MeterKind, values: Readings) -> str:
    """'Т1 день 45 230, Т2 ночь 21 100' (or just '45 230' for a single-rate meter)."""
    if kind is MeterKind.SINGLE:
        return reading(turn, values[Register.T1])
    return ", ".join(
        f"{zone_short(turn, kind, r)} {reading(turn, values[r])}"
        for r in kind.registers
        if r in values
    )


def money(turn: Turn, amount: Decimal) -> str:
    return format_money(amount, turn.lang)


def kwh(turn: Turn, amount: Decimal) -> str:
    return format_kwh(amount, turn.lang)


def rate(turn: Turn, value: Decimal) -> str:
    return format_money(value, turn.lang)


def day(turn: Turn, value: date) -> str:
    return format_date(value, turn.lang)


def day_of_month(turn: Turn, value: int) -> str:
    return format_day_of_month(value, turn.lang)


def period(turn: Turn, value: Period) -> str:
    return format_period(value, turn.lang)


def number(turn: Turn, value: Decimal | int) -> str:
    return format_number(value, turn.lang)


def counted(turn: Turn, noun: str, n: int) -> str:
    """`n` with its noun in the form the number asks for: «1 день», «2 дня», «5 дней», «21 раз»
    (the catalogues' `<noun>_1`, `_2` and `_5`); in English one is singular, the rest plural."""
    if turn.lang == "en":
        return turn.t(f"{noun}_1" if n == 1 else f"{noun}_5", n=number(turn, n))
    return turn.t(plural_key(noun, n), n=number(turn, n))


def days_count(turn: Turn, n: int) -> str:
    return counted(turn, "days", n)


def times(turn: Turn, ratio: Decimal) -> str:
    """How many times more: «в 3 раза», «в 271 раз», «в 2,5 раза» (a fraction takes «раза»)."""
    whole = ratio.quantize(Decimal(1))
    if abs(ratio - whole) < Decimal("0.05"):
        return counted(turn, "times", int(whole))
    return turn.t("times_fraction", n=number(turn, ratio.quantize(Decimal("0.1"))))


def address_suffix(account: Account) -> str:
    return f" ({account.address})" if account.address else ""


def line_label(turn: Turn, kind: MeterKind, label: str) -> str:
    recalculated = recalc_register(label)
    if recalculated is not None:
        return f"{zone_short(turn, kind, recalculated)} ({turn.t('label_recalculation')})"
    for register in kind.registers:
        if label == register.value:
            return zone_short(turn, kind, register)
    names = {
        LINE_ODN: "label_odn",
        LINE_PENALTY: "label_penalty",
        LINE_BALANCE: "label_balance",
        LINE_NORMATIVE: "label_normative",
    }
    return turn.t(names[label]) if label in names else label


def bill_head(turn: Turn, account: Account, bill: Bill) -> str:
    """The bill's heading with the true reason of its basis: no reading this month (average),
    the average's months used up or too few readings for one (normative), a recalculation."""
    key = f"bill_head_{bill.basis.value}"
    if bill.basis is BillBasis.NORMATIVE:
        for note in (BillNote.NORMATIVE_AFTER_AVERAGE, BillNote.NORMATIVE_NO_AVERAGE):
            if note.value in bill.notes:
                key = f"bill_head_{note.value}"
    return turn.t(
        key,
        period=period(turn, bill.period),
        account=account.pretty,
        max_months=turn.config.billing.estimate_max_periods,
    )


def money_tail(turn: Turn, bill: Bill, total_key: str = "bill_total") -> list[str]:
    """The amount to pay and, when a credit is left, that it counts against the next bills
    (Rules 354 p.61): «К оплате: 0 ₽» rather than a negative sum."""
    tail = []
    if bill.total == 0 and bill.credit > 0:
        tail.append(turn.t("bill_total_nothing"))
    else:
        tail.append(turn.t(total_key, total=money(turn, bill.total), due=day(turn, bill.due)))
    if bill.credit > 0:
        held = BillNote.OVERPAYMENT_HELD.value in bill.notes
        key = "bill_credit_held" if held else "bill_credit"
        tail.append(turn.t(key, credit=money(turn, bill.credit)))
    return tail


def bill_text(turn: Turn, account: Account, bill: Bill) -> str:
    """The bill with its lines and what it is based on (docs/residents.md)."""
    estimated = bill.basis in (BillBasis.AVERAGE, BillBasis.NORMATIVE)
    lines = [bill_head(turn, account, bill)]
    for line in bill.lines:
        label = line_label(turn, account.meter.kind, line.label)
        if line.quantity_kwh == 0 and line.rate == 0:
            if line.label == LINE_BALANCE and line.amount < 0:
                label = turn.t("label_credit_used")
            lines.append(turn.t("bill_line_other", label=label, amount=money(turn, line.amount)))
            continue
        key = "bill_line_estimated" if estimated else "bill_line"
        lines.append(
            turn.t(
                key,
                label=label,
                kwh=kwh(turn, line.quantity_kwh),
                rate=rate(turn, line.rate),
                amount=money(turn, line.amount),
            )
        )
    lines.extend(money_tail(turn, bill))
    if estimated:
        lines.append(turn.t("bill_estimated_note"))
    if BillNote.PROVISIONAL_TARIFF.value in bill.notes:
        lines.append(turn.t("preview_provisional"))
    return "\n".join(lines)


def phones(turn: Turn) -> str:
    """The supplier's phones as every reply gives them: the operators with their hours, then the
    voice menu that answers round the clock."""
    c = turn.config.contacts
    return turn.t("phones", phone=c.phone, phone_operators=c.phone_operators, hours=c.hours)


def opening_hours(turn: Turn, hours: tuple[Opening, ...]) -> str:
    """'пн–пт 08:00–20:00, сб 09:00–16:00'."""
    if not hours:
        return turn.t("office_hours_unknown")
    names = turn.t("weekdays").split()
    parts = []
    for opening in hours:
        days = names[opening.first_day - 1]
        if opening.last_day != opening.first_day:
            days += f"–{names[opening.last_day - 1]}"
        parts.append(f"{days} {opening.opens:%H:%M}–{opening.closes:%H:%M}")
    return ", ".join(parts)
