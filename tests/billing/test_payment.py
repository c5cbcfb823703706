"""The payment QR's text, ГОСТ Р 56042-2014: header, field order, kopecks, the period, and
values that can never break the format."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from billing_core.models import Period
from billing_core.payment import Payee, PayeeError, kopecks, payment_text

PAYEE = Payee(
    name="ПАО «Мосэнергосбыт»",
    inn="7736520080",
    kpp="773601001",
    account="40702810038000011111",
    bank="ПАО Сбербанк",
    bic="044525225",
    corr_account="30101810400000000225",
)


def test_the_text_has_the_header_every_field_in_order_and_the_sum_in_kopecks() -> None:
    text = payment_text(PAYEE, "1111122233", Decimal("1500.5"), Period(2026, 8))
    assert text == (
        "ST00012|Name=ПАО «Мосэнергосбыт»|PersonalAcc=40702810038000011111|"
        "BankName=ПАО Сбербанк|BIC=044525225|CorrespAcc=30101810400000000225|"
        "PayeeINN=7736520080|KPP=773601001|PersAcc=1111122233|Sum=150050|"
        "Purpose=Оплата электроэнергии, л/с 1111122233, 08.2026|PaymPeriod=082026"
    )


def test_a_separator_or_a_line_break_in_a_value_never_reaches_the_code() -> None:
    payee = replace(PAYEE, name="ООО «Свет | Тепло»\nМосква", purpose="Л/с {account} | {amount}")
    text = payment_text(payee, "1111122233", Decimal(7), Period(2026, 1))
    fields = text.split("|")
    assert fields[1] == "Name=ООО «Свет / Тепло» Москва"
    assert "Purpose=Л/с 1111122233 / 7.00" in fields
    assert len(fields) == 12


def test_a_payee_without_kpp_leaves_the_field_out() -> None:
    text = payment_text(replace(PAYEE, kpp=""), "1111122233", Decimal(1), Period(2026, 12))
    assert "KPP=" not in text
    assert text.endswith("|Sum=100|Purpose=Оплата электроэнергии, л/с 1111122233, 12.2026|"
                         "PaymPeriod=122026")  # fmt: skip


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("0.01", 1), ("1254.30", 125430), ("0.005", 1), ("99999.99", 9999999)],
)
def test_kopecks(amount: str, expected: int) -> None:
    assert kopecks(Decimal(amount)) == expected


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"bank": " "}, "BankName is empty"),
        ({"bic": "04452522"}, "BIC must be 9 digits"),
        ({"account": "4070281003800001111X"}, "PersonalAcc must be 20 digits"),
        ({"inn": "77365200"}, "PayeeINN must be 10 or 12 digits"),
        ({"kpp": "7736"}, "KPP must be 9 characters"),
        ({"purpose": "л/с {lc}"}, "purpose:"),
    ],
)
def test_a_half_filled_payee_is_refused(change: dict[str, str], message: str) -> None:
    PAYEE.check()
    with pytest.raises(PayeeError, match=message):
        replace(PAYEE, **change).check()
