"""Faults a Bot API or Viber API (or a gateway in front of them) can show, on loopback servers.

`Chaos` holds a queue of faults per method; the emulators consult it before answering normally:
- `garbage(...)`: any status with a body that is not the API's JSON (a gateway's own JSON, an
  HTML 502 page, bytes that are not UTF-8);
- `reset(...)`: the connection is closed without an answer;
- `hang(...)`: no answer for a while (the client's timeout decides);
- `down(...)`: every call fails that way until `up()`.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from dataclasses import dataclass, field

from aiohttp import web

HTML_502 = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    b"</h1></center><hr><center>nginx</center></body></html>"
)
GATEWAY_403 = b'{"message": "Forbidden by the API gateway policy"}'
NOT_UTF8 = b'{"ok": true, "result": "\xff\xfe\xfa"}'


@dataclass(frozen=True)
class Fault:
    kind: str  # garbage | reset | hang
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    seconds: float = 0.0


@dataclass
class Chaos:
    queued: defaultdict[str, deque[Fault]] = field(default_factory=lambda: defaultdict(deque))
    outage: Fault | None = None
    outage_methods: frozenset[str] = frozenset()  # empty: every method
    hits: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))

    def garbage(
        self, method: str, status: int, body: bytes, *, html: bool = False, times: int = 1
    ) -> None:
        ctype = "text/html" if html else "application/json"
        self.queued[method].extend([Fault("garbage", status, body, ctype)] * times)

    def reset(self, method: str, times: int = 1) -> None:
        self.queued[method].extend([Fault("reset")] * times)

    def hang(self, method: str, seconds: float, times: int = 1) -> None:
        self.queued[method].extend([Fault("hang", seconds=seconds)] * times)

    def down(self, fault: Fault, *methods: str) -> None:
        self.outage, self.outage_methods = fault, frozenset(methods)

    def up(self) -> None:
        self.outage = None

    async def intercept(self, method: str, request: web.Request) -> web.StreamResponse | None:
        """The faulty answer for this call, or None to answer normally."""
        fault: Fault | None = None
        if self.queued[method]:
            fault = self.queued[method].popleft()
        elif self.outage is not None and (
            not self.outage_methods or method in self.outage_methods
        ):
            fault = self.outage
        if fault is None:
            return None
        self.hits[method] += 1
        if fault.kind == "reset":
            await request.read()
            if request.transport is not None:
                request.transport.abort()  # RST, no answer: "connection reset by peer"
            raise ConnectionResetError("reset by the fault injector")
        if fault.kind == "hang":
            await asyncio.sleep(fault.seconds)
            return None
        return web.Response(status=fault.status, body=fault.body, content_type=fault.content_type)
