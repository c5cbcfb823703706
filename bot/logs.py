"""Logging: readable text by default, one JSON object per line with `[logging] format = "json"`.

Every record carries `channel`, `update_id` and `account` (masked, 12345-***-**), taken from
`extra=` or else from the `log_context(...)` around the current update. A redaction filter on
the handler masks phone numbers, Telegram bot tokens and the configured secrets in every record,
third-party loggers' included, before anything is written.

The JSON formatter is the standard library's `json` over a dozen fields; python-json-logger would
add a dependency for no gain here.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import urlsplit

from billing_core.identifiers import normalize_account
from billing_core.models import Account, Meter, MeterKind
from bot.config import LoggingSettings, Settings
from bot.pseudonyms import tag

CONTEXT_FIELDS = ("channel", "update_id", "account")
# Libraries that log, at DEBUG, statements with their parameters, updates or request bodies:
# account and phone numbers and readings unmasked. They stay at INFO whatever level is asked.
QUIET_LIBRARIES = ("aiosqlite", "asyncpg", "aiogram", "aiohttp", "apscheduler")

_context: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "meterbot_log_context", default=None
)
# Account.masked needs an Account; the meter plays no part in masking.
_NO_METER = Meter(serial="0000", kind=MeterKind.SINGLE)

# +7 or 8 then ten more digits, with any spacing, hyphens, dots or brackets between them.
_SEP = r"[\s\-‐‑‒–—().]*"
PHONE_RE = re.compile(rf"(?<!\d)(?:\+{_SEP}7|8){_SEP}(?:\d{_SEP}){{9}}\d(?!\d)")
TELEGRAM_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
# Shorter configured secrets would mask ordinary words; nobody configures a 5-character token.
MIN_SECRET_LENGTH = 8


def mask_account(account: Account | str) -> str:
    """12345-***-**, as `Account.masked`; text that is not an account number becomes `***`."""
    if isinstance(account, Account):
        return account.masked
    number = normalize_account(account)
    if number is None:
        return "***"
    return Account(number=number, meter=_NO_METER).masked


@contextmanager
def log_context(
    *,
    channel: str | None = None,
    update_id: str | int | None = None,
    account: Account | str | None = None,
) -> Iterator[None]:
    """Attach channel, update id and masked account to every record logged inside the block."""
    values = dict(_context.get() or {})
    if channel is not None:
        values["channel"] = channel
    if update_id is not None:
        values["update_id"] = str(update_id)
    if account is not None:
        values["account"] = shown_account(account)
    token = _context.set(values)
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Fill the context fields from `log_context`; mask an account passed raw through `extra=`."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = _context.get() or {}
        for name in CONTEXT_FIELDS:
            if getattr(record, name, None) is None:
                setattr(record, name, current.get(name))
        account = getattr(record, "account", None)
        if account is not None and not _is_masked(account):
            record.account = shown_account(account)
        return True


class Redactor:
    """Mask phone numbers, Telegram bot tokens and the given secrets in a text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted(
            {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True
        )

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[secret]")
        text = TELEGRAM_TOKEN_RE.sub("[token]", text)
        return PHONE_RE.sub("[phone]", text)


# Control characters but the tab: a newline or an escape sequence in a resident's text or in a
# platform's error description must neither forge a log line nor rewrite a terminal.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """`\\n`, `\\r`, `\\x1b`… written out in place of control characters: one line stays one."""
    return _CONTROL.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x0A:
        return "\\n"
    if code == 0x0D:
        return "\\r"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class RedactionFilter(logging.Filter):
    """Rewrite the record so that its message, traceback and stack never carry a secret, and
    its message is one line (control characters escaped; a traceback keeps its lines)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redact = redactor
        self._traceback_formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = escape_controls(self.redact(record.getMessage()))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._traceback_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class TextFormatter(logging.Formatter):
    """`2026-11-27 10:00:01 INFO bot.telegram [telegram #42 12345-***-**] message`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(context)s%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        parts = [
            getattr(record, "channel", None),
            _prefixed("#", getattr(record, "update_id", None)),
            getattr(record, "account", None),
        ]
        shown = " ".join(p for p in parts if p)
        record.context = f"[{shown}] " if shown else ""
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the context fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def secrets_of(settings: Settings) -> list[str]:
    """The configured secrets the logs must never show."""
    found = [
        settings.telegram.token.get_secret_value(),
        settings.telegram.webhook_secret.get_secret_value(),
        settings.viber.auth_token.get_secret_value(),
        settings.max.token.get_secret_value(),
        settings.max.webhook_secret.get_secret_value(),
        settings.storage.pseudonym_key.get_secret_value(),
    ]
    password = urlsplit(settings.storage.url).password
    if password:
        found.append(password)
    return found


def setup_logging(
    config: LoggingSettings, *, secrets: Iterable[str] = (), stream: IO[str] | None = None
) -> logging.Handler:
    """Install one root handler (replacing any earlier one of ours) and return it."""
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.set_name("meterbot")
    # Order matters: the context first (it may mask a raw account), redaction last, so nothing
    # added by an earlier filter escapes it.
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactionFilter(Redactor(secrets)))
    handler.setFormatter(JsonFormatter() if config.format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "meterbot"]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(config.level)
    # aiogram logs every update at INFO; that is our own handlers' job, with the context.
    logging.getLogger("aiogram.event").setLevel(max(logging.WARNING, root.level))
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
    return handler


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record comes, not what it was at setup (a
    command's caller may have replaced it meanwhile, as tests capturing output do)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _: IO[str]) -> None:
        pass


def shown_account(account: Account | str) -> str:
    """`12345-***-** #3fa2c1`: masked, and a pseudonym that tells accounts apart within this
    process (bot/pseudonyms.py); `***` for text that is not an account number."""
    masked = mask_account(account)
    if masked == "***":
        return masked
    number = account.number if isinstance(account, Account) else normalize_account(account)
    return f"{masked} {tag(number or '')}"


def _is_masked(value: object) -> bool:
    return isinstance(value, str) and (value == "***" or "-***-**" in value)


def _prefixed(prefix: str, value: object) -> str | None:
    return f"{prefix}{value}" if value is not None else None
