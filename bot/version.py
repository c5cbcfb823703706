"""The running meterbot's version: the one pip installed (pyproject.toml's)."""

from __future__ import annotations

import functools


@functools.cache
def meterbot_version() -> str:
    """The installed version, or "(not installed)" when run from a checkout without `pip
    install`. Looked up only when asked: importlib.metadata costs a command 30 ms at start."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("meterbot")
    except PackageNotFoundError:
        return "(not installed)"
