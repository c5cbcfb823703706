"""The Bot API emulator with faults (tests/faults/chaos.py) and a bot wired to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bot.config import DEFAULTS_FILE, Settings, TelegramSettings, load_settings
from tests.faults.chaos import Chaos
from tests.telegram.emulator import BotApiEmulator
from tests.telegram.recording import TOKEN


class FaultyBotApi(BotApiEmulator):
    def __init__(self) -> None:
        super().__init__()
        self.chaos = Chaos()
        self.base_url = ""

    async def start(self) -> str:
        self.base_url = await super().start()
        return self.base_url

    async def _handle(self, request: web.Request) -> web.Response:
        faulty = await self.chaos.intercept(request.match_info["method"], request)
        if faulty is not None:
            return faulty  # type: ignore[return-value]
        return await super()._handle(request)


def telegram_settings(api_base: str, folder: Path, **telegram: Any) -> Settings:
    base = load_settings(DEFAULTS_FILE)
    tg = TelegramSettings(token=SecretStr(TOKEN), api_base=api_base, **telegram)
    storage = base.storage.model_copy(update={"url": f"sqlite:///{folder}/faults.sqlite3"})
    return base.model_copy(update={"telegram": tg, "storage": storage})
