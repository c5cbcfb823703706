"""Wiring shared by every way of running the dialog: `meterbot run` (bot/app.py), the console
(`meterbot chat`), the demo seed and the tests. Settings become the dialog's configuration here,
and the engine is put together in one place.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from billing_core.models import Period
from bot.config import Settings, require_tariffs
from dialogs.config import Contacts, DialogConfig
from dialogs.engine import Clock, DialogEngine
from dialogs.observer import DialogObserver
from dialogs.offices import load_offices
from storage.base import ConversationStore, open_storage
from storage.downtime import Downtime


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
            supplier=contacts.supplier,
        ),
        offices=load_offices(),
        penalty_key_rate=billing.penalty_key_rate,
        pseudonym_key=pseudonym_key(settings),
        payee=settings.payment.payee(),
        pay_url=settings.payment.pay_url,
    )


def pseudonym_key(settings: Settings) -> bytes:
    """The key of the chats' hashes (dialogs.pseudonym): `[storage] pseudonym_key`, else one
    derived from the channel tokens, so that it is never kept in the database it protects."""
    configured = settings.storage.pseudonym_key.get_secret_value()
    if configured:
        return configured.encode()
    tokens = (settings.telegram.token, settings.viber.auth_token, settings.max.token)
    material = "\x00".join(token.get_secret_value() for token in tokens)
    return hashlib.sha256(b"meterbot chat pseudonym\x00" + material.encode()).digest()


def build_engine(
    settings: Settings,
    storage: ConversationStore,
    clock: Clock | None = None,
    observer: DialogObserver | None = None,
    downtime: Downtime | None = None,
) -> DialogEngine:
    """The one place the dialog engine is put together (every channel shares it)."""
    config = dialog_config(settings)
    if clock is None:
        return DialogEngine(storage, config, observer=observer, downtime=downtime)
    return DialogEngine(storage, config, clock, observer, downtime)


def require_tariffs_now(settings: Settings) -> None:
    """ConfigError unless the current period's bills can be computed (bot/config.py)."""
    period = Period.of(datetime.now(settings.billing.tz))
    require_tariffs(settings, period.first_day())


async def chat_command(settings: Settings, args: argparse.Namespace) -> int:
    """`meterbot chat`: the console channel on the configured storage."""
    from bot.console import run_console

    require_tariffs_now(settings)
    storage = await open_storage(settings.storage.url)
    try:
        engine = build_engine(settings, storage)
        pictures = Path(tempfile.gettempdir()) / "meterbot"
        return await run_console(
            engine, args.user, args.lang, sys.stdin, sys.stdout, picture_dir=pictures
        )
    finally:
        await storage.close()
