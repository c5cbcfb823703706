"""Reply latency at the evening peak: an open-loop load through real HTTP, against a durable floor.

`meterbot run` in webhook mode runs as a process of its own, as in production, and a fake Bot
API (bench/peak_api.py, another process) records when each reply arrives. The generator posts
Telegram webhook updates at a constant arrival rate and never waits for answers: each resident
runs one whole submission (/start, consent, /bind, "Submit", every register, confirm, "My
bill"), one update every `--pace` seconds, and as many residents are under way as the rate
needs. Rates are stepped (`--rates`, `--seconds` each); after each step the generator stops,
waits for the answers (`--drain`), and prints the achieved rate, the latency from the moment
an update was due to the first message it caused (so a backlog at the client counts too),
errors (HTTP, or the bot's apology), lost updates (no message) and duplicates (more messages
than the conversation asks for). One update in `--redeliver` is posted again once answered, as
Telegram retries: its second delivery must cause nothing. A step whose p99 exceeds
`--stop-above` seconds, or that loses updates, is the last: the rates beyond only grow a queue.

The floor (bench/peak_echo.py) serves the same webhook path with the same HTTP guard, client and
storage, and only claims each update id as a turn does (same transaction, same commit) before
echoing it. For both, the report names the highest step whose p99 is at most 100 ms with
nothing lost or doubled, and their ratio.

`--postgres URL` (a server's maintenance database) repeats the runs on scratch databases of
that server: ours with one process, ours with two (updates spread over them by chat, as nginx
would spread them by connection), and the floor. CPU per process is printed per step (100 % is
one core) with the database server's, so that a limit of the host's cores shows as such, and
the bots' CPU per update (cpu/u, ms). `stolen` is the CPU the host gave other guests during the
step: on a virtual machine beside a busy neighbour every figure of that step is worse.

    .venv/bin/python bench/bench_peak.py [--rates 100,200,400,800,1600] [--seconds 30]
        [--residents 10000] [--pace 1.0] [--drain 15] [--postgres URL] [--only ours|floor]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from peak_load import Run, Stage, run_servers  # noqa: E402
from peak_traffic import make_residents  # noqa: E402

AIM_P99 = 0.100
AIM_RATE = 400


@dataclass(frozen=True)
class Plan:
    label: str
    kind: str  # "ours" | "floor"
    processes: int
    engine: str  # "sqlite" | "postgres"


def plans(postgres: str | None, only: str | None) -> list[Plan]:
    chosen = [Plan("ours, SQLite, 1 process", "ours", 1, "sqlite"),
              Plan("floor, SQLite, 1 process", "floor", 1, "sqlite")]  # fmt: skip
    if postgres:
        chosen += [
            Plan("ours, PostgreSQL, 1 process", "ours", 1, "postgres"),
            Plan("ours, PostgreSQL, 2 processes", "ours", 2, "postgres"),
            Plan("floor, PostgreSQL, 1 process", "floor", 1, "postgres"),
        ]
    return [p for p in chosen if only is None or p.kind == only]


def knee(stages: list[Stage]) -> int:
    """The highest rate whose p99 is within the aim with nothing lost nor doubled; 0: none."""
    good = [s.rate for s in stages if s.p99 <= AIM_P99 and not s.lost and not s.extra]
    return max(good, default=0)


def summary(results: dict[Plan, list[Stage]]) -> None:
    print("\nhighest step with p99 ≤ 100 ms, nothing lost nor doubled:")
    for plan, stages in results.items():
        print(f"  {plan.label:<32}{knee(stages):>6}/s")
    for engine in ("sqlite", "postgres"):
        ours = [s for p, s in results.items() if p.engine == engine and p.kind == "ours"]
        floor = [s for p, s in results.items() if p.engine == engine and p.kind == "floor"]
        if ours and floor and knee(floor[0]):
            ratio = knee(ours[0]) / knee(floor[0])
            print(f"  ours ÷ floor, {engine}, 1 process: {ratio:.2f} (aim ≥ 0.5)")
    for plan, stages in results.items():
        if plan.kind == "ours" and plan.engine == "sqlite":
            at = [s for s in stages if s.rate == AIM_RATE]
            if at:
                s = at[0]
                held = s.p99 <= AIM_P99 and not s.lost and not s.extra
                print(f"  aim at {AIM_RATE}/s, SQLite: p99 {s.p99 * 1000:.0f} ms, lost {s.lost},"
                      f" duplicates {s.extra}: {'met' if held else 'NOT met'}")  # fmt: skip


def machine_pace(steps: int = 2_000_000) -> float:
    """CPU seconds this machine takes for a plain Python loop: its speed drifts from hour to
    hour, and the aims are in milliseconds, so each run says how fast the machine was."""
    started = time.process_time()
    total = 0
    for step in range(steps):
        total += step
    return time.process_time() - started


async def main(args: argparse.Namespace) -> int:
    rates = [int(r) for r in args.rates.split(",")]
    # Enough residents for every step (about nine updates each), and never fewer than asked.
    needed = int(sum(rates) * args.seconds / 7) + 50
    residents = make_residents(max(args.residents, needed))
    print(f"{len(residents):,} residents, steps {args.rates}/s × {args.seconds:g} s, a resident's"
          f" updates {args.pace:g} s apart, drain {args.drain:g} s; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores; a loop"
          f" of 2 million steps took {machine_pace():.2f} s of CPU", flush=True)  # fmt: skip
    results: dict[Plan, list[Stage]] = {}
    failed = False
    with contextlib.ExitStack() as stack:
        tmp = args.folder or stack.enter_context(tempfile.TemporaryDirectory(prefix="peak-"))
        for plan in plans(args.postgres, args.only):
            print(f"\n== {plan.label}", flush=True)
            run = Run(
                kind=plan.kind,
                processes=plan.processes,
                engine=plan.engine,
                folder=Path(tmp) / plan.label.replace(" ", "").replace(",", "-"),
                residents=residents,
                pace=args.pace,
                drain=args.drain,
                redeliver=args.redeliver,
                connections=args.connections,
                stop_above=args.stop_above,
                callgrind=args.instructions,
            )
            stages = await run_servers(run, rates, args.seconds, args.postgres, args.profile)
            results[plan] = stages
            failed = failed or any(s.problem for s in stages)
    summary(results)
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="100,200,400,800,1600", help="updates/s, in order")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each step")
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--pace", type=float, default=1.0,
                        help="seconds between one resident's updates")  # fmt: skip
    parser.add_argument("--drain", type=float, default=15.0,
                        help="seconds to wait for the last answers after a step")  # fmt: skip
    parser.add_argument("--redeliver", type=int, default=50,
                        help="post every Nth update again once answered (0: never)")  # fmt: skip
    parser.add_argument("--connections", type=int, default=100,
                        help="connections at most, per process (Telegram's maximum)")  # fmt: skip
    parser.add_argument("--stop-above", type=float, default=1.0,
                        help="the last step: the first whose p99 exceeds this (s)")  # fmt: skip
    parser.add_argument("--postgres", metavar="URL",
                        help="also on this PostgreSQL server (its admin database)")  # fmt: skip
    parser.add_argument("--only", choices=("ours", "floor"))
    parser.add_argument("--folder", help="keep the databases, logs and profiles here")
    parser.add_argument("--instructions", action="store_true",
                        help="run the bots under callgrind and print instructions per update:"
                        " comparable on a busy machine; use low rates (5/s)")  # fmt: skip
    parser.add_argument("--profile", metavar="RATE", type=int,
                        help="record our process with py-spy during the step at RATE")  # fmt: skip
    raise SystemExit(asyncio.run(main(parser.parse_args())))
