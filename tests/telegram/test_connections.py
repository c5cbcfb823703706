"""Kept connections to the Bot API against a loopback server that answers as scripted: every
shape HTTP/1.1 allows an answer, connections kept and closed, and each way a call can fail."""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage

from bot.telegram.connections import ConnectionFailed, KeptConnections, Server
from bot.telegram.retry import no_retry
from bot.telegram.session import JsonSession
from tests.telegram.recording import TOKEN
from tests.tls import self_signed

OK = b'{"ok":true,"result":true}'

# Given the request's bytes and its number on this server (from 1), what to do: write each
# piece of bytes on its own (a short pause between), wait a number of seconds, close the
# connection (CLOSE); or None: close it without a word.
CLOSE = "close"
ABORT = "abort"  # closed at once, for TLS without telling the end of its stream
Script = Callable[[bytes, int], list[bytes | float | str] | None]


def answer(body: bytes = OK, *extra: bytes) -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    return head + b"".join(extra) + b"Content-Length: %d\r\n\r\n" % len(body) + body


def with_length(body: bytes = OK, *extra: bytes) -> list[bytes | float | str]:
    return [answer(body, *extra)]


class ScriptedServer:
    def __init__(self, script: Script, tls: ssl.SSLContext | None = None) -> None:
        self.script = script
        self.tls = tls
        self.connections = 0
        self.requests: list[bytes] = []
        self.writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> Server:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        port = self._server.sockets[0].getsockname()[1]
        return Server("localhost" if self.tls else "127.0.0.1", port, tls=self.tls is not None)

    async def close(self) -> None:
        for writer in self.writers:
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                pieces = self.script(request, len(self.requests))
                if pieces is None:
                    writer.close()
                    return
                for piece in pieces:
                    if piece == CLOSE:
                        writer.close()
                        return
                    if piece == ABORT:
                        writer.transport.abort()
                        return
                    if isinstance(piece, float):
                        await asyncio.sleep(piece)
                        continue
                    assert isinstance(piece, bytes)
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(0.005)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


