"""The peak benchmark's moving parts: the processes under test, the open-loop generator, and a
step's figures. bench/bench_peak.py says what is measured and why."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import math
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
from peak_traffic import (
    Record,
    Resident,
    Sent,
    Verdict,
    judge,
    percentile,
    update_body,
)
from peak_traffic import write_accounts as write_accounts_csv

from bot.app import GC_THRESHOLDS

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = ROOT / "bot" / "defaults.toml"
TOKEN = "42:PEAK-bench"  # noqa: S105 - the fake Bot API's, on loopback
SECRET = "peak-bench-secret"  # noqa: S105
WARM_UP = 6  # residents who first talk one update at a time: caches filled, replies counted


@dataclass
class Run:
    kind: str  # "ours" | "floor"
    processes: int
    engine: str  # "sqlite" | "postgres"
    folder: Path
    residents: list[Resident]
    pace: float
    drain: float
    redeliver: int
    connections: int
    stop_above: float
    callgrind: bool = False  # each bot process under valgrind: instructions per update


@dataclass
class Stage:
    rate: int
    seconds: float
    posted: int = 0
    answered: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    lost: int = 0
    extra: int = 0
    late: float = 0.0  # the generator's p99 delay between an update's due time and its post
    cpu: dict[str, float] = field(default_factory=dict)  # share of one core, per process
    bots: tuple[str, ...] = ("bot",)  # the keys of `cpu` that are the bots' own processes
    instructions: float = math.nan  # per update, counted by callgrind (`Run.callgrind`)
    calls: float = math.nan  # Bot API calls per update
    problem: str = ""

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 0.99)

    def line(self) -> str:
        ms = [percentile(self.latencies, q) * 1000 for q in (0.50, 0.95, 0.99, 1.0)]
        cpu = " ".join(f"{name} {share * 100:.0f}%" for name, share in self.cpu.items())
        if not math.isnan(self.instructions):
            cpu = f"{self.instructions / 1e6:.2f} M instructions per update; {cpu}"
        bots = sum(self.cpu.get(name, 0.0) for name in self.bots)
        per_update = bots * self.seconds / self.posted * 1000 if self.posted else math.nan
        return (
            f"{self.rate:>6}/s {self.posted / self.seconds:>7.0f}"
            f" {self.answered / self.seconds:>7.0f}"
            f" {ms[0]:>7.1f} {ms[1]:>7.1f} {ms[2]:>7.1f} {ms[3]:>7.0f} {self.errors:>5}"
            f" {self.lost:>5} {self.extra:>4} {self.late * 1000:>6.1f} {per_update:>5.2f}"
            f" {self.calls:>5.2f}  {cpu}"
        )


HEADER = (
    f"{'step':>8} {'posted':>7} {'replied':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    f" {'max ms':>7} {'errs':>5} {'lost':>5} {'dup':>4} {'late':>6} {'cpu/u':>5} {'api/u':>5}"
    "  CPU (100% = one core)"
)


# -- processes ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stolen_seconds(stat: Path = Path("/proc/stat")) -> float:
    """CPU seconds the host has given other guests so far, over all of this machine's CPUs
    (`steal` in /proc/stat; 0 where the system does not count it)."""
    try:
        fields = stat.read_text().split("\n", 1)[0].split()
    except OSError:
        return 0.0
    return int(fields[8]) / os.sysconf("SC_CLK_TCK") if len(fields) > 8 else 0.0


SHARED_POSTGRES = ("checkpointer", "background writer", "walwriter")


def postgres_cpu(database: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL process serving `database`, and of the server's
    shared writers (other databases' backends, other users', are left out)."""
    seconds = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() != "postgres":
                    continue
                title = (entry / "cmdline").read_bytes().decode(errors="replace")
                if f" {database} " in title or any(w in title for w in SHARED_POSTGRES):
                    seconds[int(entry.name)] = cpu_seconds(int(entry.name))
    return seconds


