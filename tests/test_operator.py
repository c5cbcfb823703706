"""`import-accounts`, `export-readings` and `db migrate` through the real command line."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

import pytest

from billing_core.models import AccountStatus, MeterKind, Period, Register, Stove
from bot.cli import main
from bot.imports import reader as import_reader
from storage import migrations
from storage.base import ImportRow, UpsertCounts, open_storage
from storage.import_rows import StagedRows
from storage.sqlite import SqliteStorage

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "examples" / "accounts.sample.csv"


@pytest.fixture
def config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A configuration whose database `meterbot db migrate` has made, as an operator would."""
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\nurl = "sqlite:///{tmp_path}/db/meterbot.sqlite3"\n')
    assert main(["--config", str(path), "db", "migrate"]) == 0
    capsys.readouterr()
    return path


@pytest.fixture
def no_database(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere.toml"
    path.write_text(f'[storage]\nurl = "sqlite:///{tmp_path}/nowhere/meterbot.sqlite3"\n')
    return path


def complaints(err: str) -> list[str]:
    """Standard error without the line naming the database the command used."""
    return [line for line in err.splitlines() if not line.startswith("database sqlite:///")]


def run(config: Path, *argv: str) -> int:
    return main(["--config", str(config), *argv])


def write(tmp_path: Path, content: str | bytes, name: str = "accounts.csv") -> str:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return str(path)


def url_of(config: Path) -> str:
    return config.read_text().split('"')[1]


async def stored(config: Path, number: str):  # type: ignore[no-untyped-def]
    storage = await open_storage(url_of(config))
    try:
        return await storage.get_account(number), await storage.count_accounts()
    finally:
        await storage.close()


async def count_accounts(config: Path) -> int:
    storage = await open_storage(url_of(config))
    try:
        return await storage.count_accounts()
    finally:
        await storage.close()


def test_sample_imports_then_updates(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "import-accounts", str(SAMPLE)) == 0
    assert capsys.readouterr().out == "added 12, updated 0, rejected 0\n"

    assert run(config, "import-accounts", str(SAMPLE)) == 0
    assert capsys.readouterr().out == "added 0, updated 12, rejected 0\n"

    account, count = asyncio.run(stored(config, "7123450106"))
    assert count == 12
    assert account.status is AccountStatus.AUTOMATIC
    assert account.meter.kind is MeterKind.THREE_ZONE
    assert account.meter.serial == "008861240"
    assert account.stove is Stove.ELECTRIC
    assert account.phones == ("+79857776655", "+74951234567")


@pytest.fixture(params=["in-process", "reader-process"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Where the file is parsed: here for a small file, in a process of its own for a large
    one; every file counts as large for the second."""
    if request.param == "reader-process":
        monkeypatch.setattr(import_reader, "PARALLEL_FROM_BYTES", 0)
    return str(request.param)


def test_bad_rows_are_reported_and_good_rows_go_in(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], reader: str
) -> None:
    content = (
        "\ufeffzones,account,meter_serial,last_period,last_t1,last_t2\n"  # BOM, any order
        "1,1234567890,0012345,,,\n"
        "1,12345678О0,0012345,,,\n"  # a Cyrillic О among the digits
        "4,2234567890,0012345,,,\n"
        "1,1234567890,0099999,,,\n"
        "2,3234567890,0012345,2026-02,100,\n"
        "\n"
        "1,4234567890,0012345\n"
        "2,5234-567-890,AB-1234,2026-02,100,50\n"
    )
    # Read, but not every row taken: exit 1, so that a scheduled job can tell.
    assert run(config, "import-accounts", write(tmp_path, content)) == 1

    assert capsys.readouterr().out.splitlines() == [
        "added 2, updated 0, rejected 5",
        "line 3: account must be 10 digits, hyphens and spaces allowed (got '12345678О0')",
        "line 4: zones must be 1, 2 or 3 (got 4)",
        "line 5: account 1234567890 already on line 2",
        "line 6: last_t2 is required with last_period",
        "line 8: expected 6 cells, got 3",
    ]
    account, count = asyncio.run(stored(config, "5234567890"))
    assert count == 2
    assert account.meter.serial == "AB1234"


def test_semicolons_and_decimal_commas(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = (
        "account;meter_serial;zones;area_m2;address\n"
        "1234567890;0012345;1;54,3;Москва, Тверская, 7\n"
    )
    assert run(config, "import-accounts", write(tmp_path, content)) == 0

    assert capsys.readouterr().out.splitlines() == ["added 1, updated 0, rejected 0"]
    account, _ = asyncio.run(stored(config, "1234567890"))
    assert str(account.area_m2) == "54.3"
    assert account.address == "Москва, Тверская, 7"


def test_one_undecodable_row_refuses_the_whole_file(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = (
        "account;meter_serial;zones;area_m2;address\n"
        "1234567890;0012345;1;54,3;Москва, Тверская, 7\n"
    ).encode() + b"2234567890;0012346;1;40;\xff\xfe\n"

    assert run(config, "import-accounts", write(tmp_path, content)) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "line 3: not UTF-8 text; if it was saved in Windows-1251" in captured.err
    assert "add --encoding cp1251; nothing was imported" in captured.err
    assert asyncio.run(count_accounts(config)) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("", "empty file", id="empty"),
        pytest.param("account;serial;zones\n", "unknown column 'serial'", id="unknown-column"),
        pytest.param("account,zones\n1234567890,1\n", "missing column meter_serial", id="missing"),
        pytest.param(b"\xff\xfeaccount\n", "not UTF-8", id="not-utf8"),
    ],
)
def test_unusable_file_is_one_line_and_exit_2(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | bytes,
    message: str,
    reader: str,
) -> None:
    path = write(tmp_path, content)

    assert run(config, "import-accounts", path) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(complaints(captured.err)) == 1
    assert message in captured.err
    assert path in captured.err


def test_missing_file(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "import-accounts", "/no/such/accounts.csv") == 2
    err = capsys.readouterr().err
    assert err == "meterbot: import-accounts: /no/such/accounts.csv: cannot read: " + (
        "No such file or directory\n"
    )


def test_the_file_is_streamed_in_batches(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    reader: str,
) -> None:
    from bot import operator

    monkeypatch.setattr(operator, "BATCH_ROWS", 7)
    rows = "".join(f"{1000000000 + i},SN{i:06d},1\n" for i in range(50))
    path = write(tmp_path, "account,meter_serial,zones\n" + rows + "1000000003,SN000009,1\n")

    assert run(config, "import-accounts", path) == 1

    out = capsys.readouterr().out.splitlines()
    assert out == [
        "added 50, updated 0, rejected 1",
        "line 52: account 1000000003 already on line 5",
    ]


def test_the_reading_process_stages_batches_a_few_at_a_time(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot import operator as commands

    monkeypatch.setattr(import_reader, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(import_reader, "STAGED_AHEAD", 2)
    monkeypatch.setattr(commands, "BATCH_ROWS", 7)
    written = SqliteStorage.upsert_accounts
    files_seen: list[list[str]] = []
    folders: set[str] = set()

    async def watched(self: SqliteStorage, rows: Iterable[ImportRow]) -> UpsertCounts:
        assert isinstance(rows, StagedRows)
        folder = os.path.dirname(rows.path)
        folders.add(folder)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        # Wait for the reader to stage the next batch (the last batch has none)...
        while not rows.path.endswith("batch-7.sqlite3") and loop.time() < deadline:
            if len(os.listdir(folder)) >= 2:
                break
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.02)  # ...and give it time to run further ahead, were it let
        files_seen.append(sorted(os.listdir(folder)))
        return await written(self, rows)

    monkeypatch.setattr(SqliteStorage, "upsert_accounts", watched)
    rows = "".join(f"{1000000000 + i},SN{i:06d},1\n" for i in range(50))

    assert (
        run(config, "import-accounts", write(tmp_path, "account,meter_serial,zones\n" + rows)) == 0
    )

    assert capsys.readouterr().out == "added 50, updated 0, rejected 0\n"
    # 50 rows, 7 a batch: the one being written and one read ahead; written ones are deleted.
    assert files_seen == [[f"batch-{n}.sqlite3", f"batch-{n + 1}.sqlite3"] for n in range(7)] + [
        ["batch-7.sqlite3"]
    ]
    [folder] = folders
    assert not os.path.exists(folder)
    assert asyncio.run(stored(config, "1000000049"))[1] == 50


def test_without_a_temporary_folder_the_rows_go_through_the_pipe(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tempfile

    monkeypatch.setattr(import_reader, "PARALLEL_FROM_BYTES", 0)

    def no_folder(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError("No usable temporary directory found")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", no_folder)
    rows = "".join(f"{1000000000 + i},SN{i:06d},1\n" for i in range(5))

    assert (
        run(config, "import-accounts", write(tmp_path, "account,meter_serial,zones\n" + rows)) == 0
    )

    assert capsys.readouterr().out == "added 5, updated 0, rejected 0\n"
    assert asyncio.run(stored(config, "1000000004"))[1] == 5


async def import_to(config: Path, path: Path, out: io.StringIO) -> int:
    from bot import operator as commands

    storage = await open_storage(url_of(config))
    try:
        # As `meterbot import-accounts` opens it.
        with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as text:
            return await commands.import_stream(storage, text, str(path), out=out)
    finally:
        await storage.close()


def visible_lines(terminal: str) -> list[str]:
    """What stays on screen of each line: a carriage return draws over what came before it."""
    return [line.rsplit("\r", 1)[-1] for line in terminal.split("\n")]


@pytest.mark.parametrize("reader", ["in-process", "reader-process"])
def test_on_a_terminal_the_report_comes_after_the_progress_bar(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    from bot import operator as commands

    if reader == "reader-process":
        monkeypatch.setattr(import_reader, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(commands, "_on_terminal", lambda: True)
    terminal = io.StringIO()  # standard output and error on one screen, as in a terminal
    monkeypatch.setattr(sys, "stderr", terminal)
    good = "".join(f"{1000000000 + i},SN{i:06d},1\n" for i in range(3))
    path = Path(write(tmp_path, "account,meter_serial,zones\n" + good + "1000000009,SN000009,4\n"))

    assert asyncio.run(import_to(config, path, terminal)) == 1

    screen = visible_lines(terminal.getvalue())
    assert "import: 100%" in screen[0]
    assert screen[1:] == [
        "added 3, updated 0, rejected 1",
        "line 5: zones must be 1, 2 or 3 (got 4)",
        "",
    ]


def test_on_a_terminal_a_failure_comes_after_the_progress_bar(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import operator as commands

    monkeypatch.setattr(commands, "_on_terminal", lambda: True)
    terminal = io.StringIO()
    monkeypatch.setattr(sys, "stderr", terminal)
    path = Path(write(tmp_path, "account,meter_serial\n1000000000,SN000001\n"))

    assert asyncio.run(import_to(config, path, terminal)) == 2

    screen = visible_lines(terminal.getvalue())
    assert screen[-2] == (
        f"meterbot: import-accounts: {path}: line 1: missing column zones "
        "(required: account, meter_serial, zones)"
    )


def test_export_writes_the_periods_readings(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(config, "import-accounts", str(SAMPLE))
    capsys.readouterr()
    output = tmp_path / "february.csv"

    assert run(config, "export-readings", "--period", "2026-02", "--output", str(output)) == 0

    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        "account,meter_serial,period,t1,t2,t3,source,channel,submitted_at,zones,amount"
    )
    assert len(lines) == 1 + 8  # the sample's February readings
    assert lines[3].startswith("7123450103,0009912644,2026-02,30127,11840,16233,control,import,")
    # Moscow time with its offset, whole seconds; three zones; no bill was told for an import.
    assert re.fullmatch(r".*,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+03:00,3,", lines[3])
    assert not (tmp_path / "february.csv.part").exists()

    assert run(config, "export-readings", "--period", "2026-03") == 0
    assert capsys.readouterr().out == (
        "account,meter_serial,period,t1,t2,t3,source,channel,submitted_at,zones,amount\n"
    )


def test_export_for_excel_keeps_serials_as_text_with_decimal_commas(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = (
        "account,meter_serial,zones,last_period,last_t1,last_t2\n"
        "0123456789,0012345,2,2026-02,4521.5,1800\n"
    )
    assert run(config, "import-accounts", write(tmp_path, content)) == 0
    capsys.readouterr()

    assert run(config, "export-readings", "--period", "2026-02", "--excel") == 0

    out = capsys.readouterr().out
    assert out.startswith("\ufeffaccount;meter_serial;period;t1;t2;t3;source;")
    [row] = list(csv.reader(io.StringIO(out.splitlines()[1]), delimiter=";"))
    assert row[:9] == ['="0123456789"', '="0012345"', "2026-02", "4521,5", "1800", "", "control",
                       "import", row[8]]  # fmt: skip
    assert row[9:] == ["2", ""]


def test_export_into_a_folder_is_refused_before_anything_is_written(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()

    assert run(config, "export-readings", "--period", "2026-02", "--output", str(folder)) == 2

    assert capsys.readouterr().err == (
        f"meterbot: export-readings: {folder}: cannot write: it is a folder; name a file\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "db", "exports"]


def test_export_that_cannot_be_put_in_place_leaves_no_part_file(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(self: Path, target: Path) -> Path:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "replace", refuse)
    output = tmp_path / "february.csv"

    assert run(config, "export-readings", "--period", "2026-02", "--output", str(output)) == 2

    assert complaints(capsys.readouterr().err) == [
        f"meterbot: export-readings: {output}: cannot write: Permission denied"
    ]
    assert not output.exists()
    assert not (tmp_path / "february.csv.part").exists()


@pytest.mark.parametrize("period", ["2026-13", "03.2026", "2026-3", ""])
def test_export_refuses_a_bad_period(
    config: Path, capsys: pytest.CaptureFixture[str], period: str
) -> None:
    assert run(config, "export-readings", "--period", period) == 2
    err = capsys.readouterr().err
    assert err == f"meterbot: export-readings: --period must look like YYYY-MM (got {period!r})\n"


def test_db_migrate_then_up_to_date(no_database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(no_database, "db", "migrate") == 0
    every = [m.version for m in migrations.load("sqlite")]
    assert capsys.readouterr().out == f"applied migrations {', '.join(map(str, every))}\n"
    assert run(no_database, "db", "migrate") == 0
    captured = capsys.readouterr()
    assert captured.out == "schema up to date\n"
    database = f"sqlite:///{no_database.parent}/nowhere/meterbot.sqlite3"
    assert captured.err == f"database {database} (schema version {every[-1]})\n"


def test_imported_last_readings_are_current(config: Path) -> None:
    run(config, "import-accounts", str(SAMPLE))

    url = url_of(config)

    async def check() -> None:
        storage = await open_storage(url)
        try:
            reading = await storage.current_reading("7123450102", Period(2026, 2))
        finally:
            await storage.close()
        assert reading is not None
        assert {r: str(v) for r, v in reading.values.items()} == {
            Register.T1: "20311",
            Register.T2: "8702",
        }

    asyncio.run(check())


def test_the_reading_process_failing_is_reported_with_what_was_committed(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot import operator as commands

    monkeypatch.setattr(import_reader, "PARALLEL_FROM_BYTES", 0)
    path = tmp_path / "accounts.csv"
    path.write_text("account,meter_serial,zones\n1000000000,SN000001,1\n", encoding="utf-8")

    async def import_a_file_gone_meanwhile() -> int:
        storage = await open_storage(url_of(config))
        try:
            with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as text:
                path.unlink()  # the reading process opens the file again, by its path
                path.mkdir()
                return await commands.import_stream(storage, text, str(path), out=sys.stdout)
        finally:
            await storage.close()

    assert asyncio.run(import_a_file_gone_meanwhile()) == 2

    err = capsys.readouterr().err
    assert err.startswith(f"meterbot: import-accounts: {path}: cannot read further: ")
    assert err.endswith("committed before it: added 0, updated 0, rejected 0\n")


def test_a_reader_that_stops_early_ends_the_import_quietly(config: Path, tmp_path: Path) -> None:
    # More report than a pipe holds (64 KiB on Linux), so the writer meets the closed end.
    bad = "".join(f"{1000000000 + i},SN{i:06d},4\n" for i in range(20_000))
    good = "2000000000,SN999999,1\n"
    path = write(tmp_path, "account,meter_serial,zones\n" + good + bad)
    command = [sys.executable, "-m", "bot", "--config", str(config), "import-accounts", path]
    with subprocess.Popen(  # noqa: S603 — our own interpreter and module
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as importer:
        assert importer.stdout is not None
        assert importer.stderr is not None
        first = importer.stdout.readline()
        importer.stdout.close()  # `| head -1`
        errors = importer.stderr.read().decode()
        code = importer.wait(timeout=60)

    assert first == b"added 1, updated 0, rejected 20000\n"
    assert code == 141
    # No traceback, no complaint while Python shuts down: only the database it used.
    assert errors.startswith("database sqlite:///")
    assert len(errors.splitlines()) == 1
    assert asyncio.run(stored(config, "2000000000"))[1] == 1


def test_version_is_the_projects(capsys: pytest.CaptureFixture[str]) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]

    with pytest.raises(SystemExit) as exited:
        main(["--version"])

    assert exited.value.code == 0
    assert capsys.readouterr().out == f"meterbot {project['version']}\n"


RUSSIAN_EXPORT = (
    "Лицевой счёт;Заводской номер;Тарифность;Адрес;Последний период;Т1;\r\n"
    "1234567890;0012345;1;Москва, Тверская, 7;2026-02;4521;\r\n"
)


def test_a_cp1251_file_with_russian_headers_is_taken_with_encoding_cp1251(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, RUSSIAN_EXPORT.encode("cp1251"))

    assert run(config, "import-accounts", path) == 2  # UTF-8 by default: refused whole
    assert "not UTF-8 text" in capsys.readouterr().err
    assert asyncio.run(count_accounts(config)) == 0

    assert run(config, "import-accounts", path, "--encoding", "cp1251") == 0

    assert capsys.readouterr().out.splitlines() == ["added 1, updated 0, rejected 0"]
    account, _ = asyncio.run(stored(config, "1234567890"))
    assert account.address == "Москва, Тверская, 7"
    assert account.meter.serial == "0012345"


def test_a_utf8_file_given_as_cp1251_is_refused_whole(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, RUSSIAN_EXPORT)

    assert run(config, "import-accounts", path, "--encoding", "cp1251") == 2

    err = capsys.readouterr().err
    assert "the file is UTF-8 text, not cp1251: drop --encoding cp1251" in err
    assert asyncio.run(count_accounts(config)) == 0


def test_an_unknown_encoding_is_refused(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, RUSSIAN_EXPORT)
    assert run(config, "import-accounts", path, "--encoding", "klingon") == 2
    assert "unknown --encoding 'klingon'" in capsys.readouterr().err


def test_unknown_columns_refuse_the_file_unless_ignored(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "account;meter_serial;zones;comment;\n1234567890;0012345;1;ok;\n"
        '2234567890;0012346;1;"a; b";\n',
    )

    assert run(config, "import-accounts", path) == 2
    err = capsys.readouterr().err
    assert "unknown column 'comment'" in err
    assert "--ignore-unknown-columns" in err

    assert run(config, "import-accounts", path, "--ignore-unknown-columns") == 0
    assert capsys.readouterr().out == "added 2, updated 0, rejected 0\n"


def test_every_semantic_refusal_is_reported_and_the_exit_code_is_1(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = (
        "account,meter_serial,zones,last_period,last_t1,window_start_day,window_end_day\n"
        "1234567890,0012345,1,2026-02,100,1,31\n"
        "2234567890,0012345,1,,,,\n"  # the meter is active on 1234567890 already
        "3234567890,0012399,1,2999-01,100,,\n"  # a period in the future
        "4234567890,x,7,2026-02,abc,20,10\n"  # four things wrong at once
    )

    assert run(config, "import-accounts", write(tmp_path, content)) == 1

    assert capsys.readouterr().out.splitlines() == [
        "added 1, updated 0, rejected 3",
        "line 3: meter_serial 0012345 is already active on account 1234567890 (line 2); "
        "a meter is active on one account at a time",
        f"line 4: last_period 2999-01 is in the future (the current period is {current()})",
        "line 5: meter_serial must be 4 to 20 letters or digits (got 'x'); zones must be 1, 2 "
        "or 3 (got 7); window_start_day 20 is after window_end_day 10; last_t1 must be a "
        "number (got abc)",
    ]
    account, _ = asyncio.run(stored(config, "1234567890"))
    assert (account.window_start_day, account.window_end_day) == (1, 31)


def current() -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from billing_core.models import Period

    return str(Period.of(datetime.now(ZoneInfo("Europe/Moscow"))))


def test_what_the_database_holds_refuses_rows_in_line_order(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    reader: str,
) -> None:
    from bot import operator as commands

    first = (
        "account,meter_serial,zones,last_period,last_t1\n"
        "1234567890,0012345,1,2026-02,100\n"
        "1234567891,0012346,1,,\n"
        "1234567892,0012347,1,,\n"
    )
    assert run(config, "import-accounts", write(tmp_path, first, "first.csv")) == 0
    capsys.readouterr()
    monkeypatch.setattr(commands, "BATCH_ROWS", 2)  # the database's refusals in two batches
    again = (
        "account,meter_serial,zones,last_period,last_t1\n"
        "1234567890,0012345,1,2026-02,99.5\n"  # below the stored 100
        "2234567890,0012346,1,,\n"  # active on 1234567891 in the database
        "x,0012399,1,,\n"  # the file's own refusal, between the database's
        "3234567890,0012348,1,,\n"
        "4234567890,0012347,1,,\n"  # active on 1234567892 in the database
    )

    assert run(config, "import-accounts", write(tmp_path, again, "again.csv")) == 1

    held = "is already active on account {} in the database; a meter is active on one account"
    assert capsys.readouterr().out.splitlines() == [
        "added 1, updated 0, rejected 4",
        "line 2: last_t1 99.5 is below 100, the reading stored for 2026-02; a meter's reading "
        "never goes down",
        f"line 3: meter_serial 0012346 {held.format('1234567891')} at a time",
        "line 4: account must be 10 digits, hyphens and spaces allowed (got 'x')",
        f"line 6: meter_serial 0012347 {held.format('1234567892')} at a time",
    ]
    assert asyncio.run(stored(config, "2234567890"))[0] is None
    assert asyncio.run(stored(config, "3234567890"))[0] is not None
