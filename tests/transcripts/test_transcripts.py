"""Whole conversations, byte for byte, through the console, Telegram, Viber and MAX: what residents
read must not change unless a test's recorded transcript is changed with it.

The recordings live next to this file (`<channel>_<locale>.txt`). After a deliberate change of
what residents see, `METERBOT_RECORD_TRANSCRIPTS=1 pytest tests/transcripts` writes them anew;
the diff then shows exactly what changed.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import SendPhoto
from pydantic import SecretStr

from bot.config import DEFAULTS_FILE, Settings, load_settings
from bot.console import run_console
from bot.demo import seed_demo
from bot.telegram import build_bot, build_dispatcher
from bot.wiring import build_engine
from dialogs.throttle import Throttle
from storage.base import Storage, open_storage
from tests.dialogs.conversation import FakeClock
from tests.max import updates as max_updates
from tests.max.conftest import MaxBot, emulator
from tests.max.emulator import MaxEmulator
from tests.telegram import updates
from tests.telegram.recording import TOKEN, RecordingSession
from tests.transcripts.scripts import SCRIPTS
from tests.viber import callbacks
from tests.viber.conftest import TOKEN as VIBER_TOKEN
from tests.viber.conftest import RunningBot
from tests.viber.emulator import served
from tests.viber.resident import ViberResident

HERE = Path(__file__).parent
OPEN_DAY = updates.OPEN_DAY
RESIDENT = 3001
VIBER_RESIDENT = "pttm25kSGUo1919sBORWyA=="

pytestmark = pytest.mark.parametrize("locale", sorted(SCRIPTS))
__all__ = ["emulator"]  # the MAX emulator fixture


def check(name: str, transcript: str) -> None:
    path = HERE / f"{name}.txt"
    if os.environ.get("METERBOT_RECORD_TRANSCRIPTS"):
        path.write_text(transcript, encoding="utf-8")
    assert transcript == path.read_text(encoding="utf-8")


@pytest.fixture
def settings() -> Settings:
    return load_settings(DEFAULTS_FILE)


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_storage(f"sqlite:///{tmp_path}/transcript.sqlite3")
    try:
        await seed_demo(opened, now=OPEN_DAY)
        yield opened
    finally:
        await opened.close()


async def test_console(locale: str, settings: Settings, storage: Storage) -> None:
    lines = []
    for step in SCRIPTS[locale]:
        if step.startswith("[") and step.endswith("]"):
            lines.append(step[1:-1])
        elif step.startswith("!contact "):
            lines.append("/contact " + step.split(" ", 1)[1])
        elif not step.startswith("!"):
            lines.append(step)
    engine = build_engine(settings, storage, clock=FakeClock(OPEN_DAY))
    out = io.StringIO()
    lang = None if locale == "ru" else locale
    await run_console(engine, "me", lang, io.StringIO("\n".join(lines) + "\n"), out)
    check(f"console_{locale}", out.getvalue())


def _call_line(call: Any) -> str:
    data = call.model_dump(exclude_none=True, exclude={"photo"})
    if isinstance(call, SendPhoto):
        data["photo"] = f"<{len(call.photo.data)} bytes>"
    body = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return f"{call.__api_method__} {body}"


async def test_telegram(locale: str, settings: Settings, storage: Storage) -> None:
    session = RecordingSession()
    tg = settings.telegram.model_copy(update={"token": SecretStr(TOKEN)})
    settings = settings.model_copy(update={"telegram": tg})
    bot = build_bot(settings, session)
    ticks = itertools.count(1000.0, 10.0)  # ten seconds between updates: never throttled
    engine = build_engine(settings, storage, clock=FakeClock(OPEN_DAY))
    dp = build_dispatcher(engine, settings, throttle=Throttle(clock=lambda: next(ticks)))
    ids = itertools.count(1)
    out: list[str] = []
    keyboard: list[dict[str, Any]] = []
    for step in SCRIPTS[locale]:
        update_id = next(ids)
        if step.startswith("[") and step.endswith("]"):
            label = step[1:-1]
            found = [b["callback_data"] for b in keyboard if b["text"] == label]
            assert found, f"no button {label!r} after {out[-3:]}"
            data = found[0]
            update = updates.press(update_id, RESIDENT, data, lang=locale)
        elif step.startswith("!contact "):
            update = updates.contact(update_id, RESIDENT, step[9:], owner_id=RESIDENT)
        elif step.startswith("!edit "):
            update = updates.edited(update_id, RESIDENT, step[6:])
        elif step == "!sticker":
            update = updates.photo(update_id, RESIDENT)
        elif step.startswith("!group "):
            update = updates.message(update_id, RESIDENT, step[7:], chat_id=-100, kind="group")
        elif step in ("!kicked", "!member"):
            update = updates.membership(update_id, RESIDENT, step[1:])
        else:
            update = updates.message(update_id, RESIDENT, step, lang=locale)
        seen = len(session.calls)
        await dp.feed_raw_update(bot, update)
        if step == "/forget":  # a redelivered update changes nothing and says nothing
            await dp.feed_raw_update(bot, update)
        out.append(f"> {step}")
        for call in session.calls[seen:]:
            out.append(_call_line(call))
            markup = getattr(call, "reply_markup", None)
            inline = getattr(markup, "inline_keyboard", None)
            if inline is not None:
                keyboard = [b.model_dump(exclude_none=True) for row in inline for b in row]
    check(f"telegram_{locale}", "\n".join(out) + "\n")


MEDIA = re.compile(r"http://127.0.0.1:[0-9]+/viber/media/[A-Za-z0-9_-]+\.png")


async def test_viber(locale: str, settings: Settings, storage: Storage) -> None:
    async with (
        served(VIBER_TOKEN) as emulator,
        RunningBot(
            emulator,
            engine_factory=lambda st: build_engine(settings, st, FakeClock(OPEN_DAY)),
            storage=storage,
            base_settings=settings,
        ) as harness,
    ):
        resident = ViberResident(harness, VIBER_RESIDENT)
        # The script types faster than any resident: the per-resident throttle must not drop it.
        harness.runtime.webhook.throttle = Throttle(burst=10_000)
        out = ["> (opens the chat)", _viber_lines([await resident.open(language=locale)])]
        for step in SCRIPTS[locale]:
            if step.startswith("[") and step.endswith("]"):
                shown = await resident.press(step[1:-1])
            elif step.startswith("!contact "):
                # Viber cannot prove whose number it is: the bot asks for the meter serial of
                # the account on file for it, and the resident types it.
                shown = await resident.share_phone(step[9:])
                out.append(f"> {step}")
                out.append(_viber_lines(shown))
                step = VIBER_SERIALS[step[9:]]
                shown = await resident.send(step)
            elif step == "!sticker":
                shown = await resident.send_sticker()
            elif step == "!kicked":
                await harness.post(callbacks.unsubscribed(VIBER_RESIDENT))
                shown = []
            elif step == "!member":
                await harness.post(callbacks.subscribed(VIBER_RESIDENT))
                shown = []
            elif step.startswith("!"):
                continue
            else:
                shown = await resident.send(step)
            if step == "/forget":
                shown += await resident.redeliver_last()
            out.append(f"> {step}")
            out.append(_viber_lines(shown))
    check(f"viber_{locale}", "\n".join(out) + "\n")


# The demo accounts' meter serials, by the phone on file for each.
VIBER_SERIALS = {"+79990000001": "0012345", "+79990000002": "0023456"}


def _viber_lines(messages: list[dict[str, Any]]) -> str:
    lines = [json.dumps(m, ensure_ascii=False, sort_keys=True) for m in messages]
    return MEDIA.sub("<public>/viber/media/<token>.png", "\n".join(lines))


async def test_max(locale: str, emulator: MaxEmulator, storage: Storage) -> None:
    async with MaxBot(emulator, storage) as bot:
        ticks = itertools.count(1000.0, 10.0)  # ten seconds between updates: never throttled
        bot.channel.throttle = Throttle(clock=lambda: next(ticks))
        resident = bot.resident(RESIDENT)
        out: list[str] = []
        for step in SCRIPTS[locale]:
            if step == "/start":  # how MAX opens a chat, in the client's language
                shown = await resident.send_update(max_updates.bot_started(RESIDENT, locale))
            elif step.startswith("[") and step.endswith("]"):
                shown = await resident.press_payload(_max_payload(emulator, step[1:-1]))
            elif step.startswith("!contact "):
                shown = await resident.share_contact(step[9:], owner=RESIDENT)
            elif step.startswith("!edit "):
                update = max_updates.message_edited(RESIDENT, resident.mid(), step[6:])
                shown = await resident.send_update(update)
            elif step == "!sticker":
                update = max_updates.message_created(RESIDENT, resident.mid(), None)
                shown = await resident.send_update(update)
            elif step.startswith("!group "):
                update = max_updates.message_created(RESIDENT, "g1", step[7:], group=-100)
                before = len(emulator.sent)
                await resident.send_update(update)
                shown = emulator.sent[before:]
            elif step == "!kicked":
                shown = await resident.send_update(max_updates.bot_stopped(RESIDENT))
            elif step == "!member":
                shown = await resident.send_update(max_updates.bot_started(RESIDENT, locale))
            else:
                update = max_updates.message_created(RESIDENT, resident.mid(), step, locale=locale)
                shown = await resident.send_update(update)
                if step == "/forget":
                    shown += await resident.send_update(update)  # redelivered
            out.append(f"> {step}")
            out.extend(repr(message) for message in shown)
    check(f"max_{locale}", "\n".join(out) + "\n")


def _max_payload(emulator: MaxEmulator, label: str) -> str:
    """The payload of the button `label` on the latest message that has it (one sent anew or
    one that replaced the pressed message)."""
    for message in reversed(emulator.sent):
        for row in message.buttons:
            for button in row:
                if button["text"] == label and button["type"] == "callback":
                    return str(button["payload"])
    raise AssertionError(f"no button {label!r}")
