"""`meterbot import-balances` through the real command line: what is stored is read back through
the one money position (`Storage.money_position`)."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from billing_core.models import Period
from bot.cli import main
from storage.base import MoneyPosition, open_storage

ROOT = Path(__file__).parents[1]
ACCOUNTS = ROOT / "examples" / "accounts.sample.csv"
SAMPLE = ROOT / "examples" / "balances.sample.csv"
HEADER = "account,as_of,balance,last_payment_date,last_payment_amount\n"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\nurl = "sqlite:///{tmp_path}/db/meterbot.sqlite3"\n')
    assert main(["--config", str(path), "db", "migrate"]) == 0  # as an operator creates one
    assert main(["--config", str(path), "import-accounts", str(ACCOUNTS)]) == 0
    return path


def run(config: Path, *argv: str) -> int:
    return main(["--config", str(config), "import-balances", *argv])


def write(
    tmp_path: Path, content: str, name: str = "balances.csv", encoding: str = "utf-8"
) -> str:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return str(path)


def position(config: Path, account: str) -> MoneyPosition:
    url = config.read_text().split('"')[1]

    async def read() -> MoneyPosition:
        storage = await open_storage(url)
        try:
            return await storage.money_position(account, Period(2026, 3))
        finally:
            await storage.close()

    return asyncio.run(read())


def test_the_sample_imports_with_its_russian_sums(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(config, str(SAMPLE)) == 0
    assert "balances: taken 3, older than the stored one 0, rejected 0 of 3 rows" in (
        capsys.readouterr().out
    )
    debtor = position(config, "7123450101")
    assert (debtor.amount, debtor.source, debtor.as_of) == (
        Decimal("1254.30"), "imported", date(2026, 3, 1),
    )  # fmt: skip
    assert (debtor.last_payment_date, debtor.last_payment_amount) == (
        date(2026, 2, 10), Decimal("980.00"),
    )  # fmt: skip
    assert position(config, "7123450102").amount == Decimal("-312.45")
    settled = position(config, "7123450103")
    assert (settled.amount, settled.last_payment_date) == (Decimal(0), None)


def test_an_older_file_changes_nothing_and_is_counted(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config, str(SAMPLE)) == 0
    capsys.readouterr()
    older = write(tmp_path, HEADER + "7123450101,2026-02-01,5000,2026-01-10,100\n"
                  "7123450102,2026-03-01,10,,\n")  # fmt: skip
    assert run(config, older) == 0
    assert "taken 1, older than the stored one 1, rejected 0 of 2 rows" in capsys.readouterr().out
    assert position(config, "7123450101").amount == Decimal("1254.30")
    assert position(config, "7123450102").amount == Decimal(10)  # the same day: the file wins


def test_bad_rows_are_named_with_every_reason_and_the_rest_is_taken(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        HEADER
        + "7123450101,2026-03-01,100.5,,\n"
        + "12345,2026-13-01,много,,\n"
        + "7123450102,2026-03-01,10,2026-02-01,\n"
        + "7123450103,2026-03-01,1.234,2026-04-01,-5\n"
        + "9999999999,2026-03-01,1,,\n"
        + "7123450104,2026-03-01\n",
    )
    assert run(config, path) == 1
    out = capsys.readouterr().out
    assert "taken 1, older than the stored one 0, rejected 5 of 6 rows" in out
    assert (
        "line 3: account must be 10 digits (got 12345); as_of must be a date YYYY-MM-DD "
        "(got 2026-13-01); balance must be a sum in rubles (got много)"
    ) in out
    assert "line 4: last_payment_date and last_payment_amount go together" in out
    assert "line 5: balance must be a sum in rubles with at most 2 decimals (got 1.234)" in out
    assert "last_payment_amount must be more than zero (got -5)" in out
    assert "line 6: account 9999999999 is not in the accounts" in out
    assert "line 7: expected 5 cells, got 2" in out
    assert position(config, "7123450101").amount == Decimal("100.50")
    assert position(config, "7123450102").source == "none"


def test_a_wrong_header_or_encoding_imports_nothing(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(config, write(tmp_path, "account,balance,note\n7123450101,1,x\n")) == 2
    err = capsys.readouterr().err
    assert "meterbot: import-balances:" in err
    assert "unknown column 'note'" in err
    russian = "Лицевой счёт;На дату;Сальдо\n7123450101;01.03.2026;-1,50\n"
    assert run(config, write(tmp_path, russian, "cp.csv", "cp1251")) == 2
    assert "--encoding cp1251" in capsys.readouterr().err
    assert position(config, "7123450101").source == "none"
    assert run(config, "--encoding", "cp1251", write(tmp_path, russian, "cp.csv", "cp1251")) == 0
    assert position(config, "7123450101").amount == Decimal("-1.50")
    noted = write(tmp_path, "account,as_of,balance,note\n7123450102,2026-03-01,7,x\n")
    assert run(config, "--ignore-unknown-columns", noted) == 0
    assert position(config, "7123450102").amount == Decimal(7)


def test_a_missing_file_is_exit_2(config: Path, tmp_path: Path) -> None:
    assert run(config, str(tmp_path / "nowhere.csv")) == 2


def test_a_missing_database_is_refused_and_the_one_used_is_named(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(f'[storage]\nurl = "sqlite:///{tmp_path}/nowhere/meterbot.sqlite3"\n')
    capsys.readouterr()

    assert main(["--config", str(elsewhere), "import-balances", str(SAMPLE)]) == 2

    err = capsys.readouterr().err
    assert err.startswith(
        f"meterbot: import-balances: no meterbot database at sqlite:///{tmp_path}/nowhere/"
    )
    assert "meterbot db migrate" in err
    assert not (tmp_path / "nowhere").exists()
    assert run(config, str(SAMPLE)) == 0
    assert f"database sqlite:///{tmp_path}/db/meterbot.sqlite3 (schema version" in (
        capsys.readouterr().err
    )
