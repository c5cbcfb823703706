"""The MAX API emulator with faults (tests/faults/chaos.py), keyed by path: "/updates",
"/messages", "/answers", "/subscriptions"…"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.faults.chaos import Chaos
from tests.max.emulator import MaxEmulator


@dataclass
class FaultyMax(MaxEmulator):
    chaos: Chaos = field(default_factory=Chaos)

    def app(self) -> web.Application:
        app = super().app()
        # Before the emulator's own middleware: a faulty call is not recorded as served.
        app.middlewares.insert(0, self._faults)
        return app

    @web.middleware
    async def _faults(self, request: web.Request, handler: Any) -> web.StreamResponse:
        faulty = await self.chaos.intercept(request.path, request)
        if faulty is not None:
            return faulty
        response: web.StreamResponse = await handler(request)
        return response


@asynccontextmanager
async def faulty_max() -> AsyncIterator[FaultyMax]:
    emulator = FaultyMax()
    server = TestServer(emulator.app(), host="127.0.0.1", port=0)
    await server.start_server()
    emulator.server = server
    try:
        yield emulator
    finally:
        await server.close()
