"""A local Telegram Bot API emulator that enforces a message rate, for tests and the benchmark.

`POST /bot<token>/sendMessage` (JSON or form body, as aiogram sends it) is accepted while the
rate allows it and answered like Telegram otherwise: 429 with `parameters.retry_after` in whole
seconds. Chats in `blocked` get 403 "bot was blocked by the user". Every accepted message is
recorded with its arrival time, so duplicates and the achieved rate can be counted.

In-process for tests (`await BotApiEmulator(rate=30).start()`), or as a process of its own for
the benchmark, so that the server's work does not share the sender's CPU:

    python -m tests.reminders.botapi --rate 1000 --burst 50    # prints its URL; GET /stats
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class BotApiEmulator:
    rate: float  # messages per second the "server" accepts
    burst: float = 1.0  # how many may arrive at once after an idle spell
    blocked: set[str] = field(default_factory=set)
    throttle_once: set[str] = field(default_factory=set)  # 429 on the first message to these
    accepted: list[tuple[str, float]] = field(default_factory=list)  # (chat id, monotonic time)
    payloads: list[dict[str, Any]] = field(default_factory=list)
    too_many: int = 0
    _arrival: float = 0.0
    _runner: web.AppRunner | None = None
    base_url: str = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/stats", self._stats)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def per_chat(self) -> Counter[str]:
        return Counter(chat for chat, _ in self.accepted)

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response({"accepted": self.accepted, "too_many": self.too_many})

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method != "sendMessage":
            return _error(404, f"Not Found: method {method} is not emulated")
        body = await _body(request)
        chat_id = str(body.get("chat_id", ""))
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        wait = self._admit()
        if chat_id in self.throttle_once:
            self.throttle_once.discard(chat_id)
            wait = max(wait, 1.0)
        if wait > 0:
            self.too_many += 1
            retry_after = max(1, math.ceil(wait))
            return _error(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )
        moment = time.monotonic()
        self.accepted.append((chat_id, moment))
        self.payloads.append(body)
        message = {
            "message_id": len(self.accepted),
            "date": int(time.time()),
            "chat": {
                "id": int(chat_id) if chat_id.lstrip("-").isdigit() else 0,
                "type": "private",
            },
            "text": body.get("text", ""),
        }
        return web.json_response({"ok": True, "result": message})

    def _admit(self) -> float:
        """GCRA: 0 when the message is within the rate, else the seconds until it would be."""
        now = time.monotonic()
        interval = 1.0 / self.rate
        tolerance = max(0.0, self.burst - 1.0) * interval
        earliest = self._arrival - tolerance
        if earliest > now:
            return earliest - now
        self._arrival = max(self._arrival, now) + interval
        return 0.0


async def _body(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        loaded: dict[str, Any] = await request.json()
        return loaded
    form = await request.post()
    body: dict[str, Any] = {}
    for key, value in form.items():
        text = value if isinstance(value, str) else ""
        if key == "reply_markup":
            body[key] = json.loads(text)
        else:
            body[key] = text
    return body


def _error(status: int, description: str, *, retry_after: int | None = None) -> web.Response:
    payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        payload["parameters"] = {"retry_after": retry_after}
    return web.json_response(payload, status=status)


async def _serve(rate: float, burst: float) -> None:
    emulator = BotApiEmulator(rate=rate, burst=burst)
    print(await emulator.start(), flush=True)
    try:
        await asyncio.Event().wait()  # until the benchmark terminates the process
    finally:
        await emulator.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="A rate-enforcing Telegram Bot API emulator.")
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--burst", type=float, default=1.0)
    options = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(options.rate, options.burst))
