"""`meterbot` runs its commands on uvloop where it is installed, on asyncio's loop otherwise."""

from __future__ import annotations

import argparse
import asyncio
import sys

import pytest

from bot import cli
from bot.config import Settings


def loop_of_a_command(monkeypatch: pytest.MonkeyPatch) -> str:
    """The package of the event loop `meterbot db migrate` runs its command on."""
    loops: list[str] = []

    async def command(settings: Settings, args: argparse.Namespace) -> int:
        loops.append(type(asyncio.get_running_loop()).__module__.split(".")[0])
        return 0

    monkeypatch.setattr(cli, "_command", lambda args: command)
    assert cli.main(["db", "migrate"]) == 0
    [loop] = loops
    return loop


def test_a_command_runs_on_uvloop_where_it_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert loop_of_a_command(monkeypatch) == "uvloop"


def test_without_uvloop_asyncio_runs_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as if not installed: importing fails
    assert cli.event_loop_factory() is None
    assert loop_of_a_command(monkeypatch) == "asyncio"
