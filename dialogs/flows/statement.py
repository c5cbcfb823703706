"""The last bill with its lines and basis, and the reading history with a consumption chart."""

from __future__ import annotations

from decimal import Decimal

from billing_core.models import Account, AccountStatus, BillBasis, MeterKind, Register
from dialogs.chart import consumption_chart
from dialogs.flows.accounts import current_binding, need_account
from dialogs.render import bill_text, kwh, period, values_text
from dialogs.replies import Button, Picture, Reply
from dialogs.turn import Turn
from dialogs.ui import back_to_menu

HISTORY_PERIODS = 12


async def last_bill(turn: Turn) -> list[Reply]:
    binding = await current_binding(turn)
    account = await turn.storage.get_account(binding.account) if binding else None
    if binding is None or account is None:
        return need_account(turn)
    bill = await turn.storage.latest_bill(account.number)
    buttons = (
        (*_submit_button(turn, account), turn.button("btn_history", "m:history")),
        back_to_menu(turn),
    )
    if bill is None:
        return [Reply(turn.t("bill_none", account=account.pretty), buttons)]
    return [Reply(bill_text(turn, account, bill), buttons)]


def _submit_button(turn: Turn, account: Account) -> tuple[Button, ...]:
    """«Передать показания», unless the meter reports itself or the account is closed: the
    button would only lead to the refusal."""
    if account.status is not AccountStatus.ACTIVE:
        return ()
    return (turn.button("btn_submit", f"submit:{account.number}"),)


def _consumption(kind: MeterKind, lines: dict[str, Decimal]) -> Decimal:
    registers = {r.value for r in kind.registers} | {f"{r.value}_credit" for r in kind.registers}
    return sum(
        (q for label, q in lines.items() if label in registers or label == "normative"), Decimal(0)
    )


async def history(turn: Turn) -> list[Reply]:
    binding = await current_binding(turn)
    account = await turn.storage.get_account(binding.account) if binding else None
    if binding is None or account is None:
        return need_account(turn)
    kind = account.meter.kind
    readings = await turn.storage.readings(account.number, limit=HISTORY_PERIODS)
    bills = {b.period: b for b in await turn.storage.bills(account.number, limit=HISTORY_PERIODS)}
    buttons = (
        (*_submit_button(turn, account), turn.button("btn_bill", "m:bill")),
        back_to_menu(turn),
    )
    if not readings and not bills:
        return [Reply(turn.t("history_none", account=account.pretty), buttons)]
    lines = [turn.t("history_head", alias=binding.alias, account=account.pretty)]
    bars: list[tuple[str, Decimal, bool]] = []
    for item in sorted(readings, key=lambda r: r.period, reverse=True):
        bill = bills.get(item.period)
        used = ""
        if bill is not None:
            volume = _consumption(kind, {line.label: line.quantity_kwh for line in bill.lines})
            estimated = bill.basis in (BillBasis.AVERAGE, BillBasis.NORMATIVE)
            used = turn.t("history_kwh", kwh=kwh(turn, volume))
            if estimated:
                used += turn.t("history_estimated")
            label = f"{item.period.month:02d}.{item.period.year % 100:02d}"
            bars.append((label, volume, estimated))
        shown = values_text(turn, kind, item.values) if Register.T1 in item.values else ""
        lines.append(
            turn.t("history_line", period=period(turn, item.period), values=shown, kwh=used)
        )
    if not bars:
        return [Reply("\n".join(lines), buttons)]
    caption = turn.t("chart_caption")
    png = consumption_chart(list(reversed(bars)))
    return [Reply("\n".join(lines)), Reply(caption, buttons, picture=Picture(png, caption))]
