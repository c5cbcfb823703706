"""The thin client and the sender against the emulator: statuses, retries, timeouts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from viberbot.api.viber_requests import create_request

from bot.channels import SendOutcome
from bot.viber.client import ViberApiError, ViberClient, ViberTransportError
from bot.viber.sender import ViberSender
from dialogs.replies import Reply
from tests.viber import callbacks
from tests.viber.conftest import TOKEN, viber_settings
from tests.viber.emulator import Answer, ViberEmulator

RESIDENT = "01234567890A="


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as opened:
        yield opened


def client_for(
    emulator: ViberEmulator, session: aiohttp.ClientSession, **options: Any
) -> ViberClient:
    options.setdefault("backoff", 0.01)
    return ViberClient(session, TOKEN, emulator.api_base, **options)


def sender_for(
    emulator: ViberEmulator, session: aiohttp.ClientSession, **options: Any
) -> ViberSender:
    settings = viber_settings(emulator.api_base, "")
    client = client_for(emulator, session, **options)
    return ViberSender(client, settings)


async def test_messages_carry_the_token_header_and_return_viber_token(
    emulator: ViberEmulator, session: aiohttp.ClientSession
) -> None:
    token = await client_for(emulator, session).send_message(
        {"receiver": RESIDENT, "type": "text", "text": "Здравствуйте", "sender": {"name": "Бот"}}
    )
    assert token.isdigit()
    [call] = emulator.calls
    assert call.headers["X-Viber-Auth-Token"] == TOKEN
    assert call.body["text"] == "Здравствуйте"


async def test_status_not_zero_in_a_200_answer_is_an_error(
    emulator: ViberEmulator, session: aiohttp.ClientSession
) -> None:
    emulator.answer_next(Answer(status=3, status_message="badData"))
    with pytest.raises(ViberApiError) as caught:
        await client_for(emulator, session).send_message({"receiver": RESIDENT})
    assert (caught.value.status, caught.value.status_message) == (3, "badData")
    assert len(emulator.calls) == 1  # a refusal is not retried


async def test_5xx_is_retried_then_succeeds(
    emulator: ViberEmulator, session: aiohttp.ClientSession
) -> None:
    emulator.answer_next(Answer(http_status=500), Answer(http_status=503))
    await client_for(emulator, session).send_message({"receiver": RESIDENT, "text": "x"})
    assert [call.endpoint for call in emulator.calls] == [
        "send_message!",
        "send_message!",
        "send_message",
    ]


async def test_timeouts_are_retried_and_then_reported(
    emulator: ViberEmulator, session: aiohttp.ClientSession
) -> None:
    emulator.answer_next(*[Answer(delay=0.5)] * 3)
    client = client_for(emulator, session, timeout=0.05, attempts=3)
    with pytest.raises(ViberTransportError) as caught:
        await client.send_message({"receiver": RESIDENT})
    assert "timed out" in str(caught.value)
    assert not caught.value.permanent


@pytest.mark.parametrize("http_status", [408, 429])
async def test_a_gateways_timeout_and_rate_limit_are_retried(
    emulator: ViberEmulator, session: aiohttp.ClientSession, http_status: int
) -> None:
    emulator.answer_next(Answer(http_status=http_status))
    await client_for(emulator, session).send_message({"receiver": RESIDENT, "text": "x"})
    assert [call.endpoint for call in emulator.calls] == ["send_message!", "send_message"]


async def test_4xx_is_permanent_and_not_retried(
    emulator: ViberEmulator, session: aiohttp.ClientSession
) -> None:
    emulator.answer_next(Answer(http_status=400))
    with pytest.raises(ViberTransportError) as caught:
        await client_for(emulator, session).send_message({"receiver": RESIDENT})
    assert caught.value.permanent
    assert len(emulator.calls) == 1


async def test_unreachable_viber_is_a_transport_error(session: aiohttp.ClientSession) -> None:
    from aiohttp.test_utils import unused_port

    client = ViberClient(session, TOKEN, f"http://127.0.0.1:{unused_port()}/pa", backoff=0.01)
    with pytest.raises(ViberTransportError):
        await client.get_account_info()


@pytest.mark.parametrize(
    ("answers", "outcome", "permanent", "blocked"),
    [
        pytest.param([], SendOutcome.SENT, False, False, id="sent"),
        pytest.param(
            [Answer(status=6, status_message="receiverNotSubscribed")],
            SendOutcome.BLOCKED,
            True,
            True,
            id="unsubscribed",
        ),
        pytest.param(
            [Answer(status=5, status_message="receiverNotRegistered")],
            SendOutcome.BLOCKED,
            True,
            True,
            id="not registered",
        ),
        pytest.param(
            [Answer(status=12, status_message="tooManyRequests")],
            SendOutcome.RETRY_AFTER,
            False,
            False,
            id="rate limited",
        ),
        pytest.param(
            [Answer(status=3, status_message="badData")],
            SendOutcome.FAILED,
            True,
            False,
            id="refused",
        ),
        pytest.param(
            [Answer(http_status=502)] * 3, SendOutcome.FAILED, False, False, id="viber down"
        ),
    ],
)
async def test_sender_outcomes(
    emulator: ViberEmulator,
    session: aiohttp.ClientSession,
    answers: list[Answer],
    outcome: SendOutcome,
    permanent: bool,
    blocked: bool,
) -> None:
    emulator.answer_next(*answers)
    result = await sender_for(emulator, session).send(RESIDENT, [Reply("Напоминание")])
    assert result.outcome is outcome
    assert result.permanent is permanent
    if outcome is SendOutcome.RETRY_AFTER:
        assert result.retry_after > 0
    # The sender only says so; the dialog (a conversation) or the campaign marks the chat.
    assert (result.outcome is SendOutcome.BLOCKED) is blocked


async def test_sender_stops_at_the_first_failure(
    emulator: ViberEmulator, session: aiohttp.ClientSession
) -> None:
    emulator.answer_next(Answer(), Answer(status=6, status_message="receiverNotSubscribed"))
    sender = sender_for(emulator, session)
    result = await sender.send(RESIDENT, [Reply("один"), Reply("два"), Reply("три")])
    assert result.outcome is SendOutcome.BLOCKED
    assert [m["text"] for m in emulator.sent] == ["один"]
    assert sender.channel == "viber"
    assert sender.messages_per_second > 0


@pytest.mark.parametrize(
    "body",
    [
        callbacks.text(RESIDENT, "hello"),
        callbacks.contact(RESIDENT, "+79991234567"),
        callbacks.sticker(RESIDENT),
        callbacks.conversation_started(RESIDENT),
        callbacks.subscribed(RESIDENT),
        callbacks.unsubscribed(RESIDENT),
        callbacks.delivery("delivered", RESIDENT, 1),
        callbacks.delivery("seen", RESIDENT, 1),
        callbacks.delivery("failed", RESIDENT, 1),
        callbacks.webhook(),
    ],
    ids=lambda body: str(body["event"]) + "/" + str(body.get("message", {}).get("type", "")),
)
def test_test_callbacks_are_what_the_sdk_parses(body: dict[str, Any]) -> None:
    parsed = create_request(json.loads(json.dumps(body)))
    assert parsed.event_type == body["event"]


async def test_messages_sent_and_each_failed_attempt_are_counted(
    emulator: ViberEmulator, session: aiohttp.ClientSession
) -> None:
    from bot.observability import Metrics

    metrics = Metrics()
    client = client_for(emulator, session, calls=metrics)
    emulator.answer_next(Answer(http_status=503), Answer(status=3, status_message="badData"))
    with pytest.raises(ViberApiError):
        await client.send_message({"receiver": RESIDENT, "text": "x"})
    await client.send_message({"receiver": RESIDENT, "text": "y"})
    await client.get_account_info()

    assert (
        metrics.registry.get_sample_value("meterbot_channel_errors_total", {"channel": "viber"})
        == 2
    )
    assert (
        metrics.registry.get_sample_value("meterbot_messages_sent_total", {"channel": "viber"})
        == 1
    )
