"""`meterbot viber set-webhook` and the registration `run` does once it is listening."""

from __future__ import annotations

import argparse

import pytest
from pydantic import SecretStr

from bot.config import Settings, ViberSettings
from bot.viber.cli import set_webhook_command
from bot.viber.runtime import EVENT_TYPES
from tests.viber.conftest import TOKEN, Harness, viber_settings
from tests.viber.emulator import Answer, ViberEmulator

ARGS = argparse.Namespace(command="viber", viber_command="set-webhook")


async def test_registers_the_webhook_of_a_listening_bot(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await set_webhook_command(harness.settings, ARGS) == 0
    [call] = [c for c in harness.emulator.calls if c.endpoint == "set_webhook"]
    expected_url = harness.settings.viber.webhook_url + "/viber/webhook"
    assert call.body == {"url": expected_url, "event_types": list(EVENT_TYPES)}
    assert call.headers["X-Viber-Auth-Token"] == TOKEN
    # Viber checked the URL with a signed `webhook` callback before it agreed.
    assert harness.runtime.webhook.events["webhook"] == 1
    assert expected_url in capsys.readouterr().out


async def test_runtime_registers_once_the_server_listens(harness: Harness) -> None:
    assert await harness.runtime.register_webhook() is True
    assert harness.runtime.webhook.events["webhook"] == 1


async def test_a_url_nobody_serves_is_refused_by_viber(
    emulator: ViberEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    from aiohttp.test_utils import unused_port

    settings = viber_settings(emulator.api_base, f"http://127.0.0.1:{unused_port()}")
    assert await set_webhook_command(settings, ARGS) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "status 1 (invalidUrl)" in err


async def test_a_non_zero_status_is_one_line(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.emulator.answer_next(Answer(status=2, status_message="invalidAuthToken"))
    assert await set_webhook_command(harness.settings, ARGS) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        "meterbot: viber set-webhook: Viber refused the webhook "
        f"{harness.settings.viber.webhook_url}/viber/webhook: status 2 (invalidAuthToken)"
    )


@pytest.mark.parametrize(
    ("viber", "needle"),
    [
        pytest.param(
            ViberSettings(webhook_url="https://bot.example.org"),
            "auth_token is empty",
            id="no token",
        ),
        pytest.param(
            ViberSettings(auth_token=SecretStr(TOKEN)), "webhook_url is empty", id="no url"
        ),
    ],
)
async def test_missing_configuration_is_one_line(
    viber: ViberSettings, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await set_webhook_command(Settings(viber=viber), ARGS) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert err.count("\n") == 1


async def test_full_url_in_webhook_url_is_not_doubled(harness: Harness) -> None:
    full = harness.settings.viber.webhook_url + "/viber/webhook"
    settings = harness.settings.model_copy(
        update={"viber": harness.settings.viber.model_copy(update={"webhook_url": full})}
    )
    assert await set_webhook_command(settings, ARGS) == 0
    [call] = [c for c in harness.emulator.calls if c.endpoint == "set_webhook"]
    assert call.body["url"] == full
