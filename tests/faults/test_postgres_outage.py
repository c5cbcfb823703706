"""PostgreSQL going away under a conversation: connections killed, then the server "restarted".

The shared test server cannot be restarted (other tests use it), so a restart is simulated as a
client sees one: every session of the bot's database is terminated (`pg_terminate_backend`) and
new connections are refused (`ALTER DATABASE … ALLOW_CONNECTIONS false`) for a while, then let
in again. Residents get the apology within 5 s meanwhile; the bot recovers by itself; a
confirmed reading is neither lost nor stored twice.
"""

from __future__ import annotations

import time
from decimal import Decimal

import asyncpg
import pytest

from billing_core.models import Period, Register
from bot.config import DEFAULTS_FILE, load_settings
from bot.demo import seed_demo
from bot.wiring import build_engine
from dialogs.texts import say
from storage.base import open_storage
from tests.dialogs.conversation import Conversation
from tests.faults.test_scheduler_failover import kill_backends
from tests.pg import ADMIN_DSN, fresh_database
from tests.telegram.updates import OPEN_DAY

pytestmark = pytest.mark.postgres

ACCOUNT, SERIAL = "1234567890", "0012345"
APOLOGY = say("ru", "oops")


async def allow_connections(url: str, allowed: bool) -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        name = url.rsplit("/", 1)[1]
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
    finally:
        await admin.close()


def texts(replies: list) -> str:  # type: ignore[type-arg]
    return "\n".join(reply.text for reply in replies)


async def submit(chat: Conversation, value: Decimal) -> bool:
    await chat.send(f"/submit {value}")
    for label in ("Всё верно, передать", "Да, всё верно"):
        if any(button.label == label for button in chat.buttons()):
            await chat.press(label)
    return "Показания приняты" in texts(chat.last)


async def test_connections_killed_and_a_restart_cost_an_apology_and_nothing_else() -> None:
    settings = load_settings(DEFAULTS_FILE)
    async with fresh_database() as url:
        storage = await open_storage(url)
        try:
            await seed_demo(storage, now=OPEN_DAY)
            engine = build_engine(settings, storage, clock=lambda: OPEN_DAY)
            chat = Conversation(engine, "pg-resident")
            await chat.send("/start")
            await chat.press("consent:yes")
            await chat.send(f"/bind {ACCOUNT} {SERIAL}")
            [last] = await storage.readings(ACCOUNT, limit=1)
            reading = last.values[Register.T1] + 150

            # 1. Every connection of the pool killed between two turns.
            assert await kill_backends(url) >= 1
            started = time.monotonic()
            first = await chat.send("/bill")
            killed_turn = time.monotonic() - started
            assert killed_turn < 5.0
            if APOLOGY in texts(first):  # a dead connection may be met once, then replaced
                await chat.send("/bill")
            assert APOLOGY not in texts(chat.last)
            assert await submit(chat, reading)

            # 2. The server "restarts": sessions gone, connections refused for a while.
            await allow_connections(url, False)
            await kill_backends(url)
            started = time.monotonic()
            during = await chat.send(f"/submit {reading + 10}")
            assert time.monotonic() - started < 5.0
            assert texts(during) == APOLOGY
            await allow_connections(url, True)
            back = time.monotonic()
            while APOLOGY in texts(await chat.send("/bill")):
                assert time.monotonic() - back < 10.0
            recovered = time.monotonic() - back
            period = Period.of(OPEN_DAY)
            history = await storage.reading_history(ACCOUNT, period)
        finally:
            await allow_connections(url, True)
            await storage.close()
    values = [item.values[Register.T1] for item in history]
    assert values == [reading]  # confirmed once, stored once; the refused one not at all
    print(
        f"\npostgres connections killed: next turn {killed_turn:.2f} s; "
        f"restart: answered again {recovered:.2f} s after connections were allowed"
    )
