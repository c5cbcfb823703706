"""Attacks on the HTTP application as `meterbot run` builds it (`build_http_app`, the Viber and
Telegram webhooks on it, `start_http`), served on 127.0.0.1 and hit with raw sockets: slow
headers, idle connections, stalled and aborted bodies, oversized and nested bodies, floods."""

from __future__ import annotations

import asyncio
import json
import logging
import resource
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from bot.config import HttpSettings, Settings
from bot.http import build_http_app, start_http
from bot.http_guard import BODY_TIMEOUT_KEY, MAX_BODY_BYTES, loads_json
from bot.observability import Metrics
from bot.viber import ViberRuntime, start_viber
from tests.viber import callbacks
from tests.viber.conftest import TOKEN, FakeEngine, FakeStorage, viber_settings
from tests.viber.emulator import ViberEmulator

PATH = "/viber/webhook"
IDLE = 1.0  # the server's idle and body timeouts in these tests, seconds
WELL_FORMED = "ab" * 32  # a signature of the right form, not the right value


class Up:
    """The health check's port: the database answers."""

    async def ping(self) -> bool:
        return True


@dataclass
class Served:
    port: int
    runtime: ViberRuntime
    engine: FakeEngine

    async def raw(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)

    async def post(self, body: bytes, signature: str | None = None) -> int:
        headers = {"X-Viber-Content-Signature": signature or callbacks.sign(body, TOKEN)}
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{self.port}{PATH}", data=body, headers=headers
            ) as response,
        ):
            await response.read()
            return response.status


@pytest.fixture
async def served(emulator: ViberEmulator) -> AsyncIterator[Served]:
    settings = viber_settings(emulator.api_base, "http://127.0.0.1", Settings())
    storage = FakeStorage()
    app = build_http_app(settings, Up(), Metrics(), dict)
    app[BODY_TIMEOUT_KEY] = IDLE
    engine = FakeEngine(storage)
    async with aiohttp.ClientSession() as session:
        runtime = await start_viber(settings, engine, app, session)
        runner = await start_http(app, HttpSettings(host="127.0.0.1", port=0), idle_timeout=IDLE)
        port = runner.addresses[0][1]
        try:
            yield Served(port, runtime, engine)
        finally:
            await runner.cleanup()


