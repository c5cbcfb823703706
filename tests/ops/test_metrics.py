"""What /metrics says about the process itself."""

from __future__ import annotations

from bot.observability import Metrics
from bot.version import meterbot_version


def test_build_info_carries_the_running_version() -> None:
    text = Metrics().render().decode()

    assert f'meterbot_build_info{{version="{meterbot_version()}"}} 1.0' in text


def test_a_given_version_is_the_one_shown() -> None:
    metrics = Metrics(version="1.2.3")
    assert metrics.registry.get_sample_value("meterbot_build_info", {"version": "1.2.3"}) == 1


def test_a_storage_failure_is_counted_wherever_it_is_logged() -> None:
    import logging

    from bot.observability import StorageErrorsLogged
    from storage.base import StorageError
    from storage.downtime import COUNTED

    metrics = Metrics()
    log = logging.getLogger("meterbot.test.counting")
    counting = StorageErrorsLogged(metrics)
    log.addHandler(counting)
    try:
        log.error("closing 2026-10 failed: %s", StorageError("connection refused"))
        try:
            raise StorageError("disk I/O error")
        except StorageError:
            log.exception("reminder campaign stopped")
        log.error("already counted: %s", StorageError("x"), extra=COUNTED)
        log.error("not storage: %s", ValueError("x"))
        log.info("no failure: %s", StorageError("x"))  # below WARNING: not a failure report
    finally:
        log.removeHandler(counting)

    assert metrics.registry.get_sample_value("meterbot_storage_errors_total") == 2
