"""The durable floor of the peak benchmark: an echo bot on meterbot's own webhook path.

It is configured as `meterbot run` is (a configuration file and METERBOT_* variables) and
serves the same aiohttp application (`bot.http`: its guard and limits) with the same webhook
handler (`bot.telegram.webhook`: the secret, the parsing, the update handled before the answer),
the same Bot API client (`bot.telegram.build_bot`; results left unread, as meterbot's replies'
are), the same event loop and the same storage. Before answering, each update's id is claimed
exactly as a dialog turn claims it (`Storage.save_turn` with only the update id: the same
transaction, pragmas and commit); a claimed id is answered with one message echoing the text or
the button's data, a repeated one with nothing. Nothing else is done: what every bot that must
never lose nor double an update pays, and no more.

    METERBOT_... python bench/peak_echo.py [--config PATH]    # until SIGTERM
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiogram import Bot, Dispatcher, Router  # noqa: E402
from aiogram.types import CallbackQuery, Message, Update  # noqa: E402

from bot.app import GC_THRESHOLDS  # noqa: E402
from bot.cli import event_loop_factory  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.http import build_http_app, start_http  # noqa: E402
from bot.observability import Metrics  # noqa: E402
from bot.telegram import build_bot  # noqa: E402
from bot.telegram.session import results_unread  # noqa: E402
from bot.telegram.webhook import SecretWebhookHandler  # noqa: E402
from dialogs.events import ChatRef  # noqa: E402
from storage.base import Storage, open_storage  # noqa: E402


def echo_dispatcher(storage: Storage) -> Dispatcher:
    router = Router(name="durable-echo")

    async def claimed(user_id: int, update: Update) -> bool:
        chat = ChatRef("telegram", str(user_id))
        return await storage.save_turn(chat, None, None, str(update.update_id))

    @router.message()
    async def echo(message: Message, bot: Bot, event_update: Update) -> None:
        if await claimed(message.chat.id, event_update):
            with results_unread():  # as meterbot shows its replies (bot.telegram.delivery)
                await bot.send_message(message.chat.id, message.text or "…")

    @router.callback_query()
    async def pressed(query: CallbackQuery, bot: Bot, event_update: Update) -> None:
        if await claimed(query.from_user.id, event_update):
            with results_unread():
                await bot.send_message(query.from_user.id, query.data or "…")

    dispatcher = Dispatcher(disable_fsm=True)
    dispatcher.include_router(router)
    return dispatcher


async def serve(config: str | None) -> None:
    settings = load_settings(config)
    storage = await open_storage(settings.storage.url)
    bot = build_bot(settings)
    app = build_http_app(settings, storage, Metrics(), lambda: {"telegram": "webhook"})
    secret = settings.telegram.webhook_secret.get_secret_value()
    handler = SecretWebhookHandler(echo_dispatcher(storage), bot, secret)
    handler.register(app, path=settings.telegram.webhook_path)
    runner = await start_http(app, settings.http)
    gc.freeze()  # as `meterbot run` does once serving (bot/app.py)
    gc.set_threshold(*GC_THRESHOLDS)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await bot.session.close()
        await storage.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="configuration file (TOML); default as meterbot's")
    # The event loop `meterbot run` runs on (uvloop where installed), so that only the work
    # differs between the two bots.
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(serve(parser.parse_args().config))