def grown(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two snapshots by the processes alive at the second."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def server_env(storage_url: str, api_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("METERBOT_")}
    env.update({
        "PYTHONPATH": str(ROOT),
        "METERBOT_STORAGE__URL": storage_url,
        "METERBOT_HTTP__PORT": str(port),
        "METERBOT_TELEGRAM__TOKEN": TOKEN,
        "METERBOT_TELEGRAM__API_BASE": api_url,
        "METERBOT_TELEGRAM__MODE": "webhook",
        "METERBOT_TELEGRAM__WEBHOOK_URL": f"http://127.0.0.1:{port}",
        "METERBOT_TELEGRAM__WEBHOOK_SECRET": SECRET,
        "METERBOT_REMINDERS__SCHEDULER": "false",
        "METERBOT_LOGGING__LEVEL": "WARNING",
    })  # fmt: skip
    return env


def meterbot(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot", "--config", str(DEFAULTS), *args]


async def import_accounts(run: Run, storage_url: str) -> None:
    last = (datetime.now(ZoneInfo("Europe/Moscow")).date().replace(day=1)) - date.resolution
    csv_path = run.folder / "accounts.csv"
    write_accounts_csv(run.residents, csv_path, last)
    for command in (("db", "migrate"), ("import-accounts", str(csv_path))):
        done = subprocess.run(  # noqa: ASYNC221, S603 - nothing else runs meanwhile
            meterbot(*command), env=server_env(storage_url, "", 0), cwd=run.folder,
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"{command[0]} failed ({done.returncode}): {done.stderr[-2000:]}")


@dataclass
class Servers:
    processes: list[subprocess.Popen[bytes]]
    urls: list[str]
    database: str  # a PostgreSQL database's name; "" on SQLite
    api_pid: int  # the fake Bot API's process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def start_servers(run: Run, storage_url: str, api_url: str, api_pid: int) -> Servers:
    processes, urls = [], []
    for n in range(run.processes):
        port = free_port()
        command = (meterbot("run") if run.kind == "ours" else
                   [sys.executable, str(ROOT / "bench" / "peak_echo.py"), "--config",
                    str(DEFAULTS)])  # fmt: skip
        if run.callgrind:
            command = [*CALLGRIND, f"--callgrind-out-file={run.folder}/callgrind.%p", *command]
        log = (run.folder / f"server{n}.log").open("wb")
        processes.append(subprocess.Popen(  # noqa: ASYNC220, S603 - it outlives this call
            command, env=server_env(storage_url, api_url, port), cwd=run.folder,
            stdout=log, stderr=subprocess.STDOUT,
        ))  # fmt: skip
        urls.append(f"http://127.0.0.1:{port}")
    database = storage_url.rsplit("/", 1)[1] if run.engine == "postgres" else ""
    webhooks = [f"{u}/telegram/webhook" for u in urls]
    servers = Servers(processes, webhooks, database, api_pid)
    async with aiohttp.ClientSession() as session:
        for url, process in zip(urls, processes, strict=True):
            for _ in range(6000 if run.callgrind else 600):
                if process.poll() is not None:
                    servers.stop()
                    text = (run.folder / f"server{processes.index(process)}.log").read_text()
                    raise SystemExit(f"the server did not start:\n{text[-3000:]}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"{url}/healthz") as answer:
                        await answer.read()
                        break
                await asyncio.sleep(0.1)
    return servers


async def start_api() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(  # noqa: ASYNC220, S603 - lives through the benchmark
        [sys.executable, str(ROOT / "bench" / "peak_api.py")], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    url = await asyncio.to_thread(process.stdout.readline)
    return process, url.strip()


@contextlib.asynccontextmanager
async def scratch_database(admin_url: str) -> Iterator[str]:  # type: ignore[misc]
    name = f"meterbot_peak_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


# -- the generator -----------------------------------------------------------------------------
@dataclass
class Talk:
    resident: Resident
    steps: list[tuple[str, str]]
    position: int = 0
    ready: float = 0.0


class Generator:
    def __init__(self, run: Run, session: aiohttp.ClientSession, urls: list[str]) -> None:
        self.run = run
        self.session = session
        self.urls = urls
        self.sent: list[Sent] = []
        self.fresh = iter(run.residents)
        self.waiting: deque[Talk] = deque()
        self.update_ids = iter(range(1, 10**9))
        self.tasks: set[asyncio.Task[None]] = set()
        self.starved = 0  # slots with no resident left to send

    def _talk(self) -> Talk | None:
        resident = next(self.fresh, None)
        return None if resident is None else Talk(resident, resident.steps())

    async def warm_up(self) -> None:
        """A few residents one update at a time, each posted when the last is answered."""
        for _ in range(WARM_UP):
            talk = self._talk()
            assert talk is not None
            while talk.position < len(talk.steps):
                await self._post(self._sent(talk, -1, time.monotonic()), talk)

    async def stage(self, number: int, rate: int, seconds: float) -> None:
        start = time.monotonic()
        slots = round(rate * seconds)
        slot = 0
        while slot < slots:
            due = start + slot / rate
            now = time.monotonic()
            if due > now:
                await asyncio.sleep(due - now)
                now = time.monotonic()
            while slot < slots and start + slot / rate <= now:
                self._slot(number, start + slot / rate)
                slot += 1

    def _slot(self, stage: int, due: float) -> None:
        if self.waiting and self.waiting[0].ready <= due:
            talk: Talk | None = self.waiting.popleft()
        else:
            talk = self._talk()
        if talk is None:
            self.starved += 1
            return
        sent = self._sent(talk, stage, due)
        task = asyncio.create_task(self._post(sent, talk))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        if talk.position < len(talk.steps):
            talk.ready = due + self.run.pace
            self.waiting.append(talk)

    def _sent(self, talk: Talk, stage: int, due: float) -> Sent:
        r = talk.resident
        sent = Sent(r.chat, stage, talk.position, r.zones, due)
        sent.body = update_body(next(self.update_ids), r, talk.steps[talk.position])
        talk.position += 1
        self.sent.append(sent)
        return sent

    async def _post(self, sent: Sent, talk: Talk) -> None:
        url = self.urls[talk.resident.user_id % len(self.urls)]
        await self._deliver(sent, url, sent.body)
        n = len(self.sent)
        if self.run.redeliver and sent.status == 200 and n % self.run.redeliver == 0:
            again = Sent(sent.chat, sent.stage, sent.position, sent.zones, time.monotonic(),
                         copy=True, body=sent.body)  # fmt: skip
            self.sent.append(again)
            await self._deliver(again, url, sent.body)

    async def _deliver(self, sent: Sent, url: str, body: bytes) -> None:
        sent.posted = time.monotonic()
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
        try:
            async with self.session.post(url, data=body, headers=headers) as answer:
                await answer.read()
                sent.status = answer.status
        except (aiohttp.ClientError, TimeoutError):
            sent.status = -1
        sent.answered = time.monotonic()

    async def settle(self, seconds: float) -> None:
        """Wait for the requests in flight, at most `seconds`."""
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=seconds)


async def records_since(
    session: aiohttp.ClientSession, api_url: str, first: int
) -> tuple[list[Record], int]:
    """The messages recorded from the `first`th on, and the Bot API calls made so far."""
    async with session.get(f"{api_url}/records", params={"from": str(first)}) as answer:
        body = json.loads(await answer.read())
    return [tuple(r) for r in body["records"]], int(body["calls"])  # type: ignore[misc]


def expected_counts(verdict: Verdict) -> dict[tuple[int, int], int]:
    """Messages per (zones, position), as the warm-up's conversations received them."""
    return {key: max(counts) for key, counts in verdict.per_position.items()}


async def run_servers(
    run: Run, rates: list[int], seconds: float, postgres: str | None, profile: int | None
) -> list[Stage]:
    run.folder.mkdir(parents=True)
    api, api_url = await start_api()
    try:
        if run.engine == "postgres":
            assert postgres is not None
            async with scratch_database(postgres) as url:
                return await _measure(run, rates, seconds, url, (api_url, api.pid), profile)
        url = f"sqlite:///{run.folder}/meterbot.sqlite3"
        return await _measure(run, rates, seconds, url, (api_url, api.pid), profile)
    finally:
        api.terminate()
        api.wait()


async def _measure(
    run: Run,
    rates: list[int],
    seconds: float,
    url: str,
    api: tuple[str, int],
    profile: int | None,
) -> list[Stage]:
    if run.kind == "ours":
        await import_accounts(run, url)
    api_url, api_pid = api
    servers = await start_servers(run, url, api_url, api_pid)
    stages: list[Stage] = []
    timeout = aiohttp.ClientTimeout(total=seconds + run.drain + 60)
    connector = aiohttp.TCPConnector(limit=run.connections * run.processes)
    try:
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            generator = Generator(run, session, servers.urls)
            await generator.warm_up()
            records, calls = await records_since(session, api_url, 0)
            warm = judge(generator.sent, records, None)
            went_through = warm.accepted == WARM_UP if run.kind == "ours" else not warm.lost
            if not went_through or any(warm.oops.values()):
                raise SystemExit(
                    f"the warm-up's conversations did not go through: {warm.accepted} of "
                    f"{WARM_UP} accepted, {sum(warm.oops.values())} apologies, "
                    f"{sum(warm.lost.values())} lost; see {run.folder}/server0.log"
                )
            expected = expected_counts(warm) if run.kind == "ours" else None
            print(HEADER, flush=True)
            for number, rate in enumerate(rates):
                stage = await _stage(run, generator, servers, number, rate, seconds, profile)
                called = calls
                records, calls = await records_since(session, api_url, 0)
                verdict = judge(generator.sent, records, expected)
                _fill(stage, number, generator, verdict)
                stage.calls = (calls - called) / stage.posted if stage.posted else math.nan
                stages.append(stage)
                print(stage.line(), flush=True)
                if stage.p99 > run.stop_above or stage.lost:
                    break
            if verdict.accepted_twice:
                print(f"  !! {verdict.accepted_twice} submissions confirmed twice")
                stages[-1].problem = "confirmed twice"
            if generator.starved:
                print(f"  ({generator.starved} slots had no resident left: add --residents)")
    finally:
        servers.stop()
    if run.kind == "ours" and stages:
        rows, accounts = await stored_readings(url)
        confirmed = verdict.accepted - WARM_UP
        print(f"  readings stored: {rows} for {accounts} accounts; confirmed to residents: "
              f"{confirmed}", flush=True)  # fmt: skip
        if rows != accounts or accounts < confirmed:
            stages[-1].problem = "a reading stored twice or a confirmed one missing"
            print(f"  !! {stages[-1].problem}", flush=True)
    return stages


STORED = "SELECT count(*), count(DISTINCT account) FROM readings WHERE source = 'resident'"


async def stored_readings(url: str) -> tuple[int, int]:
    """Residents' readings rows, and the accounts they belong to (the warm-up's left out)."""
    if url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
            rows, accounts = db.execute(STORED).fetchone()
    else:
        conn = await asyncpg.connect(url)
        try:
            rows, accounts = await conn.fetchrow(STORED)
        finally:
            await conn.close()
    return int(rows) - WARM_UP, int(accounts) - WARM_UP


async def _stage(
    run: Run,
    generator: Generator,
    servers: Servers,
    number: int,
    rate: int,
    seconds: float,
    profile: int | None,
) -> Stage:
    pids = {f"bot{n + 1}" if run.processes > 1 else "bot": p.pid
            for n, p in enumerate(servers.processes)}  # fmt: skip
    bots = tuple(pids)
    pids["bot API"] = servers.api_pid
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    before_stolen = stolen_seconds()
    database = servers.database
    before_load, before_pg = time.process_time(), postgres_cpu(database) if database else {}
    spy = _py_spy(servers.processes[0].pid, seconds, run.folder, rate) if profile == rate else None
    for process in servers.processes if run.callgrind else ():
        _vgdb(process.pid, "instrumentation on")
        _vgdb(process.pid, "zero")
    # The generator's own collections held up posting (a full one took 15–28 ms of CPU at 800/s,
    # every update posted so far walked), and a late post counts as the bot's latency: what it
    # holds so far is kept out of them, and young objects are collected as seldom as the bot's.
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    started = time.monotonic()
    await generator.stage(number, rate, seconds)
    wall = time.monotonic() - started
    stage = Stage(rate, seconds, bots=bots)
    stage.cpu = {name: (cpu_seconds(pid) - before[name]) / wall for name, pid in pids.items()}
    stage.cpu["generator"] = (time.process_time() - before_load) / wall
    if database:
        stage.cpu["postgres"] = grown(before_pg, postgres_cpu(database)) / wall
    # What the host gave other guests meanwhile: a run beside a busy neighbour says so.
    stage.cpu["stolen"] = (stolen_seconds() - before_stolen) / wall
    await generator.settle(run.drain)
    if run.callgrind:
        stage.instructions = instructions(servers.processes, run.folder) / round(rate * seconds)
    if spy is not None:
        spy.wait()
        print(f"  py-spy profile: {run.folder}/profile-{rate}.txt", flush=True)
    return stage


# Callgrind counts the instructions a process executes, whatever else the machine is doing: a
# figure that compares two versions on a busy machine, where CPU seconds vary by a quarter.
# Instrumented from the step's start only: start-up runs several times faster so.
CALLGRIND = ["valgrind", "--tool=callgrind", "--quiet", "--instr-atstart=no"]


def _vgdb(pid: int, command: str) -> None:
    subprocess.run(["vgdb", f"--pid={pid}", command], check=True, capture_output=True)  # noqa: S603, S607


def instructions(processes: list[subprocess.Popen[bytes]], folder: Path) -> float:
    """The instructions the processes executed since their counts were last zeroed."""
    total = 0
    for process in processes:
        _vgdb(process.pid, "dump")
        dumps = sorted(folder.glob(f"callgrind.{process.pid}.*"), key=lambda p: p.stat().st_mtime)
        summary = next(line for line in dumps[-1].read_text().splitlines()
                       if line.startswith("summary:"))  # fmt: skip
        total += int(summary.split()[1])
    return total


def _py_spy(pid: int, seconds: float, folder: Path, rate: int) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy")
    if spy is None:
        print("  (py-spy is not installed: no profile)", flush=True)
        return None
    out = folder / f"profile-{rate}.txt"
    return subprocess.Popen(  # noqa: S603 - our own tool on our own child
        [spy, "record", "--pid", str(pid), "--duration", str(max(1, int(seconds) - 1)),
         "--format", "raw", "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _fill(stage: Stage, number: int, generator: Generator, verdict: Verdict) -> None:
    mine = [s for s in generator.sent if s.stage == number and not s.copy]
    stage.posted = len(mine)
    stage.latencies = verdict.latency.get(number, [])
    stage.answered = len(stage.latencies)
    stage.errors = verdict.errors.get(number, 0) + verdict.oops.get(number, 0)
    stage.lost = verdict.lost.get(number, 0)
    stage.extra = verdict.extra.get(number, 0)
    delays = [s.posted - s.due for s in mine if not math.isnan(s.posted)]
    stage.late = percentile(delays, 0.99) if delays else math.nan
