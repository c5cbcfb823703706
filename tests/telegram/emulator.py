"""A small Telegram Bot API served on 127.0.0.1 for end-to-end tests of both modes.

It answers getMe, getUpdates (long polling with `offset`, confirming as Telegram does),
sendMessage, sendPhoto, editMessageText, answerCallbackQuery, setWebhook, deleteWebhook,
setMyCommands and leaveChat; records every call in arrival order; and answers the next calls
of a method with scripted failures (`fail(...)`: 429 with retry_after, 5xx, 403) or late
(`slow(...)`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

BOT_USER = {"id": 42, "is_bot": True, "first_name": "Meter", "username": "meter_test_bot"}


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]

    @property
    def chat_id(self) -> str:
        return str(self.params.get("chat_id", ""))

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")


class BotApiEmulator:
    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.updates: list[dict[str, Any]] = []
        self.confirmed = 0  # updates up to this id were confirmed by a later getUpdates offset
        self._failures: dict[str, deque[tuple[int, dict[str, Any]]]] = defaultdict(deque)
        self._delays: dict[str, float] = {}
        self._new_update = asyncio.Event()
        self._message_ids = itertools.count(5000)
        self._server: TestServer | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return str(self._server.make_url("")).rstrip("/")

    async def close(self) -> None:
        self._new_update.set()
        if self._server is not None:
            await self._server.close()

    def push(self, update: dict[str, Any]) -> None:
        self.updates.append(update)
        self._new_update.set()

    def fail(
        self,
        method: str,
        status: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        self._failures[method].extend([(status, body)] * times)

    def slow(self, method: str, seconds: float) -> None:
        """Answer every later call of `method` only after `seconds`, as a congested API does."""
        self._delays[method] = seconds

    def called(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def sent_to(self, chat_id: int | str) -> list[ApiCall]:
        wanted = str(chat_id)
        return [
            c for c in self.calls if c.method.startswith(("send", "edit")) and c.chat_id == wanted
        ]

    async def wait_for(self, predicate: Any, seconds: float = 5.0) -> None:
        """Poll `predicate` until true; the bot under test calls from its own tasks."""
        async with asyncio.timeout(seconds):
            while not predicate():  # noqa: ASYNC110 - the calls arrive over HTTP, no event to await
                await asyncio.sleep(0.01)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        if method != "getUpdates":
            self.calls.append(ApiCall(method, params))
        if method in self._delays:
            await asyncio.sleep(self._delays[method])
        if self._failures[method]:
            status, body = self._failures[method].popleft()
            return web.json_response(body, status=status)
        if method == "getUpdates":
            return _ok(await self._get_updates(params))
        if method == "getMe":
            return _ok(BOT_USER)
        if method in ("sendMessage", "sendPhoto", "editMessageText"):
            return _ok(self._message(method, params))
        return _ok(True)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        # The Bot API takes a call's parameters as a JSON document or as a form.
        if request.content_type == "application/json":
            document: dict[str, Any] = await request.json()
            return document
        params: dict[str, Any] = {}
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                params[key] = value.file.read()
                continue
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        return params

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset:
            self.confirmed = max(self.confirmed, offset - 1)
        timeout = min(float(params.get("timeout") or 0), 1.0)  # short polls keep tests quick
        pending = self._pending()
        if not pending and timeout:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
            pending = self._pending()
        return pending

    def _pending(self) -> list[dict[str, Any]]:
        return [u for u in self.updates if u["update_id"] > self.confirmed][:100]

    def _message(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": 1_795_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Resident"},
        }
        if method == "sendPhoto":
            message["photo"] = [{"file_id": "f", "file_unique_id": "f", "width": 1, "height": 1}]
        else:
            message["text"] = params.get("text", "")
        return message


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})
