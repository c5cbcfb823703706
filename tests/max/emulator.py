"""A local stand-in for the MAX Bot API on 127.0.0.1, written from its public schema.

What it serves: `GET /me`; `GET /updates` with `marker`, `timeout` and `limit` (a long poll
that waits for an update; passing a marker acknowledges everything before it); `POST /messages`
to a `user_id` or a `chat_id`; `POST /answers` for a `callback_id`; `POST /uploads` and the
upload itself (multipart `data`, answered with a photo token); `GET`, `POST` and `DELETE
/subscriptions`. With a subscription, updates are posted to its URL with the
`X-Max-Bot-Api-Secret` header, as MAX does, instead of waiting for `GET /updates`.

Every call is recorded in order. `fail(path, *statuses)` makes the next calls of a path answer
with those HTTP statuses (429, 500, 503…) and MAX's error body; `stopped` users get 403 on
`POST /messages`, as a resident who stopped the bot. Calls without the token get 401.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

TOKEN = "max-test-token-0123456789"
BOT_ID = 900_000
MILLIS = 1_795_000_000_000  # timestamps are milliseconds in the MAX Bot API


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]
    body: Any


@dataclass
class Sent:
    """A message the bot sent (or a pressed message it replaced through /answers)."""

    user_id: int | None
    chat_id: int | None
    text: str
    buttons: list[list[dict[str, Any]]]
    images: list[str]
    mid: str
    via_answer: bool = False

    def labels(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]


@dataclass
class Subscription:
    url: str
    secret: str | None
    update_types: list[str] | None
    time: int


@dataclass
class MaxEmulator:
    server: TestServer | None = None
    calls: list[Call] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    subscriptions: list[Subscription] = field(default_factory=list)
    stopped: set[int] = field(default_factory=set)
    webhook_statuses: list[int] = field(default_factory=list)
    _failures: dict[str, deque[int]] = field(default_factory=lambda: defaultdict(deque))
    _queue: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _acknowledged: int = 0
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _mids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def api_base(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    # -- what tests tell it ----------------------------------------------------------------
    def fail(self, path: str, *statuses: int) -> None:
        """The next calls of `path` ("/messages", "/updates"…) answer with these statuses."""
        self._failures[path].extend(statuses)

    async def deliver(self, update: dict[str, Any]) -> int:
        """An update from a resident: posted to the subscription when there is one (its HTTP
        status is returned), else queued for `GET /updates` (0 is returned)."""
        if self.subscriptions:
            return await self._post_webhook(self.subscriptions[-1], update)
        async with self._arrived:
            self._queue.append((next(self._numbers), update))
            self._arrived.notify_all()
        return 0

    @property
    def pending(self) -> int:
        """Updates queued and not yet acknowledged by a later marker."""
        return sum(1 for number, _ in self._queue if number >= self._acknowledged)

    def to(self, user_id: int) -> list[Sent]:
        return [message for message in self.sent if message.user_id == user_id]

    def paths(self) -> list[str]:
        return [f"{call.method} {call.path}" for call in self.calls]

    # -- the API ---------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._gate])
        app.router.add_get("/me", self._me)
        app.router.add_get("/updates", self._updates)
        app.router.add_post("/messages", self._messages)
        app.router.add_post("/answers", self._answers)
        app.router.add_post("/uploads", self._uploads)
        app.router.add_post("/upload/{slot}", self._upload)
        app.router.add_get("/subscriptions", self._subscriptions)
        app.router.add_post("/subscriptions", self._subscribe)
        app.router.add_delete("/subscriptions", self._unsubscribe)
        return app

    @web.middleware
    async def _gate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body: Any = None
        if request.can_read_body and request.content_type == "application/json":
            body = await request.json()
        self.calls.append(Call(request.method, request.path, dict(request.query), body))
        # The upload URL carries its own authorization, as MAX's upload server does.
        uploading = request.path.startswith("/upload/")
        if not uploading and request.headers.get("Authorization") != TOKEN:
            return _error(401, "verify.token", "Invalid access_token")
        failures = self._failures.get(request.path)
        if failures:
            status = failures.popleft()
            return _error(status, "too.many.requests" if status == 429 else "internal", "fault")
        response: web.StreamResponse = await handler(request)
        return response

    async def _me(self, request: web.Request) -> web.Response:
        return web.json_response(_user(BOT_ID, "Счётчик", is_bot=True, username="meter_bot"))

    async def _updates(self, request: web.Request) -> web.Response:
        if self.subscriptions:
            return _error(400, "bad.request", "the bot is subscribed to a webhook")
        marker = request.query.get("marker")
        timeout = float(request.query.get("timeout", "30"))
        limit = int(request.query.get("limit", "100"))
        if marker is not None:
            self._acknowledged = max(self._acknowledged, int(marker))
        async with self._arrived:
            with suppress(TimeoutError):
                await asyncio.wait_for(
                    self._arrived.wait_for(lambda: self.pending > 0), timeout=timeout
                )
            batch = [(n, u) for n, u in self._queue if n >= self._acknowledged][:limit]
        next_marker = batch[-1][0] + 1 if batch else max(self._acknowledged, 1)
        return web.json_response({"updates": [u for _, u in batch], "marker": next_marker})

    async def _messages(self, request: web.Request) -> web.Response:
        body = await request.json()
        user_id = _int(request.query.get("user_id"))
        chat_id = _int(request.query.get("chat_id"))
        if user_id in self.stopped:
            return _error(403, "chat.denied", "dialog.suspended")
        text = body.get("text") or ""
        if len(text) > 4000:
            return _error(400, "bad.request", "text: size must be between 0 and 4000")
        message = self._record(user_id, chat_id, text, body.get("attachments") or [])
        return web.json_response({"message": _message(message, user_id, chat_id)})

    async def _answers(self, request: web.Request) -> web.Response:
        body = await request.json()
        callback_id = request.query.get("callback_id")
        self.answers.append({"callback_id": callback_id, **body})
        replacement = body.get("message")
        if replacement is not None:
            user_id = self._presser(callback_id)
            self._record(
                user_id,
                None,
                replacement.get("text") or "",
                replacement.get("attachments") or [],
                via_answer=True,
            )
        return web.json_response({"success": True})

    async def _uploads(self, request: web.Request) -> web.Response:
        if request.query.get("type") != "image":
            return _error(400, "bad.request", "only images here")
        slot = len(self.uploads) + 1
        return web.json_response({"url": f"{self.api_base}/upload/{slot}"})

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        data = form.get("data")
        if not isinstance(data, web.FileField):
            return _error(400, "bad.request", "no file")
        token = f"photo-{request.match_info['slot']}"
        self.uploads[token] = data.file.read()
        return web.json_response({"photos": {"1": {"token": token}}})

    async def _subscriptions(self, request: web.Request) -> web.Response:
        found = [
            {"url": s.url, "time": s.time, "update_types": s.update_types}
            for s in self.subscriptions
        ]
        return web.json_response({"subscriptions": found})

    async def _subscribe(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.subscriptions = [s for s in self.subscriptions if s.url != body["url"]]
        self.subscriptions.append(
            Subscription(body["url"], body.get("secret"), body.get("update_types"), MILLIS)
        )
        return web.json_response({"success": True})

    async def _unsubscribe(self, request: web.Request) -> web.Response:
        url = request.query.get("url")
        self.subscriptions = [s for s in self.subscriptions if s.url != url]
        return web.json_response({"success": True})

    # -- helpers ---------------------------------------------------------------------------
    def _record(
        self,
        user_id: int | None,
        chat_id: int | None,
        text: str,
        attachments: list[dict[str, Any]],
        *,
        via_answer: bool = False,
    ) -> Sent:
        buttons: list[list[dict[str, Any]]] = []
        images: list[str] = []
        for attachment in attachments:
            payload = attachment.get("payload") or {}
            if attachment.get("type") == "inline_keyboard":
                buttons = payload.get("buttons", [])
            elif attachment.get("type") == "image":
                images.append(payload.get("token", ""))
        message = Sent(user_id, chat_id, text, buttons, images, f"mid.bot{next(self._mids)}")
        message.via_answer = via_answer
        self.sent.append(message)
        return message

    def _presser(self, callback_id: str | None) -> int | None:
        # The callback ids the residents' presses carry say who pressed: "cb.<user>.<n>".
        if callback_id and callback_id.startswith("cb."):
            return int(callback_id.split(".")[1])
        return None

    async def _post_webhook(self, subscription: Subscription, update: dict[str, Any]) -> int:
        headers = {"Content-Type": "application/json"}
        if subscription.secret:
            headers["X-Max-Bot-Api-Secret"] = subscription.secret
        async with (
            aiohttp.ClientSession() as session,
            session.post(subscription.url, data=json.dumps(update), headers=headers) as answer,
        ):
            await answer.read()
            self.webhook_statuses.append(answer.status)
            return answer.status


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message}, status=status)


def _int(value: str | None) -> int | None:
    return int(value) if value is not None else None


def _user(
    user_id: int, name: str, *, is_bot: bool = False, username: str | None = None
) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "first_name": name,
        "username": username,
        "is_bot": is_bot,
        "last_activity_time": MILLIS,
    }


def _message(sent: Sent, user_id: int | None, chat_id: int | None) -> dict[str, Any]:
    return {
        "sender": _user(BOT_ID, "Счётчик", is_bot=True, username="meter_bot"),
        "recipient": {
            "chat_id": chat_id if chat_id is not None else (user_id or 0) + 1_000_000_000,
            "chat_type": "dialog" if user_id is not None else "chat",
            "user_id": user_id,
        },
        "timestamp": MILLIS,
        "body": {"mid": sent.mid, "seq": 1, "text": sent.text},
    }


@asynccontextmanager
async def served() -> AsyncIterator[MaxEmulator]:
    emulator = MaxEmulator()
    server = TestServer(emulator.app(), host="127.0.0.1", port=0)
    await server.start_server()
    emulator.server = server
    try:
        yield emulator
    finally:
        await server.close()
