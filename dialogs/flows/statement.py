"""The last bill with its lines and basis, and the reading history with a consumption chart."""

from __future__ import annotations

from decimal import Decimal

from billing_core.bills import LINE_NORMATIVE, recalc_register
from billing_core.models import (
    Account,
    AccountStatus,
    Bill,
    BillBasis,
    MeterKind,
    MeterReading,
    Register,
)
from billing_core.readings import ACTUAL_SOURCES
from dialogs.chart import Bar, BarKind, consumption_chart
from dialogs.flows.accounts import (
    binding_of,
    current_binding,
    is_account_number,
    list_accounts,
    need_account,
    which_account,
)
from dialogs.flows.money import statement
from dialogs.payment import PAY_LINK_ACTION, pay_link, payment_picture
from dialogs.render import kwh, period, values_text
from dialogs.replies import Button, Picture, Reply
from dialogs.routes import Route, Routes
from dialogs.turn import Turn
from dialogs.ui import MENU_BILL, MENU_HISTORY, back_to_menu, submit_button

HISTORY_PERIODS = 12


BILL_FOR = "bill:"  # + an account number: that account's bill, and it becomes current


async def last_bill(turn: Turn) -> list[Reply]:
    """«Мой счёт», /bill: with several accounts, which one first."""
    chooser = await which_account(turn, BILL_FOR, "accounts_which_bill")
    return chooser if chooser is not None else await current_bill(turn)


async def bill_for(turn: Turn, number: str) -> list[Reply]:
    if await binding_of(turn, number) is None:
        return [Reply(turn.t("account_unknown")), *await list_accounts(turn)]
    turn.update_profile(current_account=number)
    return await current_bill(turn)


async def current_bill(turn: Turn) -> list[Reply]:
    """The current account's money on one screen."""
    binding = await current_binding(turn)
    account = await turn.storage.get_account(binding.account) if binding else None
    if binding is None or account is None:
        return need_account(turn)
    found = await statement(turn, account)
    buttons: tuple[tuple[Button, ...], ...] = (
        (*_submit_button(turn, account), turn.button("btn_history", MENU_HISTORY)),
        back_to_menu(turn),
    )
    if found is None:
        return [Reply(turn.t("bill_none", account=account.pretty), buttons)]
    payee = turn.config.payee
    if payee is None or found.to_pay <= 0 or found.period is None:
        return [Reply(found.text, buttons)]
    link = pay_link(turn, account.number, found.to_pay, found.period)
    if link is not None:
        buttons = ((link,), *buttons)
    picture = payment_picture(turn, payee, account.number, found.to_pay, found.period)
    return [Reply(found.text), Reply(picture.caption, buttons, picture=picture)]


def _submit_button(turn: Turn, account: Account) -> tuple[Button, ...]:
    """«Передать показания», unless the meter reports itself or the account is closed: the
    button would only lead to the refusal."""
    if account.status is not AccountStatus.ACTIVE:
        return ()
    return (submit_button(turn, account.number),)


def _volumes(kind: MeterKind, bill: Bill) -> tuple[Decimal, Decimal]:
    """The bill's consumption (its register lines, or a normative line of earlier bills) and
    its recalculation (the estimated volume taken back, or a net credit line of earlier bills)
    apart, in kWh."""
    registers = {r.value for r in kind.registers} | {LINE_NORMATIVE}
    used = sum((x.quantity_kwh for x in bill.lines if x.label in registers), Decimal(0))
    recalculated = sum(
        (x.quantity_kwh for x in bill.lines if recalc_register(x.label) is not None), Decimal(0)
    )
    return used, recalculated


def _months_measured(item: MeterReading, readings: list[MeterReading]) -> int:
    """How many months a reading's consumption spans: back to the previous actual reading
    shown, 1 when none is."""
    earlier = [r.period for r in readings if r.period < item.period and r.source in ACTUAL_SOURCES]
    return item.period.months_since(max(earlier)) if earlier else 1


async def history(turn: Turn) -> list[Reply]:
    binding = await current_binding(turn)
    account = await turn.storage.get_account(binding.account) if binding else None
    if binding is None or account is None:
        return need_account(turn)
    kind = account.meter.kind
    readings = await turn.storage.readings(account.number, limit=HISTORY_PERIODS)
    bills = {b.period: b for b in await turn.storage.bills(account.number, limit=HISTORY_PERIODS)}
    buttons = (
        (*_submit_button(turn, account), turn.button("btn_bill", MENU_BILL)),
        back_to_menu(turn),
    )
    if not readings and not bills:
        return [Reply(turn.t("history_none", account=account.pretty), buttons)]
    lines = [turn.t("history_head", alias=binding.alias, account=account.pretty)]
    bars: list[Bar] = []
    for item in sorted(readings, key=lambda r: r.period, reverse=True):
        bill = bills.get(item.period)
        used = ""
        if bill is not None:
            volume, recalculated = _volumes(kind, bill)
            label = f"{item.period.month:02d}.{item.period.year % 100:02d}"
            if bill.basis in (BillBasis.AVERAGE, BillBasis.NORMATIVE):
                used = turn.t("history_kwh", kwh=kwh(turn, volume))
                used += turn.t(f"history_{bill.basis.value}")
                bars.append(Bar(label, volume, BarKind.ESTIMATED))
            elif recalculated:
                months = _months_measured(item, readings)
                key = "history_kwh_months" if months > 1 else "history_kwh"
                used = turn.t(key, kwh=kwh(turn, volume), months=months)
                used += turn.t("history_recalculation", kwh=kwh(turn, recalculated))
                bars.append(Bar(label, volume + recalculated, BarKind.RECALCULATION))
            else:
                used = turn.t("history_kwh", kwh=kwh(turn, volume))
                bars.append(Bar(label, volume, BarKind.ACTUAL))
        shown = values_text(turn, kind, item.values) if Register.T1 in item.values else ""
        lines.append(
            turn.t("history_line", period=period(turn, item.period), values=shown, kwh=used)
        )
    if not bars:
        return [Reply("\n".join(lines), buttons)]
    plain = all(bar.kind is BarKind.ACTUAL for bar in bars)
    caption = turn.t("chart_caption" if plain else "chart_caption_legend")
    png = consumption_chart(list(reversed(bars)))
    return [Reply("\n".join(lines)), Reply(caption, buttons, picture=Picture(png, caption))]


ROUTES = Routes(
    actions={
        MENU_BILL: Route(last_bill),
        MENU_HISTORY: Route(history),
        PAY_LINK_ACTION: Route(current_bill),  # a channel that cannot open the payment page
    },
    prefixes={BILL_FOR: Route(bill_for, accepts=is_account_number)},
    commands={"bill": Route(last_bill), "history": Route(history)},
)