def head(length: int, signature: str | None = None) -> bytes:
    lines = [f"POST {PATH} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}",
             "Content-Type: application/json"]  # fmt: skip
    if signature is not None:
        lines.append(f"X-Viber-Content-Signature: {signature}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """Everything the server sends until it closes the connection, within `seconds`."""
    async with asyncio.timeout(seconds):
        return await reader.read()


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def test_slow_headers_are_closed_within_the_timeout(served: Served) -> None:
    reader, writer = await served.raw()
    started = asyncio.get_running_loop().time()
    writer.write(b"POST /viber/webhook HTTP/1.1\r\nHost: x\r\n")

    async def dribble() -> None:
        for n in range(100):
            writer.write(f"X-Slow-{n}: 1\r\n".encode())
            await asyncio.sleep(0.1)

    dribbling = asyncio.create_task(dribble())
    try:
        await closed_within(reader, IDLE + 1.5)
    finally:
        dribbling.cancel()
        writer.close()
    assert asyncio.get_running_loop().time() - started < IDLE + 1.5


async def test_an_idle_connection_is_closed(served: Served) -> None:
    reader, writer = await served.raw()
    assert await closed_within(reader, IDLE + 1.5) == b""
    writer.close()


async def test_no_signature_is_refused_before_the_body_is_read(served: Served) -> None:
    # Headers announce a body that never comes: the answer does not wait for it.
    for signature in (None, "not-hex", "ab" * 31, "zz" * 32):
        reader, writer = await served.raw()
        writer.write(head(60_000, signature) + b"{")
        async with asyncio.timeout(IDLE / 2):
            answer = await reader.readuntil(b"\r\n\r\n")
        writer.close()
        assert answer.startswith(b"HTTP/1.1 403"), (signature, answer[:40])


async def test_stalled_bodies_are_closed_and_hold_little_memory(served: Served) -> None:
    connections = 300
    before = rss_mib()
    opened = []
    for _ in range(connections):
        reader, writer = await served.raw()
        # A signature of the right form, so the body is read; most of it sent, then nothing.
        writer.write(head(MAX_BODY_BYTES - 100, WELL_FORMED) + b"x" * (MAX_BODY_BYTES - 200))
        opened.append((reader, writer))
    await asyncio.sleep(IDLE / 2)
    grown = rss_mib() - before
    answers = await asyncio.gather(*(closed_within(r, 2 * IDLE + 2) for r, _ in opened))
    for _, writer in opened:
        writer.close()
    # About 40 MiB here: 19 MiB of bodies and each connection's buffers. The old 1 MiB limit
    # would have let these 300 hold 300 MiB, and with no timeout they stayed.
    assert grown < 96, f"{grown:.0f} MiB for {connections} stalled bodies"
    # Each answered 408 at the body timeout, and closed (what was read is let go).
    assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers)


async def test_a_body_above_64_kib_is_refused(served: Served) -> None:
    body = json.dumps({"event": "webhook", "pad": "x" * MAX_BODY_BYTES}).encode()
    assert await served.post(body) == 413


async def test_a_nested_json_bomb_is_a_400_without_a_traceback(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    for bomb in (b"[" * 60_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000):
        assert await served.post(bomb) == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text


def test_loads_json_counts_brackets_in_strings_as_text() -> None:
    text = json.dumps({"message": {"text": "[[[[" * 100 + "{{{{" * 100}})
    assert loads_json(text)["message"]["text"].startswith("[[[[")
    with pytest.raises(ValueError, match="nested deeper"):
        loads_json("[" * 33 + "]" * 33)
    assert loads_json("[" * 32 + "]" * 32) == [
        [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
    ]


async def test_an_aborted_body_is_one_info_line(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _reader, writer = await served.raw()
    writer.write(head(10_000, WELL_FORMED) + b"x" * 100)
    await writer.drain()
    await asyncio.sleep(0.1)
    writer.transport.abort()
    await asyncio.sleep(0.3)
    mine = [r for r in caplog.records if "went away" in r.getMessage()]
    assert len(mine) == 1
    assert mine[0].levelno == logging.INFO
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]


async def test_one_flooding_resident_is_throttled_and_others_still_served(
    served: Served,
) -> None:
    flood = [callbacks.text("flooder==", f"{n}") for n in range(300)]
    statuses = await asyncio.gather(*(served.post(json.dumps(b).encode()) for b in flood))
    assert set(statuses) == {200}  # Viber must not retry what was dropped on purpose
    await served.runtime.webhook.wait_idle()
    handled = [e for e in served.engine.events if e.chat.user_id == "flooder=="]
    assert len(handled) <= 25  # the burst, and what refilled meanwhile

    assert await served.post(json.dumps(callbacks.text("calm==", "hello")).encode()) == 200
    await served.runtime.webhook.wait_idle()
    assert [e.chat.user_id for e in served.engine.events][-1] == "calm=="


async def test_callbacks_in_flight_are_bounded(served: Served) -> None:
    webhook = served.runtime.webhook
    webhook.max_in_flight = 3
    release = asyncio.Event()
    handled: list[str] = []

    async def stuck(event: Any, *_: Any) -> list[Any]:
        handled.append(event.chat.user_id)
        await release.wait()
        return []

    served.engine.handle = stuck  # type: ignore[method-assign]
    statuses = []
    for n in range(6):
        body = json.dumps(callbacks.text(f"user{n}==", "hi")).encode()
        statuses.append(await served.post(body))
    release.set()
    await webhook.wait_idle()
    # Three in hand; the rest are told to come back later, and Viber delivers them again.
    assert statuses == [200, 200, 200, 503, 503, 503]
    assert handled == ["user0==", "user1==", "user2=="]
