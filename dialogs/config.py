"""What the dialog needs from configuration, already turned into domain values.

`bot/wiring.py:build_engine` fills it from `Settings`; tests build it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from billing_core.bills import BillingRules
from billing_core.payment import Payee
from billing_core.tariffs import TariffBook
from billing_core.window import SubmissionWindow
from dialogs.offices import OfficeBook


@dataclass(frozen=True, slots=True)
class Contacts:
    phone: str = "+7 (499) 550-9-550"
    phone_operators: str = "+7 (499) 550-88-99"
    hours: str = "08:30–20:00"
    website: str = "https://my.mosenergosbyt.ru"
    supplier: str = "АО «Мосэнергосбыт»"  # the operator of residents' personal data


@dataclass(frozen=True, slots=True)
class DialogConfig:
    window: SubmissionWindow
    tariffs: TariffBook
    billing: BillingRules
    contacts: Contacts = Contacts()
    offices: OfficeBook = field(default_factory=OfficeBook)
    penalty_key_rate: Decimal = Decimal("0.095")  # Housing Code art.155 p.14, as a fraction
    bind_max_failures: int = 5  # failed binding tries per window before the chat waits
    bind_lock_minutes: int = 60  # the window: a failed try counts this long, then expires
    # Failed tries aimed at one account, from any chats, per window before that account waits:
    # many chats failing against one account is someone guessing its serial.
    bind_account_max_failures: int = 20
    # Keys the chat's hash kept in place of its id (dialogs.pseudonym); set from configuration.
    pseudonym_key: bytes = b""
    payee: Payee | None = None  # [payment]: None, no payment QR and no link
    pay_url: str = ""  # the payment page's template: {account}, {amount}, {period}
