"""A local stand-in for Viber's REST bot API (`/pa/<endpoint>` on 127.0.0.1).

It records every call in order, answers like Viber (status 0 and a message token), and can be
told to answer the next calls differently: a non-zero status, an HTTP error or a delay. Like
Viber, `set_webhook` first calls the webhook URL with a signed `webhook` event and refuses the
URL when that call does not get a 200. Pictures are fetched from their URL, as Viber does.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass(frozen=True)
class Answer:
    status: int = 0  # Viber status in a 200 answer
    status_message: str = "ok"
    http_status: int = 200
    delay: float = 0.0


@dataclass
class Call:
    endpoint: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class ViberEmulator:
    auth_token: str
    api_base: str = ""  # set once the server listens
    calls: list[Call] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)  # picture URL -> bytes fetched
    _script: deque[Answer] = field(default_factory=deque)
    _tokens: itertools.count[int] = field(default_factory=lambda: itertools.count(5_000_000_001))

    def answer_next(self, *answers: Answer) -> None:
        """The next calls get these answers, first in first out; later calls succeed."""
        self._script.extend(answers)

    @property
    def sent(self) -> list[dict[str, Any]]:
        """The send_message bodies Viber accepted, in order."""
        return [call.body for call in self.calls if call.endpoint == "send_message"]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/pa/{endpoint}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        endpoint = request.match_info["endpoint"]
        body = await request.json()
        answer = self._script.popleft() if self._script else Answer()
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.http_status != 200:
            self.calls.append(Call(endpoint + "!", dict(request.headers), body))
            return web.Response(status=answer.http_status, text="emulated failure")
        if request.headers.get("X-Viber-Auth-Token") != self.auth_token:
            return web.json_response({"status": 2, "status_message": "invalidAuthToken"})
        if answer.status != 0:
            self.calls.append(Call(endpoint + "!", dict(request.headers), body))
            return web.json_response(
                {"status": answer.status, "status_message": answer.status_message}
            )
        if endpoint == "set_webhook":
            return await self._set_webhook(body, request)
        self.calls.append(Call(endpoint, dict(request.headers), body))
        if endpoint == "send_message":
            if body.get("type") == "picture":
                await self._fetch(body["media"])
            token = next(self._tokens)
            return web.json_response({"status": 0, "status_message": "ok", "message_token": token})
        return web.json_response({"status": 0, "status_message": "ok"})

    async def _set_webhook(self, body: dict[str, Any], request: web.Request) -> web.Response:
        probe = json.dumps({"event": "webhook", "timestamp": 1, "message_token": 1}).encode()
        signature = hmac.new(self.auth_token.encode(), probe, hashlib.sha256).hexdigest()
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    body["url"], data=probe, headers={"X-Viber-Content-Signature": signature}
                ) as response,
            ):
                reachable = response.status == 200
        except aiohttp.ClientError:
            reachable = False
        if not reachable:
            return web.json_response({"status": 1, "status_message": "invalidUrl"})
        self.calls.append(Call("set_webhook", dict(request.headers), body))
        events = body.get("event_types") or ["delivered", "seen", "failed"]
        return web.json_response({"status": 0, "status_message": "ok", "event_types": events})

    async def _fetch(self, url: str) -> None:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            if response.status == 200:
                self.media[url] = await response.read()


@asynccontextmanager
async def served(auth_token: str) -> AsyncIterator[ViberEmulator]:
    """An emulator listening on 127.0.0.1 with its `api_base` set, closed at the end."""
    emulator = ViberEmulator(auth_token)
    server = TestServer(emulator.app(), host="127.0.0.1")
    await server.start_server()
    emulator.api_base = str(server.make_url("/pa"))
    try:
        yield emulator
    finally:
        await server.close()
