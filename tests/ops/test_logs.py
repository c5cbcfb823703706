"""Logging: text and JSON shapes, context fields, and that secrets never reach the output."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from billing_core.models import Account, Meter, MeterKind
from bot.config import (
    LoggingSettings,
    Settings,
    StorageSettings,
    TelegramSettings,
    ViberSettings,
)
from bot.logs import Redactor, log_context, mask_account, secrets_of, setup_logging
from bot.pseudonyms import tag

TELEGRAM_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq"
VIBER_TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    yield stream
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == "meterbot"]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.WARNING)


def _log(fmt: str, stream: io.StringIO) -> logging.Logger:
    setup_logging(
        LoggingSettings(level="DEBUG", format=fmt),  # type: ignore[arg-type]
        secrets=[VIBER_TOKEN, ""],
        stream=stream,
    )
    return logging.getLogger("meterbot.test")


@pytest.mark.parametrize(
    "phone",
    [
        pytest.param("+79991234567", id="compact-plus7"),
        pytest.param("89991234567", id="compact-8"),
        pytest.param("+7 (999) 123-45-67", id="brackets"),
        pytest.param("8 999 123 45 67", id="spaces"),
        pytest.param("8-999-123-45-67", id="hyphens"),
        pytest.param("+7 999 123–45–67", id="en-dashes"),
        pytest.param("8(999)1234567", id="tight-brackets"),
        pytest.param("+7.999.123.45.67", id="dots"),
    ],
)
def test_phone_numbers_are_masked_in_any_spelling(phone: str) -> None:
    redacted = Redactor()(f"contact shared: {phone}, thanks")
    assert redacted == "contact shared: [phone], thanks"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("account 1234567890 reading 004512", id="account-and-reading"),
        pytest.param("update 812345678 handled", id="nine-digits-after-8"),
        pytest.param("id 189991234567", id="twelve-digits"),
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert Redactor()(text) == text


def test_tokens_and_configured_secrets_are_masked() -> None:
    redact = Redactor([VIBER_TOKEN, "short"])
    text = f"GET https://api.telegram.org/bot{TELEGRAM_TOKEN}/getMe; viber {VIBER_TOKEN}; short"
    assert redact(text) == "GET https://api.telegram.org/bot[token]/getMe; viber [secret]; short"


def test_text_format_carries_context_and_hides_secrets(output: io.StringIO) -> None:
    log = _log("text", output)
    with log_context(channel="telegram", update_id=42, account="12345-678-90"):
        log.info("bound by phone %s", "+7 (999) 123-45-67")
    line = output.getvalue().strip()
    shown = f"12345-***-** {tag('1234567890')}"
    assert line.endswith(f"INFO meterbot.test [telegram #42 {shown}] bound by phone [phone]")


def test_json_format_is_one_object_per_line(output: io.StringIO) -> None:
    log = _log("json", output)
    with log_context(channel="viber", update_id="5012"):
        log.warning("token %s leaked?", VIBER_TOKEN, extra={"account": "1234567890"})
        log.info("outside the account")
    log.info("no context")
    first, second, third = (json.loads(line) for line in output.getvalue().splitlines())
    assert first["message"] == "token [secret] leaked?"
    assert (first["channel"], first["update_id"], first["account"]) == (
        "viber",
        "5012",
        f"12345-***-** {tag('1234567890')}",
    )
    assert first["level"] == "WARNING"
    assert "account" not in second
    assert second["channel"] == "viber"
    assert {"channel", "update_id", "account"}.isdisjoint(third)


def test_tracebacks_are_redacted_too(output: io.StringIO) -> None:
    log = _log("json", output)
    try:
        raise RuntimeError(f"POST /bot{TELEGRAM_TOKEN}/sendMessage failed for 89991234567")
    except RuntimeError:
        log.exception("send failed")
    entry = json.loads(output.getvalue())
    assert "RuntimeError: POST /bot[token]/sendMessage failed for [phone]" in entry["exception"]
    assert TELEGRAM_TOKEN not in output.getvalue()


def test_third_party_loggers_are_redacted(output: io.StringIO) -> None:
    _log("text", output)
    logging.getLogger("aiohttp.client").error("GET /bot%s/getUpdates", TELEGRAM_TOKEN)
    assert "GET /bot[token]/getUpdates" in output.getvalue()
    assert TELEGRAM_TOKEN not in output.getvalue()


def test_context_is_restored_after_the_block(output: io.StringIO) -> None:
    log = _log("json", output)
    with log_context(channel="telegram", update_id=1):
        with log_context(update_id=2, account="9876543210"):
            log.info("inner")
        log.info("outer")
    inner, outer = (json.loads(line) for line in output.getvalue().splitlines())
    assert (inner["channel"], inner["update_id"], inner["account"]) == (
        "telegram",
        "2",
        f"98765-***-** {tag('9876543210')}",
    )
    assert (outer["update_id"], "account" in outer) == ("1", False)


def test_setup_twice_keeps_one_handler(output: io.StringIO) -> None:
    _log("text", output)
    _log("json", output)
    ours = [h for h in logging.getLogger().handlers if h.get_name() == "meterbot"]
    assert len(ours) == 1


def test_mask_account_matches_the_model() -> None:
    account = Account(number="0012345678", meter=Meter(serial="0042", kind=MeterKind.SINGLE))
    assert mask_account(account) == account.masked == "00123-***-**"
    assert mask_account("00123 456 78") == "00123-***-**"
    assert mask_account("not an account") == "***"


def test_secrets_of_settings_include_tokens_and_the_database_password() -> None:
    settings = Settings(
        storage=StorageSettings(url="postgresql://meterbot:s3cr3t-pass@db:5432/meterbot"),
        telegram=TelegramSettings(token=SecretStr(TELEGRAM_TOKEN)),
        viber=ViberSettings(auth_token=SecretStr(VIBER_TOKEN)),
    )
    redact = Redactor(secrets_of(settings))
    text = f"connect postgresql://meterbot:s3cr3t-pass@db/meterbot; viber {VIBER_TOKEN}"
    assert redact(text) == "connect postgresql://meterbot:[secret]@db/meterbot; viber [secret]"


def test_accounts_of_one_building_are_told_apart(output: io.StringIO) -> None:
    log = _log("text", output)
    for number in ("1234567890", "1234567891", "1234567890"):
        log.info("reading accepted", extra={"account": number})

    shown = [line.split("[", 1)[1].split("]", 1)[0] for line in output.getvalue().splitlines()]

    assert all(s.startswith("12345-***-** #") for s in shown)  # masked all the same...
    assert shown[0] != shown[1]  # ...but two flats are two pseudonyms
    assert shown[0] == shown[2]  # and one flat keeps its own
    assert "67890" not in output.getvalue()
