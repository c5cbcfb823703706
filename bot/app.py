"""`meterbot run`: open storage, build the dialog engine, serve the configured channels.

With no channel token configured it says so and opens the console channel instead.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from bot.config import Settings
from dialogs.config import Contacts, DialogConfig
from dialogs.engine import Clock, DialogEngine
from dialogs.offices import load_offices
from storage.base import Storage, open_storage


def dialog_config(settings: Settings) -> DialogConfig:
    """Settings turned into the values the dialog layer works with."""
    billing = settings.billing
    contacts = settings.contacts
    return DialogConfig(
        window=billing.submission_window(),
        tariffs=settings.tariff_book(),
        billing=billing.billing_rules(),
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
