"""The composition root: `meterbot run` builds configuration, storage, the dialog engine,
metrics, the channels, the reminder scheduler, the daily housekeeping and the HTTP application,
and wires them by name. What the console, the demo and tests share of it is `bot.wiring`.

With no channel token configured it says so and opens the console channel instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import aiohttp

from bot.channels import ChannelSender
from bot.config import DEFAULTS_FILE, Settings, resolve_config_path
from bot.database import code_schema_version, describe, open_database
from bot.health import Health
from bot.housekeeping import keep_tidy
from bot.http import build_http_app, start_http
from bot.leadership import lead
from bot.logs import secrets_of, setup_logging
from bot.observability import Metrics, StorageErrorsLogged
from bot.run_lock import serving_lock
from bot.supervisor import Supervisor
from bot.version import meterbot_version
from bot.wiring import build_engine, require_tariffs_now
from storage.base import Storage
from storage.downtime import Downtime

if TYPE_CHECKING:
    from bot.outages.notices import OutageNotices
    from bot.reminders.service import ReminderService

log = logging.getLogger(__name__)

# The collector looks for garbage in reference cycles once 700 more objects were made than freed
# (Python's default). Under load the objects of the updates in flight are that many, alive, at
# almost every moment: each pass walked them in vain, and they were promoted and walked again,
# 12 % of the bot's CPU at 250 updates/s (1.66 s of collections in a 20-second step, 0.07 s with
# these thresholds; bench/bench_peak.py). Cyclic garbage still goes once 10,000 objects wait.
GC_THRESHOLDS = (10_000, 10, 10)

# How often the reminder campaigns' progress is copied into /metrics.
CAMPAIGN_METRICS_SECONDS = 15.0


def _has_channel_token(settings: Settings) -> bool:
    return bool(
        settings.telegram.token.get_secret_value()
        or settings.viber.auth_token.get_secret_value()
        or settings.max.token.get_secret_value()
    )


# Where `run` looks for a channel, for the message that says none was found.
CHANNEL_KEYS = (
    ("[telegram] token", "METERBOT_TELEGRAM__TOKEN"),
    ("[viber] auth_token", "METERBOT_VIBER__AUTH_TOKEN"),
    ("[max] token", "METERBOT_MAX__TOKEN"),
)


def no_channel_message(config_file: str, environ: Mapping[str, str]) -> str:
    """Why `run` refuses to start with no channel and no terminal: the keys and variables it
    looked for, and any METERBOT_ variable that looks like a misspelt one of them."""
    looked = "; ".join(f"{key} in {config_file} or {env}" for key, env in CHANNEL_KEYS)
    wanted = {env for _, env in CHANNEL_KEYS}
    near = sorted(
        name
        for name in environ
        if name.upper().startswith("METERBOT_")
        and name not in wanted
        and name.upper().replace("_", "") in {w.replace("_", "") for w in wanted}
    )
    hint = ""
    if near:
        fixes = ", ".join(f"{name} (did you mean {_closest(name, wanted)}?)" for name in near)
        hint = f" Set but not read: {fixes}; sections and keys are separated by two underscores."
    return (
        "run: no channel is configured and standard input is not a terminal, so the console "
        f"cannot open either. Looked for: {looked}.{hint} Set a token, or use `meterbot chat` "
        "in a terminal."
    )


def _closest(name: str, wanted: set[str]) -> str:
    squashed = name.upper().replace("_", "")
    return next(w for w in sorted(wanted) if w.replace("_", "") == squashed)


async def run_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.demo and _has_channel_token(settings):
        print(
            "meterbot: --demo refused: a channel token is set, and demo accounts must never "
            "reach real residents. Unset the token or drop --demo.",
            file=sys.stderr,
        )
        return 2
    config_file = _config_file(args)
    serving = _has_channel_token(settings)
    # `--demo` asks for the console in so many words; a plain `run` under a service manager
    # (no terminal) with no token would otherwise open a console nobody reads and exit 0.
    if not serving and not args.demo and not sys.stdin.isatty():
        print(f"meterbot: {no_channel_message(config_file, os.environ)}", file=sys.stderr)
        return 2
    require_tariffs_now(settings)
    url = settings.storage.url
    with serving_lock(url):
        say: Callable[[str], None] = _to_stderr
        if serving:
            setup_logging(settings.logging, secrets=secrets_of(settings))
            say = log.info
        storage = await open_database(url, create=True, say=say)
        if serving:
            log.info(
                "meterbot %s: configuration %s, database %s, schema version %d",
                meterbot_version(),
                config_file,
                describe(url),
                code_schema_version(url),
            )
        try:
            if args.demo:
                from bot.demo import demo_accounts_in, print_demo_accounts, seed_demo

                demo = await seed_demo(storage, now=datetime.now(settings.billing.tz))
                demo = demo or await demo_accounts_in(storage)  # seeded by an earlier run
                print_demo_accounts(demo, settings, sys.stdout, existing=not demo)
            if not serving:
                print(
                    "No Telegram, Viber or MAX token is configured: "
                    "opening the console channel instead."
                )
                from bot.console import run_console

                # The console's chat and the log share one terminal: a resident's conversation
                # is not interleaved with the operator's INFO events (warnings still show).
                logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
                engine = build_engine(settings, storage)
                return await run_console(engine, "console", None, sys.stdin, sys.stdout)
            return await serve(settings, storage)
        finally:
            await storage.close()


def _config_file(args: argparse.Namespace) -> str:
    path = resolve_config_path(getattr(args, "config", None))
    if path == DEFAULTS_FILE:
        return "(built-in defaults)"
    return str(path.resolve())


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


async def serve(settings: Settings, storage: Storage) -> int:  # the composition root: all ports
    """Serve every configured channel, the scheduler and HTTP until SIGINT or SIGTERM.

    Every long-running task runs under one supervisor (bot/supervisor.py) and every channel
    reports whether it serves to one `Health` (bot/health.py), which `/healthz` reads."""
    metrics = Metrics()
    # Counted wherever logged; first among the handlers (see StorageErrorsLogged).
    counting = StorageErrorsLogged(metrics)
    logging.getLogger().handlers.insert(0, counting)
    try:
        return await _serve(settings, storage, metrics)
    finally:
        logging.getLogger().removeHandler(counting)


async def _serve(settings: Settings, storage: Storage, metrics: Metrics) -> int:
    supervisor = Supervisor(metrics)
    health = Health(settings.http.unhealthy_after_seconds, gauge=metrics)
    engine = build_engine(settings, storage, observer=metrics, downtime=Downtime(log))
    app = build_http_app(settings, storage, metrics, health)
    senders: dict[str, ChannelSender] = {}
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        # Channels add their routes to `app`, so they start before the HTTP runner freezes it.
        telegram = None
        if settings.telegram.token.get_secret_value():
            from bot.reminders.channels import telegram_sender
            from bot.telegram.runtime import start_telegram

            telegram = await start_telegram(
                settings, engine, app, calls=metrics, supervisor=supervisor, health=health
            )
            # Campaigns get a bot session of their own: their pace, retries and the opt-in
            # paid-broadcast flag never touch the replies residents are waiting for.
            senders["telegram"] = await stack.enter_async_context(
                telegram_sender(settings, storage, metrics)
            )
        viber = None
        if settings.viber.auth_token.get_secret_value():
            from bot.viber.runtime import start_viber

            viber = await start_viber(
                settings,
                engine,
                app,
                session,
                calls=metrics,
                supervisor=supervisor,
                health=health,
            )
            senders["viber"] = viber.sender
        max_channel = None
        if settings.max.token.get_secret_value():
            from bot.max import start_max
            from bot.max.sender import max_sender

            max_channel = await start_max(
                settings, engine, app, metrics=metrics, supervisor=supervisor, health=health
            )
            # Campaigns get a bot of their own: no retries in place, their pace is the pacer's.
            senders["max"] = await stack.enter_async_context(max_sender(settings, metrics))
        runner = await start_http(app, settings.http)
        # Webhooks are registered only now: the platforms may call the URL at once.
        if telegram is not None and settings.telegram.mode == "webhook":
            telegram.start_webhook()
        if viber is not None:
            viber.start_webhook()
        if max_channel is not None and settings.max.mode == "webhook":
            max_channel.start_webhook()
        if settings.reminders.scheduler:
            # Any process may run the scheduler; the one holding the storage's leader lock does
            # (on PostgreSQL exactly one at a time; another takes over when it dies).
            duties = SchedulerDuties(settings, storage, senders, supervisor, metrics)
            lock = storage.leader_lock("scheduler")
            supervisor.spawn(
                LEAD_TASK, lambda: lead(lock, duties.elected, duties.deposed), forever=True
            )
        supervisor.spawn(
            "housekeeping", lambda: keep_tidy(storage, lambda: datetime.now(UTC)), forever=True
        )
        # What is built by now lives as long as the process: out of the collector's sight, a
        # full collection no longer walks the ~200,000 objects of start-up, which stalled
        # every chat for 190–250 ms on the development machine (bench/bench_peak.py).
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        log.info("meterbot is serving: %s", ", ".join(sorted(health.channels)) or "no channel")
        await _until_stopped()
        log.info("meterbot is stopping")
        # Stop in the reverse order of dependence: no new campaigns, no new updates, then drain.
        await supervisor.stop({LEAD_TASK, "housekeeping"})  # the leader stops its duties
        await runner.cleanup()  # runs on_shutdown: webhook updates in flight finish first
        if telegram is not None:
            await telegram.stop()
        if viber is not None:
            await viber.close()
        if max_channel is not None:
            await max_channel.stop()
        await supervisor.stop()
    return 0


LEAD_TASK = "scheduler-leader"


class SchedulerDuties:
    """What the scheduler's leader runs: reminders, the month's closing, outage notices and
    campaign progress in /metrics. Built anew on each election, so the new leader's scheduler
    catches up a job missed while nobody led (bot/reminders/schedule.py, `first_run_time`)."""

    def __init__(
        self,
        settings: Settings,
        storage: Storage,  # reminders, closing and notices each take their own port of it
        senders: dict[str, ChannelSender],
        supervisor: Supervisor,
        metrics: Metrics,
    ) -> None:
        self.settings, self.storage, self.senders = settings, storage, senders
        self.supervisor, self.metrics = supervisor, metrics
        self.reminders: ReminderService | None = None
        self.outages: OutageNotices | None = None
        self.publisher: asyncio.Task[None] | None = None

    async def elected(self) -> None:
        from bot.closing import schedule_period_close
        from bot.outages.notices import OutageNotices
        from bot.reminders.service import ReminderService

        settings, storage = self.settings, self.storage
        reminders = ReminderService(settings, storage, self.senders, supervisor=self.supervisor)
        # The scheduler also closes each month when it ends.
        schedule_period_close(reminders.scheduler, settings, storage, _utc_now, self.supervisor)
        reminders.start()
        self.reminders = reminders
        # Outage notices share the channels' pacers with the reminders of this process.
        self.outages = OutageNotices(settings, storage, self.senders, reminders.pacers)
        self.outages.start(self.supervisor)
        self.publisher = self.supervisor.spawn(
            "campaign-metrics", lambda: _publish_campaigns(reminders, self.metrics), forever=True
        )

    async def deposed(self) -> None:
        if self.publisher is not None:
            self.publisher.cancel()
            await asyncio.gather(self.publisher, return_exceptions=True)
        if self.outages is not None:
            await self.outages.shutdown()
        if self.reminders is not None:
            await self.reminders.shutdown()
        self.reminders = self.outages = self.publisher = None


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def _publish_campaigns(reminders: ReminderService | None, metrics: Metrics) -> None:
    if reminders is None:
        return
    while True:
        with contextlib.suppress(Exception):  # a busy database must not end the loop
            for campaign in await reminders.progress():
                metrics.set_campaign_progress(
                    campaign.campaign_id, campaign.kind, str(campaign.period), campaign.counts
                )
        await asyncio.sleep(CAMPAIGN_METRICS_SECONDS)


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
