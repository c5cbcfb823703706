"""The payment for «Мой счёт»: the ГОСТ Р 56042-2014 QR code every Russian bank app reads
(billing_core/payment.py builds its text; segno draws it) and the link to the supplier's payment
page. Both only when `[payment]` names the payee and there is something to pay."""

from __future__ import annotations

import io
from decimal import Decimal
from urllib.parse import quote

import segno

from billing_core.models import Period
from billing_core.payment import Payee, payment_text
from dialogs.render import money
from dialogs.render import period as period_name
from dialogs.replies import Button, Picture
from dialogs.turn import Turn

SCALE = 6  # pixels a module: about 330 px for a bill's code, sharp on a phone
BORDER = 4  # the quiet zone the QR specification asks for
PAY_LINK_ACTION = "pay:link"  # sent back only by a channel that cannot open links


def qr_png(text: str) -> bytes:
    """The code as PNG: UTF-8 bytes without an ECI header, as the standard's mark `2` says,
    error correction level M."""
    code = segno.make(text, error="m", micro=False, encoding="utf-8")
    out = io.BytesIO()
    code.save(out, kind="png", scale=SCALE, border=BORDER)
    return out.getvalue()


def payment_picture(
    turn: Turn, payee: Payee, account: str, amount: Decimal, period: Period
) -> Picture:
    png = qr_png(payment_text(payee, account, amount, period))
    caption = turn.t(
        "pay_qr_caption",
        amount=money(turn, amount),
        period=period_name(turn, period),
        payee=payee.name,
    )
    return Picture(png, caption)


def pay_link(turn: Turn, account: str, amount: Decimal, period: Period) -> Button | None:
    template = turn.config.pay_url
    if not template or turn.config.payee is None:
        return None
    url = template.format(
        account=quote(account),
        amount=f"{amount:.2f}",
        period=f"{period.year}-{period.month:02d}",
    )
    return Button(turn.t("btn_pay_online"), PAY_LINK_ACTION, url=url)
