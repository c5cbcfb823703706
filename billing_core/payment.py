"""The payment QR's text, ГОСТ Р 56042-2014 «Стандарты финансовых операций. Символы
двумерного штрихового кода для осуществления платежей физических лиц»: what every Russian bank
app reads from the code printed on a utility bill.

The text is `ST0001` + the encoding mark (`2`: UTF-8) + the separator `|`, then `Key=value`
pairs joined by `|`: the required payee requisites (Name, PersonalAcc, BankName, BIC,
CorrespAcc) first, then the additional ones (PayeeINN, KPP, PersAcc — the resident's account,
Sum in kopecks, Purpose, PaymPeriod as MMYYYY). A value never holds the separator: the standard
has it chosen as a character that occurs in no value, so one in a configured name is replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from billing_core.models import Period

HEADER = "ST00012"  # format ST0001, encoding mark 2: UTF-8
SEPARATOR = "|"
# Field lengths the standard sets (characters).
_MAX = {"Name": 160, "BankName": 45, "Purpose": 210, "PersAcc": 60}
_DIGITS = {"PersonalAcc": (20,), "BIC": (9,), "CorrespAcc": (20,), "PayeeINN": (10, 12)}
_SPACES = re.compile(r"\s+")


class PayeeError(ValueError):
    """The payee's requisites cannot make a valid code; the message names the field."""


@dataclass(frozen=True, slots=True)
class Payee:
    """The supplier's requisites, as the `[payment]` configuration gives them."""

    name: str
    inn: str
    kpp: str
    account: str  # the settlement account (PersonalAcc)
    bank: str
    bic: str
    corr_account: str
    purpose: str = "Оплата электроэнергии, л/с {account}, {period}"

    def check(self) -> None:
        """PayeeError unless every requisite the code needs is there and well formed."""
        fields = {
            "Name": self.name, "PersonalAcc": self.account, "BankName": self.bank,
            "BIC": self.bic, "CorrespAcc": self.corr_account, "PayeeINN": self.inn,
        }  # fmt: skip
        for key, value in fields.items():
            if not value.strip():
                raise PayeeError(f"{key} is empty")
            lengths = _DIGITS.get(key)
            if lengths and not (value.isascii() and value.isdigit() and len(value) in lengths):
                raise PayeeError(f"{key} must be {' or '.join(map(str, lengths))} digits")
        if self.kpp and not (len(self.kpp) == 9 and self.kpp.isascii() and self.kpp.isalnum()):
            raise PayeeError("KPP must be 9 characters")
        try:
            self.purpose.format(account="", period="", amount="")
        except (KeyError, IndexError, ValueError) as exc:
            raise PayeeError(
                f"purpose: {{account}}, {{period}} and {{amount}} only ({exc})"
            ) from None


def clean(value: str, limit: int | None = None) -> str:
    """A value as the code may carry it: one line, single spaces, no separator, cut to the
    standard's length."""
    text = _SPACES.sub(" ", value.replace(SEPARATOR, "/")).strip()
    return text[:limit] if limit else text


def kopecks(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def payment_text(
    payee: Payee, account: str, amount: Decimal, period: Period, *, purpose: str | None = None
) -> str:
    """The code's text for paying `amount` rubles on `account` (the resident's) for `period`.
    `purpose` is the payee's template already filled (the caller knows the resident's language
    and formats); by default it is filled with the account, `MM.YYYY` and the sum."""
    if purpose is None:
        purpose = payee.purpose.format(
            account=account, period=f"{period.month:02d}.{period.year}", amount=f"{amount:.2f}"
        )
    fields = [
        ("Name", clean(payee.name, _MAX["Name"])),
        ("PersonalAcc", payee.account),
        ("BankName", clean(payee.bank, _MAX["BankName"])),
        ("BIC", payee.bic),
        ("CorrespAcc", payee.corr_account),
        ("PayeeINN", payee.inn),
    ]
    if payee.kpp:
        fields.append(("KPP", clean(payee.kpp)))
    fields += [
        ("PersAcc", clean(account, _MAX["PersAcc"])),
        ("Sum", str(kopecks(amount))),
        ("Purpose", clean(purpose, _MAX["Purpose"])),
        ("PaymPeriod", f"{period.month:02d}{period.year}"),
    ]
    return SEPARATOR.join([HEADER, *(f"{key}={value}" for key, value in fields)])
