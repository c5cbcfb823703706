"""The Telegram channel on aiogram 3: routers that translate updates into dialog events and
render the replies, long polling or a webhook on the shared aiohttp application, and a sender
for reminders.

The composition root calls `start_telegram(settings, engine, app)` before the HTTP server
starts; in webhook mode `runtime.register_webhook()` once it listens; `runtime.stop()` at
shutdown. `TelegramSender` is the channel's `ChannelSender` for reminder campaigns, on a bot of
its own (`bot.reminders.channels`).
"""

from bot.telegram.runtime import (
    TelegramRuntime,
    build_bot,
    build_dispatcher,
    set_commands,
    start_telegram,
)
from bot.telegram.sender import TelegramSender

__all__ = [
    "TelegramRuntime",
    "TelegramSender",
    "build_bot",
    "build_dispatcher",
    "set_commands",
    "start_telegram",
]
