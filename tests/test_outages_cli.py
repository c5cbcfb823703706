"""`meterbot outages import | list | cancel` through the real command line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from storage.base import open_storage
from storage.outages import StoredOutage

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "examples" / "outages.sample.csv"
HEADER = "id,kind,starts,ends,reason,house_id,address,status\n"


@pytest.fixture
def config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A configuration whose database `meterbot db migrate` has made, as an operator would."""
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\nurl = "sqlite:///{tmp_path}/db/meterbot.sqlite3"\n')
    assert main(["--config", str(path), "db", "migrate"]) == 0
    capsys.readouterr()
    return path


def run(config: Path, *argv: str) -> int:
    return main(["--config", str(config), *argv])


def write(tmp_path: Path, content: str) -> str:
    path = tmp_path / "outages.csv"
    path.write_text(content, encoding="utf-8")
    return str(path)


def stored(config: Path) -> list[StoredOutage]:
    url = config.read_text().split('"')[1]

    async def read() -> list[StoredOutage]:
        storage = await open_storage(url)
        try:
            return await storage.list_outages()
        finally:
            await storage.close()

    return asyncio.run(read())


def test_the_sample_imports(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "outages", "import", str(SAMPLE)) == 0
    assert "added 2, updated 0, cancelled 0, rejected 0 of 3 rows" in capsys.readouterr().out
    assert run(config, "outages", "import", str(SAMPLE)) == 0
    assert "added 0, updated 2" in capsys.readouterr().out  # the same file again: no news
    assert [(o.ref, o.buildings) for o in stored(config)] == [
        ("АВ-2026-031", 1),
        ("ПЛ-2026-118", 2),
    ]


