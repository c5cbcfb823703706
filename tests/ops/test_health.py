"""Channel health: serving on fresh evidence only; `/healthz` 503 once one is down too long."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.health import Health
from bot.http import build_http_app
from bot.observability import Metrics


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Up:
    async def ping(self) -> bool:
        return True


def test_polling_serves_while_its_last_poll_succeeded_recently() -> None:
    clock = Clock()
    health = Health(unhealthy_after=60, clock=clock, wall=lambda: 1_800_000_000.0)
    polling = health.channel("telegram", "polling", fresh_for=75)
    assert not polling.serving()  # nothing proves it serves before the first poll
    clock.now += 10
    assert polling.down_for() == 10
    polling.served()
    assert polling.serving()
    assert health.report()["telegram"] == {
        "mode": "polling",
        "serving": True,
        "last_success": "2027-01-15T08:00:00+00:00",
    }
    clock.now += 5
    polling.failed("getUpdates: TelegramNetworkError: connection refused")
    assert not polling.serving()  # at once, not after the long-poll timeout
    report = health.report()["telegram"]
    assert report["serving"] is False
    assert report["down_seconds"] == 5
    assert "connection refused" in str(report["error"])
    assert health.down() == []
    clock.now += 56
    assert health.down() == ["telegram"]
    polling.served()
    assert health.down() == []
    clock.now += 76  # three long polls without an answer
    assert not polling.serving()


def test_a_webhook_serves_once_registered_and_until_a_failure() -> None:
    clock = Clock()
    health = Health(unhealthy_after=60, clock=clock)
    webhook = health.channel("viber", "webhook")
    clock.now += 61
    assert health.down() == ["viber"]  # never registered since the start
    webhook.served()
    clock.now += 10_000  # no callback for hours is fine: residents may be quiet
    assert webhook.serving()
    assert health.down() == []


def test_success_times_reach_the_metrics() -> None:
    metrics = Metrics()
    health = Health(gauge=metrics, wall=lambda: 1_800_000_123.0)
    health.channel("max", "polling", fresh_for=90).served()
    value = metrics.registry.get_sample_value(
        "meterbot_channel_last_success_timestamp_seconds", {"channel": "max"}
    )
    assert value == 1_800_000_123.0


async def test_healthz_answers_503_once_a_channel_is_down_longer_than_the_threshold() -> None:
    clock = Clock()
    health = Health(unhealthy_after=30, clock=clock)
    telegram = health.channel("telegram", "polling", fresh_for=75)
    telegram.served()
    app = build_http_app(Settings(), Up(), Metrics(), health)
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    try:
        assert (await client.get("/healthz")).status == 200
        telegram.failed("getUpdates: ClientDecodeError")
        clock.now += 29
        response = await client.get("/healthz")
        body = await response.json()
        assert response.status == 200  # a blip: reported, not yet an outage
        assert body["channels"]["telegram"]["serving"] is False
        clock.now += 2
        response = await client.get("/healthz")
        body = await response.json()
        assert response.status == 503
        assert body["status"] == "unavailable"
        assert body["storage"] == "ok"
        assert body["down"] == ["telegram"]
        telegram.served()
        assert (await client.get("/healthz")).status == 200
    finally:
        await client.close()
