"""bench/bench_peak.py cannot rot: a tiny run through real processes on loopback, and the
matching of replies to updates on which its lost and duplicate counts rest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from peak_traffic import Sent, judge, make_residents  # noqa: E402


def test_a_tiny_run_answers_every_update_once(tmp_path: Path) -> None:
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, str(ROOT / "bench" / "bench_peak.py"), "--rates", "20",
         "--seconds", "1", "--drain", "3", "--residents", "30", "--only", "ours",
         "--folder", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    [step] = [line.split() for line in done.stdout.splitlines() if line.startswith("    20/s")]
    posted, replied, errors, lost, duplicates = step[1], step[2], step[7], step[8], step[9]
    assert (posted, replied) == ("20", "20"), done.stdout
    assert (errors, lost, duplicates) == ("0", "0", "0"), done.stdout
    assert "highest step with p99" in done.stdout


def sent(chat: str, position: int, posted: float, answered: float) -> Sent:
    return Sent(chat, 0, position, 1, posted, posted=posted, answered=answered, status=200)


def test_an_update_without_a_message_is_lost_and_an_extra_message_is_a_duplicate() -> None:
    updates = [sent("1", 0, 1.0, 1.1), sent("1", 1, 2.0, 2.1), sent("2", 0, 1.0, 1.1)]
    # Chat 1: its first update answered at 1.05, its second never; chat 2 answered twice.
    records = [("1", 1.05, "message"), ("2", 1.02, "message"), ("2", 1.03, "message")]
    verdict = judge(updates, records, None)
    assert verdict.lost[0] == 1
    assert verdict.extra[0] == 1
    assert sorted(round(x, 2) for x in verdict.latency[0]) == [0.02, 0.05]


def test_the_replies_of_a_turn_count_from_its_first_message_and_within_its_answer() -> None:
    updates = [sent("1", 0, 1.0, 1.5), sent("1", 1, 1.2, 1.8)]  # the second posted early
    records = [("1", 1.4, "message"), ("1", 1.45, "message"), ("1", 1.7, "accepted")]
    verdict = judge(updates, records, {(1, 0): 2, (1, 1): 1})
    assert sorted(round(x, 2) for x in verdict.latency[0]) == [0.4, 0.5]
    assert not verdict.lost
    assert not verdict.extra
    assert verdict.accepted == 1


def test_residents_cycle_through_one_two_and_three_zones() -> None:
    residents = make_residents(3)
    assert [r.zones for r in residents] == [1, 2, 3]
    assert [len(r.steps()) for r in residents] == [7, 8, 9]
    assert len({r.account for r in residents}) == 3


def test_instructions_are_read_from_each_process_newest_callgrind_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import time

    import peak_load

    asked: list[tuple[int, str]] = []
    monkeypatch.setattr(peak_load, "_vgdb", lambda pid, command: asked.append((pid, command)))

    def dump(name: str, total: int, age: float) -> None:
        path = tmp_path / name
        path.write_text(f"creator: callgrind-3.19.0\nsummary: {total}\ntotals: {total}\n")
        moment = time.time() - age
        os.utime(path, (moment, moment))

    dump("callgrind.101.1", 5_000, age=60)  # an earlier dump of the same process
    dump("callgrind.101.2", 7_000, age=1)
    dump("callgrind.202.1", 3_000, age=1)
    processes = [cast(Any, SimpleNamespace(pid=101)), cast(Any, SimpleNamespace(pid=202))]

    assert peak_load.instructions(processes, tmp_path) == 10_000
    assert asked == [(101, "dump"), (202, "dump")]


def test_cpu_per_update_counts_the_bots_alone() -> None:
    import peak_load

    # 1,000 updates in 10 s: the bot at half a core is 5 ms each, whatever the others used.
    stage = peak_load.Stage(100, 10.0, posted=1000, cpu={"bot": 0.5, "bot API": 0.25})
    assert stage.line().split()[11] == "5.00"
    shares = {"bot1": 0.3, "bot2": 0.2, "bot API": 0.25, "stolen": 0.4}
    two = peak_load.Stage(100, 10.0, posted=1000, bots=("bot1", "bot2"), cpu=shares)
    assert two.line().split()[11] == "5.00"
    assert "stolen 40%" in two.line()


def test_stolen_time_is_the_steal_of_all_cpus(tmp_path: Path) -> None:
    import os

    import peak_load

    stat = tmp_path / "stat"
    ticks = os.sysconf("SC_CLK_TCK")
    stat.write_text(f"cpu  100 0 50 900 3 0 2 {3 * ticks} 0 0\ncpu0 50 0 25 450 1 0 1 0 0 0\n")
    assert peak_load.stolen_seconds(stat) == 3.0
    stat.write_text("cpu  100 0 50 900\n")  # a system that does not count it
    assert peak_load.stolen_seconds(stat) == 0.0
