"""`/healthz` and `/metrics` on the shared aiohttp application."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot import http
from bot.config import ConfigError, HttpSettings, Settings
from bot.http import build_http_app
from bot.observability import Metrics


class PingStorage:
    """Only what the health check touches: ping answers as told."""

    def __init__(self, answer: Callable[[], Any]) -> None:
        self.answer = answer

    async def ping(self) -> bool:
        result = self.answer()
        if asyncio.iscoroutine(result):
            result = await result
        return bool(result)


def _raise() -> bool:
    raise ConnectionRefusedError("connection refused")


async def _hang() -> bool:
    await asyncio.sleep(30)
    return True


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


async def _client(storage: PingStorage, metrics: Metrics) -> TestClient[Any, Any]:
    app = build_http_app(
        Settings(),
        storage,
        metrics,
        lambda: {"telegram": "webhook", "viber": "off"},
    )
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def healthy(metrics: Metrics) -> AsyncIterator[TestClient[Any, Any]]:
    client = await _client(PingStorage(lambda: True), metrics)
    yield client
    await client.close()


async def test_healthz_ok(healthy: TestClient[Any, Any]) -> None:
    response = await healthy.get("/healthz")
    assert response.status == 200
    assert await response.json() == {
        "status": "ok",
        "storage": "ok",
        "channels": {"telegram": "webhook", "viber": "off"},
    }


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda: False, id="ping-false"),
        pytest.param(_raise, id="ping-raises"),
        pytest.param(_hang, id="ping-hangs"),
    ],
)
async def test_healthz_503_when_storage_is_unreachable(
    answer: Callable[[], Any], metrics: Metrics, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "PING_TIMEOUT_SECONDS", 0.05)
    client = await _client(PingStorage(answer), metrics)
    try:
        response = await client.get("/healthz")
        assert response.status == 503
        body = await response.json()
    finally:
        await client.close()
    assert (body["status"], body["storage"]) == ("unavailable", "unreachable")
    assert metrics.registry.get_sample_value("meterbot_storage_errors_total") == 1


async def test_metrics_exposes_every_family(
    healthy: TestClient[Any, Any], metrics: Metrics
) -> None:
    metrics.on_handled("telegram", 0.03)
    metrics.on_handled("telegram", 0.2)
    metrics.on_handled("viber", 0.01)
    metrics.on_reading_accepted("telegram")
    metrics.on_reading_refused("viber", "outside_window")
    metrics.on_reading_refused("viber", "outside_window")
    metrics.on_bill_computed("actual")
    metrics.on_storage_error()
    metrics.set_campaign_progress(7, "opening", "2026-11", {"pending": 3, "sent": 10})
    metrics.set_campaign_progress(7, "opening", "2026-11", {"pending": 0, "sent": 13})

    response = await healthy.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(await response.text())
        for s in family.samples
    }

    def value(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted(labels.items())))]

    assert value("meterbot_updates_handled_total", channel="telegram") == 2
    assert value("meterbot_updates_handled_total", channel="viber") == 1
    assert value("meterbot_readings_accepted_total", channel="telegram") == 1
    assert value("meterbot_readings_refused_total", channel="viber", reason="outside_window") == 2
    assert value("meterbot_bills_computed_total", basis="actual") == 1
    assert value("meterbot_storage_errors_total") == 1
    assert value("meterbot_handler_seconds_count", channel="telegram") == 2
    assert value("meterbot_handler_seconds_bucket", channel="telegram", le="0.05") == 1
    assert value("meterbot_handler_seconds_bucket", channel="telegram", le="0.25") == 2
    progress = {"campaign": "7", "kind": "opening", "period": "2026-11"}
    assert value("meterbot_campaign_recipients", status="sent", **progress) == 13
    assert value("meterbot_campaign_recipients", status="pending", **progress) == 0


def test_two_metrics_objects_do_not_share_a_registry() -> None:
    first, second = Metrics(), Metrics()
    first.on_reading_accepted("console")
    assert (
        second.registry.get_sample_value(
            "meterbot_readings_accepted_total", {"channel": "console"}
        )
        is None
    )


async def test_start_http_serves_on_the_configured_address(metrics: Metrics) -> None:
    app = build_http_app(Settings(), PingStorage(lambda: True), metrics, dict)
    runner = await http.start_http(app, HttpSettings(host="127.0.0.1", port=0))
    try:
        host, port = runner.addresses[0][:2]
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://{host}:{port}/healthz") as response,
        ):
            assert response.status == 200
            assert (await response.json())["channels"] == {}
    finally:
        await runner.cleanup()


async def test_a_port_in_use_is_one_line_not_a_traceback(metrics: Metrics) -> None:
    storage = PingStorage(lambda: True)
    first = await http.start_http(
        build_http_app(Settings(), storage, metrics, dict), HttpSettings(host="127.0.0.1", port=0)
    )
    try:
        port = first.addresses[0][1]
        second = build_http_app(Settings(), storage, metrics, dict)
        with pytest.raises(ConfigError, match=rf"\[http\] cannot listen on 127.0.0.1:{port}: "):
            await http.start_http(second, HttpSettings(host="127.0.0.1", port=port))
    finally:
        await first.cleanup()


def test_handling_times_the_block_even_when_it_raises(metrics: Metrics) -> None:
    with metrics.handling("viber"):
        pass
    with pytest.raises(RuntimeError), metrics.handling("viber"):
        raise RuntimeError("boom")
    count = metrics.registry.get_sample_value(
        "meterbot_handler_seconds_count", {"channel": "viber"}
    )
    assert count == 2
    handled = {"channel": "viber"}
    assert metrics.registry.get_sample_value("meterbot_updates_handled_total", handled) == 2
