"""The MAX API, or a gateway in front of it, answering garbage, HTML 502 pages, resets and late.

Each fault at start-up and in the middle of a conversation, by long polling and by webhook: the
channel keeps (or regains) serving, `/healthz` answers 503 while it has not served for longer
than the threshold and 200 again after, and once the API answers again every resident gets the
answer they were owed, once; a confirmed reading is stored once. Recovery times are printed
(`pytest -s`) for docs/operations/faults.md.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, cast

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from billing_core.models import Period
from bot.channels import SendOutcome
from bot.config import Settings
from bot.demo import seed_demo
from bot.health import Health
from bot.http import build_http_app
from bot.max import MaxRuntime, start_max
from bot.max.client import build_bot
from bot.max.sender import max_sender
from bot.observability import Metrics
from bot.supervisor import Supervisor
from bot.wiring import build_engine
from dialogs.events import ChatRef
from dialogs.replies import Reply
from storage.base import Storage, open_storage
from tests.faults.chaos import GATEWAY_403, HTML_502, Fault
from tests.faults.max_api import FaultyMax, faulty_max
from tests.max import updates
from tests.max.conftest import max_settings
from tests.max.emulator import Sent
from tests.max.resident import MaxResident
from tests.telegram.updates import OPEN_DAY

RESIDENT = 7101
ACCOUNT, SERIAL = "1234567890", "0012345"  # demo: single-rate, last reading 46 470
POLL_SECONDS = 1
# Longer than a long poll (POLL_SECONDS and the way back), far shorter than production's 45 s.
REQUEST_TIMEOUT = 3.0
EVERY_PATH = ("/me", "/updates", "/messages", "/answers", "/subscriptions")

FAULTS = {
    "html-502": Fault("garbage", 502, HTML_502, "text/html"),
    "gateway-json-403": Fault("garbage", 403, GATEWAY_403),
    "html-200": Fault("garbage", 200, b"<html>maintenance</html>", "text/html"),
    "reset": Fault("reset"),
}


@pytest.fixture
async def api() -> AsyncIterator[FaultyMax]:
    async with faulty_max() as emulator:
        yield emulator


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_storage(f"sqlite:///{tmp_path}/faults-max.sqlite3")
    try:
        await seed_demo(opened, now=OPEN_DAY)
        yield opened
    finally:
        await opened.close()


class Running:
    """The MAX channel serving against the faulty API, with its health and supervisor."""

    def __init__(
        self, api: FaultyMax, storage: Storage, supervisor: Supervisor, health: Health
    ) -> None:
        self.api = api
        self.storage = storage
        self.supervisor = supervisor
        self.health = health
        self.runtime: MaxRuntime | None = None
        self.server: TestServer | None = None

    async def start(self, mode: str = "polling") -> MaxRuntime:
        settings = max_settings(self.api.api_base, mode=mode)
        app = web.Application()
        engine = build_engine(settings, self.storage, clock=lambda: OPEN_DAY)
        bot = build_bot(settings.max, backoff=0.01, request_timeout=REQUEST_TIMEOUT)
        self.runtime = await start_max(
            settings,
            engine,
            app,
            bot=bot,
            poll_timeout=POLL_SECONDS,
            supervisor=self.supervisor,
            health=self.health,
        )
        if mode == "webhook":
            self.server = TestServer(app, host="127.0.0.1", port=0)
            await self.server.start_server()
            self.runtime.webhook_url = str(self.server.make_url(settings.max.webhook_path))
            self.runtime.start_webhook()
        return self.runtime

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.close()
        if self.runtime is not None:
            await self.runtime.stop(grace=5)

    def resident(self, user_id: int = RESIDENT) -> MaxResident:
        return MaxResident(self.api, user_id, self.settle)

    async def settle(self) -> None:
        await wait_until(lambda: self.api.pending == 0, seconds=10)
        assert self.runtime is not None
        await self.runtime.channel.wait_idle()

    @property
    def channel_serving(self) -> bool:
        return self.health.channels["max"].serving()

    async def healthz(self) -> tuple[int, dict[str, Any]]:
        app = build_http_app(Settings(), self.storage, Metrics(), self.health)
        client: TestClient[Any, Any] = TestClient(TestServer(app))
        await client.start_server()
        try:
            response = await client.get("/healthz")
            return response.status, cast(dict[str, Any], await response.json())
        finally:
            await client.close()


@pytest.fixture
async def running(
    api: FaultyMax, storage: Storage, supervisor: Supervisor
) -> AsyncIterator[Running]:
    bot = Running(api, storage, supervisor, Health(unhealthy_after=0.8))
    try:
        yield bot
    finally:
        await bot.stop()


async def wait_until(predicate: Callable[[], bool], seconds: float = 20.0) -> None:
    """Poll `predicate` until true: the bot works in its own tasks, over HTTP."""
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110 - the calls arrive over HTTP, no event to await
            await asyncio.sleep(0.01)


def fresh(api: FaultyMax, seen: int, user_id: int = RESIDENT) -> list[Sent]:
    return api.to(user_id)[seen:]


@pytest.mark.parametrize(
    ("fault", "when"),
    [
        ("html-502", "start-up"),
        ("reset", "start-up"),
        ("html-200", "start-up"),
        ("gateway-json-403", "mid-conversation"),
        ("html-502", "mid-conversation"),
        ("reset", "mid-conversation"),
    ],
)
async def test_polling_answers_what_came_during_an_outage_once_the_api_is_back(
    fault: str, when: str, api: FaultyMax, running: Running
) -> None:
    if when == "start-up":
        api.chaos.down(FAULTS[fault], *EVERY_PATH)
        await running.start()
    else:
        await running.start()
        await running.resident().start()
        api.chaos.down(FAULTS[fault], *EVERY_PATH)
    seen = len(api.to(RESIDENT))
    # Not serving for longer than the threshold: a poll already under way when the outage
    # began may still succeed, so the outage is judged by health itself, not by a fixed sleep.
    await wait_until(lambda: running.health.down() == ["max"])
    status, body = await running.healthz()
    assert status == 503, body
    assert body["channels"]["max"]["serving"] is False
    await api.deliver(updates.message_created(RESIDENT, "mid.outage.1", "/help"))
    await asyncio.sleep(0.5)
    assert fresh(api, seen) == []  # nothing could be taken or sent meanwhile
    outage_over = time.monotonic()
    api.chaos.up()
    await wait_until(lambda: bool(fresh(api, seen)))
    answered = time.monotonic() - outage_over
    await wait_until(lambda: running.channel_serving)
    healthy = time.monotonic() - outage_over
    status, _ = await running.healthz()
    assert status == 200
    await running.settle()
    await asyncio.sleep(POLL_SECONDS)  # a redelivery, were there one, would have come by now
    [reply] = fresh(api, seen)
    assert "/submit" in reply.text
    assert running.supervisor.restarts.get("max-polling", 0) == 0  # the loop itself held
    print(
        f"\nmax {fault} at {when}: answered {answered:.2f} s, serving again {healthy:.2f} s "
        "after the API came back"
    )
    assert answered < 15.0  # the poller pauses at most 30 s; a short outage, far less


async def bound_and_previewed(running: Running) -> MaxResident:
    resident = running.resident()
    await resident.start()
    await resident.press("Согласен")
    await resident.say(f"/bind {ACCOUNT} {SERIAL}")
    assert "привязан" in resident.last().text
    await resident.say("/submit 46700")
    assert "Проверьте показания" in resident.last().text
    return resident


@pytest.mark.parametrize("fault", sorted(FAULTS))
async def test_a_confirmation_whose_receipt_meets_a_fault_is_stored_once_and_shown_once(
    fault: str, running: Running, api: FaultyMax, storage: Storage
) -> None:
    await running.start()
    resident = await bound_and_previewed(running)
    seen = len(resident.messages())
    for path in ("/messages", "/answers"):  # the receipt goes by either, as the press allows
        api.chaos.queued[path].extend([FAULTS[fault]] * 2)
    await resident.press("Всё верно, передать")
    receipts = [m for m in fresh(api, seen) if "Показания приняты" in m.text]
    assert len(receipts) == 1
    assert not [m for m in fresh(api, seen) if "попробуйте" in m.text.lower()]  # no apology
    history = await storage.reading_history(ACCOUNT, Period.of(OPEN_DAY))
    assert [str(v) for r in history for v in r.values.values()] == ["46700"]
    profile = await storage.get_profile(ChatRef("max", str(RESIDENT)))
    assert profile is not None
    assert not profile.blocked  # a gateway's 403 is not the resident stopping the bot


@pytest.mark.parametrize("when", ["start-up", "mid-conversation"])
async def test_a_long_poll_that_hangs_past_the_timeout_is_asked_again(
    when: str, running: Running, api: FaultyMax
) -> None:
    hung_from = time.monotonic()
    if when == "start-up":
        # The check for an old subscription hangs too: polling starts all the same.
        api.chaos.hang("/subscriptions", seconds=REQUEST_TIMEOUT + 5)
        api.chaos.hang("/updates", seconds=REQUEST_TIMEOUT + 5, times=2)
        await running.start()
    else:
        await running.start()
        await running.resident().start()
        hung_from = time.monotonic()
        api.chaos.hang("/updates", seconds=REQUEST_TIMEOUT + 5, times=2)
    seen = len(api.to(RESIDENT))
    await wait_until(lambda: running.health.down() == ["max"], seconds=15)
    status, _ = await running.healthz()
    assert status == 503
    await api.deliver(updates.message_created(RESIDENT, "mid.hang.1", "/help"))
    await wait_until(lambda: bool(fresh(api, seen)), seconds=20)
    answered = time.monotonic() - hung_from
    await wait_until(lambda: running.channel_serving)
    status, _ = await running.healthz()
    assert status == 200
    await running.settle()
    await asyncio.sleep(POLL_SECONDS)
    [reply] = fresh(api, seen)
    assert "/submit" in reply.text
    print(f"\nmax GET /updates hanging twice at {when}: answered {answered:.2f} s after it began")


async def test_a_reply_that_times_out_is_sent_again(running: Running, api: FaultyMax) -> None:
    await running.start()
    resident = running.resident()
    await resident.start()
    seen = len(resident.messages())
    api.chaos.hang("/messages", seconds=REQUEST_TIMEOUT + 1)
    await api.deliver(updates.message_created(RESIDENT, "mid.late.1", "/help"))
    await wait_until(lambda: bool(fresh(api, seen)), seconds=20)
    await running.settle()
    await asyncio.sleep(1.5)  # the late call, too, reaches the API by now
    # The late call may still be handled by the API: MAX can then show it twice, the
    # documented price of never leaving a resident without an answer.
    replies = fresh(api, seen)
    assert 1 <= len(replies) <= 2
    assert all("/submit" in reply.text for reply in replies)


@pytest.mark.parametrize("fault", ["html-502", "gateway-json-403", "html-200", "reset"])
async def test_webhook_mode_subscribes_once_the_api_takes_it(
    fault: str, running: Running, api: FaultyMax
) -> None:
    api.chaos.down(FAULTS[fault], "/subscriptions")
    await running.start("webhook")
    await wait_until(lambda: api.chaos.hits["/subscriptions"] >= 2)
    await wait_until(lambda: running.health.down() == ["max"])
    status, body = await running.healthz()
    assert status == 503
    assert body["channels"]["max"]["error"].startswith("subscribe: ")
    outage_over = time.monotonic()
    api.chaos.up()
    await wait_until(lambda: running.channel_serving and bool(api.subscriptions))
    recovered = time.monotonic() - outage_over
    status, _ = await running.healthz()
    assert status == 200
    assert running.supervisor.restarts["max-webhook"] >= 1
    resident = running.resident()
    [welcome] = await resident.start()
    assert "согласие" in welcome.text
    print(f"\nmax {fault} at start-up, webhook: subscribed {recovered:.2f} s after")
    assert recovered < 5.0


async def test_a_campaign_takes_a_gateways_403_for_a_passing_failure_not_a_stopped_bot(
    api: FaultyMax,
) -> None:
    api.chaos.garbage("/messages", 403, GATEWAY_403)
    async with max_sender(max_settings(api.api_base)) as sender:
        gateway = await sender.send(str(RESIDENT), [Reply("Напоминание")])
        api.stopped.add(RESIDENT)  # now MAX itself refuses: the resident stopped the bot
        stopped = await sender.send(str(RESIDENT), [Reply("Напоминание")])
    assert (gateway.outcome, gateway.permanent) == (SendOutcome.FAILED, False)
    assert (stopped.outcome, stopped.permanent) == (SendOutcome.BLOCKED, True)
