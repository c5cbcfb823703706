"""Secrets and logs: a database password appears in no message of any command, every command
logs through the redacting handler, a log record is one line, and the libraries that would log
personal data at DEBUG stay above it."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import LoggingSettings
from bot.logs import QUIET_LIBRARIES, escape_controls, setup_logging
from storage.base import hide_password

PASSWORD = "Sup3r-S3cret-Pw"
URLS = (
    f"postgresql://meterbot:{PASSWORD}@127.0.0.1:1/meterbot",  # nothing listens on port 1
    f"postgresql://meterbot:{PASSWORD}@127.0.0.1:notaport/meterbot",  # asyncpg quotes it
    f"mysql://meterbot:{PASSWORD}@db/meterbot",  # not an engine we know
    f"sqlite://meterbot:{PASSWORD}@/data/x.sqlite3",  # not a SQLite url
)
COMMANDS = (
    ("db", "migrate"),
    ("import-accounts", "missing.csv"),
    ("export-readings", "--period", "2026-01"),
    ("close-period", "--period", "2026-01", "--dry-run"),
    ("remind", "opening", "--dry-run"),
    ("chat",),
    ("run",),
    ("db", "copy", "--to", f"postgresql://other:{PASSWORD}x@127.0.0.1:1/target"),
)


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_no_command_prints_the_database_password(
    url: str,
    command: tuple[str, ...],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "missing.csv").write_text("account,meter_serial,zones\n", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "{url}"\n', encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    code = main(["--config", str(config), *command])

    out, err = capsys.readouterr()
    assert code != 0
    assert PASSWORD not in out + err, (out + err)[-400:]
    assert err.strip()  # it said what went wrong


def test_hide_password() -> None:
    assert hide_password(URLS[0]) == "postgresql://meterbot:***@127.0.0.1:1/meterbot"
    assert PASSWORD not in hide_password(URLS[1])
    assert hide_password("postgresql://meterbot@db/m") == "postgresql://meterbot@db/m"


def test_a_log_record_is_one_line_whatever_it_quotes() -> None:
    stream = io.StringIO()
    handler = setup_logging(LoggingSettings(level="INFO"), stream=stream)
    try:
        forged = "timeout\n2026-12-02 01:00:00 INFO bot.app meterbot is stopping\x1b[2J"
        logging.getLogger("bot.viber.webhook").warning("viber message failed: %s", forged)
    finally:
        logging.getLogger().removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert "\\n2026-12-02" in lines[0]
    assert "\\x1b[2J" in lines[0]
    assert escape_controls("tab\tstays") == "tab\tstays"


def test_libraries_that_log_personal_data_stay_above_debug() -> None:
    handler = setup_logging(LoggingSettings(level="DEBUG"), stream=io.StringIO())
    try:
        assert logging.getLogger("bot").isEnabledFor(logging.DEBUG)
        for name in QUIET_LIBRARIES:
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
