"""Prometheus metrics for `/metrics`, kept in one registry object that the composition root owns.

Each `Metrics` has its own `CollectorRegistry` rather than prometheus-client's process-wide
default, so tests and several apps in one process never collide on metric names. The dialog
layer reports through the small observer methods (`on_reading_accepted`, …) and never imports
prometheus-client.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from bot.version import meterbot_version
from storage.base import StorageError

# A chat turn is usually a few storage round trips; a slow one waits on the network.
HANDLER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Every metric the bot exports, and the observer methods that update them."""

    # The classic text format every Prometheus reads; newer prometheus-client versions announce
    # version=1.0.0 as "latest", which Prometheus 2 scrapers may reject.
    content_type = "text/plain; version=0.0.4; charset=utf-8"

    def __init__(
        self, registry: CollectorRegistry | None = None, version: str | None = None
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self._children: dict[tuple[int, str], Any] = {}  # see `_per_channel`
        self.updates_handled = Counter(
            "meterbot_updates_handled",
            "Inbound updates handled, per channel.",
            ["channel"],
            registry=r,
        )
        self.readings_accepted = Counter(
            "meterbot_readings_accepted", "Readings stored, per channel.", ["channel"], registry=r
        )
        self.readings_refused = Counter(
            "meterbot_readings_refused",
            "Readings refused, per channel and reason.",
            ["channel", "reason"],
            registry=r,
        )
        self.bills_computed = Counter(
            "meterbot_bills_computed", "Bills computed, per basis.", ["basis"], registry=r
        )
        self.handler_seconds = Histogram(
            "meterbot_handler_seconds",
            "Time to handle one inbound update, per channel.",
            ["channel"],
            buckets=HANDLER_BUCKETS,
            registry=r,
        )
        self.storage_errors = Counter(
            "meterbot_storage_errors", "Storage operations that failed.", registry=r
        )
        self.messages_sent = Counter(
            "meterbot_messages_sent",
            "Messages sent or edited in residents' chats, per channel (replies and reminders).",
            ["channel"],
            registry=r,
        )
        self.channel_errors = Counter(
            "meterbot_channel_errors",
            "Calls to a messenger's API that failed (each attempt), per channel.",
            ["channel"],
            registry=r,
        )
        self.build_info = Gauge(
            "meterbot_build_info", "Always 1; the running version as a label.", ["version"],
            registry=r,
        )  # fmt: skip
        self.build_info.labels(version=version or meterbot_version()).set(1)
        self.bind_failures = Counter(
            "meterbot_bind_failures",
            "Binding tries that failed or were refused while locked, per channel and reason "
            "(wrong_pair, phone_serial, phone_unknown, chat_locked, account_locked).",
            ["channel", "reason"],
            registry=r,
        )
        self.campaign_recipients = Gauge(
            "meterbot_campaign_recipients",
            "Reminder campaign recipients per status (pending, sending, sent, blocked, …).",
            ["campaign", "kind", "period", "status"],
            registry=r,
        )
        self.task_restarts = Counter(
            "meterbot_task_restarts",
            "Supervised tasks restarted after they raised or stopped, per task.",
            ["task"],
            registry=r,
        )
        self.channel_last_success = Gauge(
            "meterbot_channel_last_success_timestamp_seconds",
            "Unix time of each channel's last evidence of serving (a poll, a webhook).",
            ["channel"],
            registry=r,
        )
        self.channel_serving = Gauge(
            "meterbot_channel_serving",
            "1 while a configured channel serves residents (as /healthz says), else 0.",
            ["channel"],
            registry=r,
        )

    def _per_channel(self, metric: Counter | Histogram | Gauge, channel: str) -> Any:
        """`metric.labels(channel=channel)`, looked up once per channel: the metrics every update
        touches cost about 1 % of the bot's time at the evening peak, mostly in that lookup
        (prometheus-client checks and locks on every call)."""
        key = (id(metric), channel)  # the metrics live as long as this object
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(channel=channel)
        return child

    # -- the observer protocol the dialog engine and the channels call ---------------------------
    def on_handled(self, channel: str, seconds: float) -> None:
        self._per_channel(self.updates_handled, channel).inc()
        self._per_channel(self.handler_seconds, channel).observe(seconds)

    @contextmanager
    def handling(self, channel: str) -> Iterator[None]:
        """Time the block as one handled update of `channel` (`on_handled`), even if it raises."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.on_handled(channel, time.perf_counter() - started)

    def on_reading_accepted(self, channel: str) -> None:
        self._per_channel(self.readings_accepted, channel).inc()

    def on_reading_refused(self, channel: str, reason: str) -> None:
        self.readings_refused.labels(channel=channel, reason=reason).inc()

    def on_bill_computed(self, basis: str) -> None:
        self.bills_computed.labels(basis=str(basis)).inc()

    def on_storage_error(self) -> None:
        self.storage_errors.inc()

    # -- the channels' API calls (bot.channels.ChannelCalls) -------------------------------------
    def on_message_sent(self, channel: str) -> None:
        self._per_channel(self.messages_sent, channel).inc()

    def on_channel_error(self, channel: str) -> None:
        self.channel_errors.labels(channel=channel).inc()

    def on_bind_failure(self, channel: str, reason: str) -> None:
        self.bind_failures.labels(channel=channel, reason=reason).inc()

    # -- the reminder sender ---------------------------------------------------------------------
    def set_campaign_progress(
        self, campaign_id: int, kind: str, period: str, counts: Mapping[str, int]
    ) -> None:
        """Publish a campaign's recipient counts by status, as `Storage.campaign_counts` gives."""
        for status, count in counts.items():
            self.campaign_recipients.labels(
                campaign=str(campaign_id), kind=kind, period=str(period), status=status
            ).set(count)

    # -- the supervisor and channel health (bot/supervisor.py, bot/health.py) -------------------
    def on_task_restart(self, task: str) -> None:
        self.task_restarts.labels(task=task).inc()

    def on_channel_success(self, channel: str, timestamp: float) -> None:
        self._per_channel(self.channel_last_success, channel).set(timestamp)

    def set_channel_serving(self, channel: str, serving: bool) -> None:
        self.channel_serving.labels(channel=channel).set(1 if serving else 0)

    # -- /metrics ---------------------------------------------------------------------------------
    def render(self) -> bytes:
        """The registry in the Prometheus text exposition format."""
        return generate_latest(self.registry)


class StorageErrorsLogged(logging.Handler):
    """Counts every log record that reports a storage failure (a StorageError as its exception
    or among its arguments) into `meterbot_storage_errors_total`, so that a failure logged
    anywhere (the month's closing, reminders, housekeeping) is counted; records marked as
    counted where they were made (`storage.downtime.COUNTED`) are left alone. Put it first
    among the root's handlers: the output handler's redaction clears a record's arguments."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(level=logging.WARNING)
        self.metrics = metrics

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "storage_error_counted", False):
            return
        found: list[object] = [record.exc_info[1]] if record.exc_info else []
        if isinstance(record.args, tuple):
            found.extend(record.args)
        if any(isinstance(item, StorageError) for item in found):
            self.metrics.on_storage_error()