Serve = Callable[..., Awaitable[tuple[ScriptedServer, Server]]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    servers: list[ScriptedServer] = []

    async def start(
        script: Script, tls: ssl.SSLContext | None = None
    ) -> tuple[ScriptedServer, Server]:
        server = ScriptedServer(script, tls)
        servers.append(server)
        return server, await server.start()

    yield start
    for server in servers:
        await server.close()


@pytest.fixture
async def connections() -> AsyncIterator[KeptConnections]:
    kept = KeptConnections()
    yield kept
    await kept.close()


async def test_calls_share_one_kept_connection(serve: Serve, connections: KeptConnections) -> None:
    scripted, server = await serve(lambda request, n: with_length(b'{"n":%d}' % n))

    answers = [await connections.post_json(server, "/bot1:x/getMe", b"{}", 5) for _ in range(3)]

    assert answers == [(200, b'{"n":1}'), (200, b'{"n":2}'), (200, b'{"n":3}')]
    assert scripted.connections == 1
    first = scripted.requests[0]
    assert first.startswith(b"POST /bot1:x/getMe HTTP/1.1\r\n")
    assert f"Host: 127.0.0.1:{server.port}\r\n".encode() in first
    assert b"Content-Type: application/json\r\n" in first
    assert first.endswith(b"\r\n\r\n{}")


async def test_calls_at_once_each_get_their_own_answer(
    serve: Serve, connections: KeptConnections
) -> None:
    scripted, server = await serve(lambda request, n: with_length(request[-10:]))

    answers = await asyncio.gather(
        *(connections.post_json(server, "/m", b'{"i":%04d}' % i, 5) for i in range(20))
    )

    assert [body for _, body in answers] == [b'{"i":%04d}' % i for i in range(20)]
    opened = scripted.connections
    assert 1 < opened <= 20
    # Every one kept: as many calls at once again open none.
    await asyncio.gather(
        *(connections.post_json(server, "/m", b'{"i":0000}', 5) for _ in range(opened))
    )
    assert scripted.connections == opened


async def test_an_answer_that_arrives_in_pieces(
    serve: Serve, connections: KeptConnections
) -> None:
    body = json.dumps({"ok": True, "result": {"text": "Показания приняты" * 50}}).encode()
    whole = answer(body)
    pieces: list[bytes | float | str] = [whole[i : i + 7] for i in range(0, 280, 7)]
    pieces.append(whole[280:])
    _, server = await serve(lambda request, n: pieces)

    assert await connections.post_json(server, "/m", b"{}", 5) == (200, body)


async def test_a_chunked_answer(serve: Serve, connections: KeptConnections) -> None:
    def chunked(request: bytes, n: int) -> list[bytes | float | str]:
        return [
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b'5\r\n{"ok"\r\n',
            b'b;ext=1\r\n:true,"resu\r\n',
            b'9\r\nlt":true}\r\n0\r\n',
            b"X-Trailer: 1\r\n\r\n",
        ]

    scripted, server = await serve(chunked)

    assert await connections.post_json(server, "/m", b"{}", 5) == (200, OK)
    assert await connections.post_json(server, "/m", b"{}", 5) == (200, OK)
    assert scripted.connections == 1


async def test_an_interim_answer_is_passed_over(
    serve: Serve, connections: KeptConnections
) -> None:
    scripted, server = await serve(
        lambda request, n: [b"HTTP/1.1 100 Continue\r\n\r\n", *with_length()]
    )

    assert await connections.post_json(server, "/m", b"{}", 5) == (200, OK)
    assert await connections.post_json(server, "/m", b"{}", 5) == (200, OK)
    assert scripted.connections == 1


async def test_no_more_connections_at_once_than_allowed(serve: Serve) -> None:
    scripted, server = await serve(lambda request, n: [0.05, *with_length()])
    limited = KeptConnections(at_once=2)
    try:
        calls = [limited.post_json(server, "/m", b"{}", 5) for _ in range(6)]
        answers = await asyncio.gather(*calls)
    finally:
        await limited.close()

    assert answers == [(200, OK)] * 6
    assert scripted.connections == 2


async def test_an_answer_that_runs_to_the_close(
    serve: Serve, connections: KeptConnections
) -> None:
    scripted, server = await serve(
        lambda request, n: [
            b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n\r\n<h",
            b"tml>gateway</html>",
            CLOSE,
        ]
    )

    assert await connections.post_json(server, "/m", b"{}", 5) == (502, b"<html>gateway</html>")
    assert await connections.post_json(server, "/m", b"{}", 5) == (502, b"<html>gateway</html>")
    assert scripted.connections == 2


async def test_connection_close_is_honoured(serve: Serve, connections: KeptConnections) -> None:
    scripted, server = await serve(lambda request, n: with_length(OK, b"Connection: close\r\n"))

    for _ in range(3):
        assert await connections.post_json(server, "/m", b"{}", 5) == (200, OK)

    assert scripted.connections == 3


async def test_a_kept_connection_the_server_closed_is_replaced_unseen(
    serve: Serve, connections: KeptConnections
) -> None:
    scripted, server = await serve(lambda request, n: with_length())
    await connections.post_json(server, "/m", b"{}", 5)
    # The server drops its idle connection; the client may not have noticed yet.
    for writer in scripted.writers:
        writer.close()

    assert await connections.post_json(server, "/m", b"{}", 5) == (200, OK)
    assert scripted.connections == 2


async def test_a_kept_connection_closed_as_the_call_is_made_is_tried_once_more(
    serve: Serve, connections: KeptConnections
) -> None:
    # The server reads the second request on the kept connection and closes without a word,
    # as one does when its idle timeout fires at that moment.
    scripted, server = await serve(lambda request, n: None if n == 2 else with_length())
    await connections.post_json(server, "/m", b"{}", 5)

    assert await connections.post_json(server, "/m", b"{}", 5) == (200, OK)
    assert scripted.connections == 2


async def test_a_new_connection_closed_without_an_answer_fails(
    serve: Serve, connections: KeptConnections
) -> None:
    _, server = await serve(lambda request, n: None)

    with pytest.raises(ConnectionFailed):
        await connections.post_json(server, "/m", b"{}", 5)


@pytest.mark.parametrize(
    ("first", "within", "failure"),
    [
        ([b"SSH-2.0-OpenSSH\r\n\r\n"], 5.0, ConnectionFailed),
        ([0.5, *with_length(b'{"late":true}')], 0.2, TimeoutError),
    ],
    ids=["not-http", "too-late"],
)
async def test_after_a_failed_call_the_next_goes_on_a_new_connection(
    serve: Serve,
    connections: KeptConnections,
    first: list[bytes | float | str],
    within: float,
    failure: type[Exception],
) -> None:
    scripted, server = await serve(
        lambda request, n: first if n == 1 else with_length(b'{"n":%d}' % n)
    )

    with pytest.raises(failure):
        await connections.post_json(server, "/m", b"{}", within)
    await asyncio.sleep(0.5)  # whatever comes late has been written by now

    assert await connections.post_json(server, "/m", b"{}", 5) == (200, b'{"n":2}')
    assert scripted.connections == 2


async def test_nobody_listening_fails(connections: KeptConnections) -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()

    with pytest.raises(ConnectionFailed, match="cannot connect"):
        await connections.post_json(Server("127.0.0.1", port, tls=False), "/m", b"{}", 5)


async def test_over_tls_the_servers_certificate_is_checked(serve: Serve, tmp_path: Path) -> None:
    key, cert = self_signed(tmp_path, "localhost")
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    to_the_close: list[bytes | float | str] = [
        b"HTTP/1.1 502 Bad Gateway\r\n\r\n<html>gateway</html>",
        CLOSE,
    ]
    cut = [*to_the_close[:1], 0.05, ABORT]
    scripted, server = await serve(
        lambda request, n: with_length() if n < 3 else to_the_close if n == 3 else cut, server_side
    )
    trusting = KeptConnections(ssl.create_default_context(cafile=str(cert)))
    stranger = KeptConnections()  # the system's authorities: they never signed this one
    try:
        assert await trusting.post_json(server, "/m", b"{}", 5) == (200, OK)
        assert await trusting.post_json(server, "/m", b"{}", 5) == (200, OK)
        assert scripted.connections == 1
        assert b"Host: localhost:%d\r\n" % server.port in scripted.requests[0]
        with pytest.raises(ConnectionFailed, match="CERTIFICATE_VERIFY_FAILED"):
            await stranger.post_json(server, "/m", b"{}", 5)
        # A body that runs to the close ends with the TLS stream.
        assert await trusting.post_json(server, "/m", b"{}", 5) == (502, b"<html>gateway</html>")
        # … and with the connection, when the server closes it without ending the TLS stream.
        assert await trusting.post_json(server, "/m", b"{}", 5) == (502, b"<html>gateway</html>")
    finally:
        await trusting.close()
        await stranger.close()


def test_server_of_an_address() -> None:
    assert Server.of("https://api.telegram.org/botT/getMe") == Server(
        "api.telegram.org", 443, tls=True
    )
    assert Server.of("https://api.telegram.org/x").host_header == "api.telegram.org"
    assert Server.of("http://127.0.0.1:8081/x").host_header == "127.0.0.1:8081"
    assert Server.of("http://[::1]:8081/x").host_header == "[::1]:8081"
    with pytest.raises(ValueError, match="not an http"):
        Server.of("ftp://example.org/")


async def test_the_session_turns_a_failed_connection_into_aiograms_network_error(
    serve: Serve,
) -> None:
    _, server = await serve(lambda request, n: None)
    session = JsonSession(api=TelegramAPIServer.from_base(f"http://127.0.0.1:{server.port}"))
    bot = Bot(TOKEN, session=session)
    try:
        with no_retry(), pytest.raises(TelegramNetworkError, match="ConnectionFailed"):
            await bot(SendMessage(chat_id=1, text="hi"))
    finally:
        await session.close()


def test_the_session_refuses_a_proxy_its_connections_would_go_around() -> None:
    with pytest.raises(ValueError, match="no proxy"):
        JsonSession(proxy="socks5://127.0.0.1:1080")
