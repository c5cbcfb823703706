"""«Мой счёт» with `[payment]` configured: a ГОСТ Р 56042-2014 QR read back by an independent
decoder (zxing-cpp), every field checked, and the payment page's link; none of it when the
payee is not configured or nothing is to pay."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import zxingcpp
from PIL import Image

from billing_core.payment import Payee
from dialogs.config import DialogConfig
from dialogs.engine import DialogEngine
from dialogs.replies import Reply
from storage.base import Storage
from tests.dialogs.conversation import Conversation, FakeClock
from tests.dialogs.test_money import balance, resident, with_readings

NB = "\u00a0"
PAYEE = Payee(
    name="ПАО «Мосэнергосбыт»",
    inn="7736520080",
    kpp="773601001",
    account="40702810038000011111",
    bank="ПАО Сбербанк",
    bic="044525225",
    corr_account="30101810400000000225",
)
PAY_URL = "https://pay.example.ru/pay?ls={account}&sum={amount}"


def decoded(reply: Reply) -> dict[str, str]:
    """The code in the reply's picture, read by zxing-cpp, as its fields."""
    assert reply.picture is not None
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(reply.picture.png)))
    assert len(found) == 1
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    text = bytes(found[0].bytes).decode("utf-8")  # the header's mark 2 promises UTF-8
    header, *pairs = text.split("|")
    assert header == "ST00012"
    fields = dict(pair.split("=", 1) for pair in pairs)
    assert len(fields) == len(pairs)  # no key twice
    return fields


def urls(chat: Conversation) -> list[str]:
    return [b.url for reply in chat.last for b in reply.all_buttons() if b.url]


async def test_a_debtor_gets_a_qr_every_bank_app_reads_and_a_link(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    await with_readings(storage)
    await storage.record_balance(balance(date(2026, 9, 1), "1254.30"))
    paying = replace(config, payee=PAYEE, pay_url=PAY_URL)
    chat = await resident(DialogEngine(storage, paying, clock))
    await chat.send("/bill")
    assert f"Итого к оплате: 1{NB}254,30{NB}₽ до 10 сентября." in chat.last[0].text
    qr = chat.last[-1]
    assert qr.text.startswith(f"QR-код для оплаты 1{NB}254,30{NB}₽ за август 2026")
    assert qr.picture is not None
    assert qr.picture.caption == qr.text
    assert decoded(qr) == {
        "Name": "ПАО «Мосэнергосбыт»",
        "PersonalAcc": "40702810038000011111",
        "BankName": "ПАО Сбербанк",
        "BIC": "044525225",
        "CorrespAcc": "30101810400000000225",
        "PayeeINN": "7736520080",
        "KPP": "773601001",
        "PersAcc": "1111122233",
        "Sum": "125430",
        "Purpose": "Оплата электроэнергии, л/с 1111122233, 08.2026",
        "PaymPeriod": "082026",
    }
    assert urls(chat) == ["https://pay.example.ru/pay?ls=1111122233&sum=1254.30"]
    assert qr.buttons[0][0].label == "Оплатить онлайн"
    await chat.send("дай QR-код")  # asked for in words: the same code
    assert chat.last[-1].picture == qr.picture

    # The month's bill on readings: the code asks its total, for its period.
    await chat.send("/submit 1000")
    await chat.press("sub:ok")
    await chat.send("/bill")
    fields = decoded(chat.last[-1])
    assert (fields["Sum"], fields["PaymPeriod"]) == ("285430", "112026")  # 1 600 + 1 254,30


async def test_no_payee_means_no_code_and_no_link(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    await with_readings(storage)
    await storage.record_balance(balance(date(2026, 9, 1), "1254.30"))
    chat = await resident(DialogEngine(storage, config, clock))
    await chat.send("/bill")
    assert len(chat.last) == 1
    assert chat.last[0].picture is None
    assert urls(chat) == []


async def test_nothing_to_pay_means_no_code(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    await with_readings(storage)
    await storage.record_balance(balance(date(2026, 11, 1), "-312.45"))
    paying = replace(config, payee=PAYEE, pay_url=PAY_URL)
    chat = await resident(DialogEngine(storage, paying, clock))
    await chat.send("/bill")
    assert "К оплате: 0 ₽." in chat.text()
    assert all(reply.picture is None for reply in chat.last)
    assert urls(chat) == []


async def test_the_code_and_the_link_in_english(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    await with_readings(storage)
    await storage.record_balance(balance(date(2026, 11, 1), "700"))
    paying = replace(config, payee=replace(PAYEE, kpp=""), pay_url=PAY_URL)
    chat = await resident(DialogEngine(storage, paying, clock), "en")
    await chat.send("/bill")
    qr = chat.last[-1]
    assert qr.text.startswith(f"QR code to pay 700.00{NB}₽ for October 2026: scan it")
    assert "The payee is ПАО «Мосэнергосбыт»" in qr.text
    fields = decoded(qr)
    assert "KPP" not in fields
    assert (fields["Sum"], fields["PaymPeriod"], fields["PersAcc"]) == (
        "70000", "102026", "1111122233",
    )  # fmt: skip
    assert qr.buttons[0][0].label == "Pay online"
    await chat.press("pay:link")  # a channel that cannot open links sends the action back
    assert "Total due: 700.00" in chat.text()
