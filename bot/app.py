"""`meterbot run`: open storage, build the dialog engine, serve the configured channels.

With no channel token configured it says so and opens the console channel instead.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from billing_core.bills import BillingRules
from billing_core.models import MeterKind
from billing_core.readings import ValidationRules
from billing_core.tariffs import Tariff, TariffBook
from billing_core.window import SubmissionWindow
from bot.config import Settings
from dialogs.config import Contacts, DialogConfig
from dialogs.engine import Clock, DialogEngine
from dialogs.offices import load_offices
from storage.base import Storage, open_storage


def tariff_book(settings: Settings) -> TariffBook:
    return TariffBook(
        Tariff(
            effective_from=table.from_,
            stove=table.stove,
            kind=kind,
            rates=table.rates(kind),
            provisional=kind.config_key in table.provisional,
        )
        for table in settings.tariffs
        for kind in MeterKind
    )


def dialog_config(settings: Settings) -> DialogConfig:
    """Settings turned into the values the dialog layer works with."""
    billing = settings.billing
    rules = BillingRules(
        due_day=billing.due_day,
        estimate_max_periods=billing.estimate_max_periods,
        normatives=dict(billing.normatives),
        validation=ValidationRules(
            implausible_factor=billing.implausible_factor,
            max_missed_months_online=billing.max_missed_months_online,
        ),
    )
    contacts = settings.contacts
    return DialogConfig(
        window=SubmissionWindow(billing.window_start_day, billing.window_end_day, billing.tz),
        tariffs=tariff_book(settings),
        billing=rules,
        contacts=Contacts(
            phone=contacts.phone,
            phone_operators=contacts.phone_operators,
            hours=contacts.hours,
            website=contacts.website,
        ),
        offices=load_offices(),
        penalty_key_rate=billing.penalty_key_rate,
    )


def build_engine(settings: Settings, storage: Storage, clock: Clock | None = None) -> DialogEngine:
    """The one place the dialog engine is put together (every channel shares it)."""
    config = dialog_config(settings)
    if clock is None:
        return DialogEngine(storage, config)
    return DialogEngine(storage, config, clock)


def _has_channel_token(settings: Settings) -> bool:
    return bool(
        settings.telegram.token.get_secret_value() or settings.viber.auth_token.get_secret_value()
    )


async def run_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.demo and _has_channel_token(settings):
        print(
            "meterbot: --demo refused: a channel token is set, and demo accounts must never "
            "reach real residents. Unset the token or drop --demo.",
            file=sys.stderr,
        )
        return 2
    storage = await open_storage(settings.storage.url)
    try:
        if args.demo:
            from bot.demo import print_demo_accounts, seed_demo

            seeded = await seed_demo(storage, now=datetime.now(settings.billing.tz))
            print_demo_accounts(seeded, settings, sys.stdout, existing=not seeded)
        engine = build_engine(settings, storage)
        print("No Telegram or Viber token is configured: opening the console channel instead.")
        from bot.console import run_console

        return await run_console(engine, "console", None, sys.stdin, sys.stdout)
    finally:
        await storage.close()