def test_list_and_active(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = HEADER + (
        'PAST,emergency,2020-01-01 03:40,2020-01-01 09:00,Авария,,"ул. Ленина, д. 5",\n'
        'NEXT,planned,2099-12-10 10:00,2099-12-10 16:00,Ремонт,,"ул. Ленина, д. 5",\n'
        'NEXT,planned,,,,,"ул. Ленина, д. 7",\n'
    )
    assert run(config, "outages", "import", write(tmp_path, content)) == 0
    capsys.readouterr()

    assert run(config, "outages", "list") == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed == [
        "id\tkind\tstarts\tends\tstatus\tbuildings\tchats told\treason",
        "PAST\temergency\t2020-01-01 03:40\t2020-01-01 09:00\tover\t1\t0\tАвария",
        "NEXT\tplanned\t2099-12-10 10:00\t2099-12-10 16:00\tactive\t2\t0\tРемонт",
    ]
    assert run(config, "outages", "list", "--active") == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == ["id", "NEXT"]


def test_a_changed_time_is_news(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = 'X1,emergency,2030-01-01 10:00,{ends},Авария,,"ул. Ленина, д. 5",\n'
    assert (
        run(
            config,
            "outages",
            "import",
            write(tmp_path, HEADER + row.format(ends="2030-01-01 12:00")),
        )
        == 0
    )
    capsys.readouterr()
    assert (
        run(
            config,
            "outages",
            "import",
            write(tmp_path, HEADER + row.format(ends="2030-01-01 14:00")),
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "news for residents already told: X1" in out
    [outage] = stored(config)
    assert outage.revision == 2


def test_a_bad_row_rejects_its_whole_outage_only(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = HEADER + (
        'GOOD,planned,2030-01-01 10:00,2030-01-01 12:00,Ремонт,,"ул. Ленина, д. 5",\n'
        'BAD,planned,2030-01-01 10:00,2030-01-01 12:00,Ремонт,,"ул. Ленина, д. 7",\n'
        "BAD,emergency,,,,not-a-guid,,\n"
        'BAD,,2030-01-02 10:00,,,,"ул. Ленина, д. 9",\n'
        'WORSE,sometimes,2030-01-01 10:00,2030-01-01 09:00,,,"ул. Ленина, д. 5",\n'
        'NOHOUSE,planned,2030-01-01 10:00,2030-01-01 12:00,,,"ул. Ленина",\n'
    )
    assert run(config, "outages", "import", write(tmp_path, content)) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "outages: added 1, updated 0, cancelled 0, rejected 5 of 6 rows"
    assert out[1:] == [
        "line 3: outage BAD is not taken: its line 4 is rejected",
        "line 4: kind 'emergency' differs from 'planned' on line 3 (an outage has one kind); "
        "house_id must be a GUID like 0c5b2444-70a0-4932-980c-b4dc0d3f02b5 (got 'not-a-guid')",
        "line 5: starts '2030-01-02 10:00' differs from '2030-01-01 10:00' on line 3 "
        "(an outage has one starts)",
        "line 6: kind must be planned or emergency (got sometimes); "
        "ends (2030-01-01 09:00) must be after starts (2030-01-01 10:00)",
        "line 7: address: no street and house number found in 'ул. Ленина'",
    ]
    assert [o.ref for o in stored(config)] == ["GOOD"]


@pytest.mark.parametrize(
    "content",
    ["", "id,kind,starts\n", "id,kind,starts,ends,reason\n", "id,kind,starts,ends,flat\n"],
    ids=["empty", "missing ends", "no building column", "unknown column"],
)
def test_an_unreadable_file_is_exit_2_and_nothing_changes(
    config: Path, tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config, "outages", "import", write(tmp_path, content)) == 2
    database, complaint = capsys.readouterr().err.splitlines()
    assert database.startswith("database sqlite:///")  # the database it would have used
    assert complaint.startswith("meterbot: outages: ")
    assert run(config, "outages", "import", str(tmp_path / "missing.csv")) == 2


def test_cancel(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "outages", "import", str(SAMPLE)) == 0
    assert run(config, "outages", "cancel", "ПЛ-2026-118") == 0
    assert "cancelled; nobody had been told of it yet" in capsys.readouterr().out
    assert run(config, "outages", "cancel", "ПЛ-2026-118") == 0
    assert "already cancelled" in capsys.readouterr().out
    assert run(config, "outages", "cancel", "NOPE") == 1
    assert "no outage with id 'NOPE'" in capsys.readouterr().err
    assert [(o.ref, o.status.value, o.revision) for o in stored(config)] == [
        ("АВ-2026-031", "active", 1),
        ("ПЛ-2026-118", "cancelled", 2),
    ]


def test_russian_headers_semicolons_and_cp1251(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = (
        "ID;Вид;Начало;Окончание;Причина;Адрес\n"
        "R1;аварийное;01.01.2030 10:00;01.01.2030 12:00;Авария;ул. Ленина, д. 5\n"
    )
    path = tmp_path / "cp1251.csv"
    path.write_bytes(content.encode("cp1251"))
    assert run(config, "outages", "import", str(path)) == 2
    assert "add --encoding cp1251" in capsys.readouterr().err
    assert run(config, "outages", "import", str(path), "--encoding", "cp1251") == 0
    [outage] = stored(config)
    assert (outage.ref, outage.kind.value, outage.reason) == ("R1", "emergency", "Авария")


def test_house_id_in_the_accounts_csv_matches_outages(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "account;meter_serial;zones;address;house_id\n"
        "7000000001;S0001;1;ул. Ленина, д. 5, кв. 1;0C5B2444-70A0-4932-980C-B4DC0D3F02B5\n"
        "7000000002;S0002;1;ул. Ленина, д. 5, кв. 2;дом 5\n"
        "7000000003;S0003;1;ул. Ленина, д. 7, кв. 3;0c5b2444-70a0-4932-980c-b4dc0d3f02b5\n",
        encoding="utf-8",
    )
    assert run(config, "import-accounts", str(accounts)) == 1
    out = capsys.readouterr().out
    assert "line 3: house_id must be the building's GUID" in out
    guid = "{0C5B2444-70A0-4932-980C-B4DC0D3F02B5}"
    content = HEADER + f"G1,emergency,2099-01-01 10:00,2099-01-01 12:00,Авария,{guid},,\n"
    assert run(config, "outages", "import", write(tmp_path, content)) == 0
    url = config.read_text().split('"')[1]

    async def recipients() -> list[str]:
        from dialogs.events import ChatRef

        storage = await open_storage(url)
        try:
            for number in ("7000000001", "7000000003"):
                await storage.bind(ChatRef("telegram", number), number, "", datetime.now(UTC))
            [outage] = await storage.list_outages()
            return sorted(r.account for r in await storage.outage_recipients(outage.id))
        finally:
            await storage.close()

    assert asyncio.run(recipients()) == ["7000000001", "7000000003"]  # by GUID, any address
