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
