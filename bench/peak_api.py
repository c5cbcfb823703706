"""The Telegram Bot API as the peak benchmark needs it, as a process of its own on loopback.

Every call is answered at once, as Telegram would: a message for `sendMessage` and
`editMessageText` (with the sender, the chat and an inline keyboard, as Telegram sends it back),
the bot for `getMe`, `true` for the rest. Each message sent or edited is
recorded as (chat id, arrival time, kind): the time is `time.monotonic()`, one clock for every
process on Linux, so the generator compares it with its own; the kind says whether the text
confirms a submission ("accepted") or apologises ("oops"), so that the benchmark can check that
the conversations really went through.

    python bench/peak_api.py       # prints its URL; GET /records?from=N: the records from the Nth
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dialogs.texts import say  # noqa: E402

BOT_USER = {"id": 42, "is_bot": True, "first_name": "Meter", "username": "meter_peak_bot"}
MESSAGES = ("sendMessage", "editMessageText", "sendPhoto")
ACCEPTED = "Показания приняты"
OOPS = say("ru", "oops")[:40]

Record = tuple[str, float, str]  # chat id, monotonic arrival time, "message" | "accepted" | "oops"


def _answer(result: Any) -> web.Response:
    """A successful call's answer as the Bot API writes it: compact, non-ASCII as it is."""
    text = json.dumps({"ok": True, "result": result}, ensure_ascii=False, separators=(",", ":"))
    return web.Response(text=text, content_type="application/json")


class FakeBotApi:
    def __init__(self) -> None:
        self.records: list[Record] = []
        self.calls = 0
        self._ids = itertools.count(1000)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._call)
        app.router.add_get("/records", self._records)
        return app

    async def _call(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        self.calls += 1
        method = request.match_info["method"]
        if method == "getMe":
            return _answer(BOT_USER)
        if method not in MESSAGES:
            return _answer(True)
        form: Any = (
            await request.json()
            if request.content_type == "application/json"
            else (await request.post())
        )
        chat = str(form.get("chat_id", ""))
        text = str(form.get("text") or form.get("caption") or "")
        kind = "accepted" if ACCEPTED in text else "oops" if text.startswith(OOPS) else "message"
        self.records.append((chat, arrived, kind))
        chat_id = int(chat) if chat.lstrip("-").isdigit() else 0
        # The message back as Telegram sends it: the bot as its sender, the chat with the
        # resident's name, and an inline keyboard repeated whole.
        message: dict[str, Any] = {
            "message_id": int(str(form.get("message_id") or next(self._ids))),
            "from": BOT_USER,
            "chat": {"id": chat_id, "first_name": f"R{chat_id}", "type": "private"},
            "date": int(time.time()),
            "text": text,
        }
        markup = form.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return _answer(message)

    async def _records(self, request: web.Request) -> web.Response:
        start = int(request.query.get("from", "0"))
        return web.json_response({"records": self.records[start:], "calls": self.calls})


async def serve() -> None:
    runner = web.AppRunner(FakeBotApi().app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
    await site.start()
    port = runner.addresses[0][1]
    print(f"http://127.0.0.1:{port}", flush=True)
    try:
        await asyncio.Event().wait()  # until the benchmark terminates the process
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
