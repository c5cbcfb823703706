"""Keep-alive HTTP/1.1 connections to the Bot API, for calls whose body is one JSON document.

A Bot API call is a POST of a small JSON document to one host, answered by a small JSON
document. aiohttp's client does far more for each (cookies, redirects, tracing, payload
negotiation, URL building): against a loopback server it cost 350–450 µs of CPU a call where
writing the request and parsing the answer on a kept connection costs 40–90 µs, and at the
evening peak it was a sixth of the bot's CPU (`docs/benchmarks.md`). So JSON calls go through
this: a pool of connections per Bot API server, each carrying one request at a time, answered
with a status and a body. Files (a chart, a QR) still go through aiohttp as forms.

Every way HTTP/1.1 frames an answer's body is read (RFC 9112 §6): a body of
`Content-Length`, chunked, or up to the connection's close, after any interim answer. A
connection the server closed while it was idle in the pool is noticed when it closes, or at the
latest when a request sent on it is met by the close and not a byte of answer; that request is
sent once more on a new connection. (A server that read it and died before answering would get
it twice, as it would from the retrying middleware, `bot.telegram.retry`.) Anything else that
goes wrong closes the connection and raises `ConnectionFailed`, and a call that overruns its
time raises `TimeoutError`; the session turns both into aiogram's network error, which the
retrying middleware knows.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

IDLE_SECONDS = 15.0  # a kept connection idle longer is closed, not reused (nginx keeps 75 s)
OPEN_AT_ONCE = 100  # connections at once, all servers together (aiohttp's default limit)
IDLE_KEPT = 100  # connections kept idle per server at most
ANSWER_LIMIT = 64 * 1024 * 1024  # bytes: a Bot API answer is kilobytes; refuse a runaway one
HEAD_LIMIT = 64 * 1024


class ConnectionFailed(Exception):
    """The request could not be made or the answer was not HTTP."""


class _Stale(ConnectionFailed):
    """A kept connection closed before a byte of the answer came: the server had closed it."""


@dataclass(frozen=True, slots=True)
class Server:
    host: str
    port: int
    tls: bool

    @classmethod
    def of(cls, url: str) -> Server:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) address: {url!r}")
        tls = parts.scheme == "https"
        return cls(parts.hostname, parts.port or (443 if tls else 80), tls)

    @property
    def host_header(self) -> str:
        default = 443 if self.tls else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


class _Answer:
    """Parses one HTTP/1.1 answer fed in pieces; `done` once its body is complete."""

    __slots__ = ("body", "buffer", "chunked", "closes", "done", "head_read", "length", "status")

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.status = 0
        self.length: int | None = None
        self.chunked = False
        self.closes = False
        self.head_read = False
        self.body = b""
        self.done = False

    def feed(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > ANSWER_LIMIT:
            raise ConnectionFailed("answer too large")
        while not self.head_read:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > HEAD_LIMIT:
                    raise ConnectionFailed("answer head too large")
                return
            head = bytes(self.buffer[:end])
            del self.buffer[: end + 4]
            # An interim answer (100 Continue, 103 Early Hints) precedes the real one.
            self.head_read = self._read_head(head)
        if self.chunked:
            self._read_chunks()
        elif self.length is not None and len(self.buffer) >= self.length:
            self.body = bytes(self.buffer[: self.length])
            self.done = True

    def eof(self) -> None:
        """The server closed the connection: the end of a body that runs to the close."""
        if self.head_read and not self.chunked and self.length is None:
            self.body = bytes(self.buffer)
            self.done = True

    def _read_head(self, head: bytes) -> bool:
        """Reads the status and the headers that frame the body; False for an interim answer."""
        lines = head.split(b"\r\n")
        version, _, rest = lines[0].partition(b" ")
        code = rest[:3]
        if not version.startswith(b"HTTP/1.") or not code.isdigit():
            raise ConnectionFailed(f"not an HTTP answer: {lines[0][:80]!r}")
        self.status = int(code)
        if 100 <= self.status < 200:
            return False
        self.closes = version == b"HTTP/1.0"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            value = value.strip().lower()
            if name == b"content-length":
                if not value.isdigit():
                    raise ConnectionFailed("bad Content-Length")
                self.length = int(value)
            elif name == b"transfer-encoding":
                self.chunked = value.endswith(b"chunked")
            elif name == b"connection":
                self.closes = b"close" in value if not self.closes else b"keep-alive" not in value
        if self.status in (204, 304):
            self.length, self.chunked = 0, False
        if self.chunked:
            self.length = None
        elif self.length is None:
            self.closes = True  # the body runs to the close
        return True

    def _read_chunks(self) -> None:
        # Read again from the start at each piece: a chunked Bot API answer is rare and small.
        parts: list[bytes] = []
        buffer = self.buffer
        at = 0
        while True:
            line_end = buffer.find(b"\r\n", at)
            if line_end < 0:
                return
            try:
                size = int(bytes(buffer[at:line_end]).split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ConnectionFailed("bad chunk size") from None
            if size == 0:  # the last chunk, then trailers (ignored) up to an empty line
                if buffer.find(b"\r\n\r\n", line_end) < 0:
                    return
                self.body = b"".join(parts)
                self.done = True
                return
            start = line_end + 2
            if len(buffer) < start + size + 2:
                return
            parts.append(bytes(buffer[start : start + size]))
            at = start + size + 2


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.answer: _Answer | None = None
        self.waiter: asyncio.Future[_Answer] | None = None
        self.closed = False
        self.idle_since = 0.0
        self.used = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        answer = self.answer
        if answer is None:  # bytes nobody asked for: the connection cannot be trusted
            self.close()
            return
        try:
            answer.feed(data)
        except ConnectionFailed as exc:
            self._fail(exc)
            return
        if answer.done:
            self._finish(answer)

    def eof_received(self) -> bool | None:
        answer = self.answer
        if answer is not None:
            answer.eof()
            if answer.done:
                self._finish(answer)
        return None  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        answer = self.answer
        if answer is not None:
            silent = self.used and not answer.head_read and not answer.buffer
            kind = _Stale if silent else ConnectionFailed
            self._fail(kind(f"connection closed ({exc or 'by the server'})"))

    def request(self, data: bytes) -> asyncio.Future[_Answer]:
        if self.transport is None or self.closed:
            raise (_Stale if self.used else ConnectionFailed)("connection already closed")
        self.answer = _Answer()
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self.waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _finish(self, answer: _Answer) -> None:
        waiter, self.waiter, self.answer = self.waiter, None, None
        self.used = True
        if answer.closes:
            self.close()
        if waiter is not None and not waiter.done():
            waiter.set_result(answer)

    def _fail(self, exc: Exception) -> None:
        waiter, self.waiter, self.answer = self.waiter, None, None
        self.close()
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)


class KeptConnections:
    """POSTs JSON documents to HTTP(S) servers over connections kept between calls."""

    def __init__(
        self, ssl_context: ssl.SSLContext | None = None, at_once: int = OPEN_AT_ONCE
    ) -> None:
        self._ssl = ssl_context
        # Calls beyond it wait for a connection to come free, as aiohttp's connector makes them.
        self._at_once = asyncio.Semaphore(at_once)
        self._idle: dict[Server, list[_Connection]] = {}
        self._busy: set[_Connection] = set()

    async def post_json(
        self, server: Server, path: str, body: bytes, within: float
    ) -> tuple[int, bytes]:
        """The answer's status and body, within `within` seconds. Raises `ConnectionFailed` or
        `TimeoutError`."""
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {server.host_header}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Accept: application/json\r\n\r\n"
        ).encode("ascii") + body
        async with asyncio.timeout(within), self._at_once:
            while True:
                connection = await self._connection(server)
                self._busy.add(connection)
                try:
                    answer = await connection.request(request)
                except _Stale:
                    continue  # once more on another connection; a new one is never stale
                except BaseException:
                    connection.close()  # failed, or cancelled mid-answer: out of step
                    raise
                finally:
                    self._busy.discard(connection)
                self._keep(server, connection)
                return answer.status, answer.body

    async def close(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()
        for connection in self._busy:
            connection.close()
        self._busy.clear()

    async def _connection(self, server: Server) -> _Connection:
        idle = self._idle.get(server)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if not connection.closed and now - connection.idle_since < IDLE_SECONDS:
                return connection
            connection.close()
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(
                _Connection,
                server.host,
                server.port,
                ssl=self._tls() if server.tls else None,
                server_hostname=server.host if server.tls else None,
            )
        except OSError as exc:
            where = f"{server.host}:{server.port}"
            raise ConnectionFailed(f"cannot connect to {where}: {exc}") from exc
        return connection

    def _keep(self, server: Server, connection: _Connection) -> None:
        if connection.closed:
            return
        idle = self._idle.setdefault(server, [])
        if len(idle) >= IDLE_KEPT:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        idle.append(connection)

    def _tls(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
        return self._ssl
