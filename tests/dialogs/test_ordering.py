"""TurnQueue: one turn at a time per key, first asked first served, idle keys forgotten."""

from __future__ import annotations

import asyncio

import pytest

from dialogs.ordering import TurnQueue


async def test_turns_of_one_key_run_one_at_a_time_in_the_order_asked() -> None:
    turns = TurnQueue()
    log: list[str] = []

    async def step(name: str, pause: float) -> None:
        async with turns.turn("alice"):
            log.append(f"{name} in")
            await asyncio.sleep(pause)  # the first turn is the slowest: no one may overtake it
            log.append(f"{name} out")

    await asyncio.gather(step("a", 0.05), step("b", 0.0), step("c", 0.01))

    assert log == ["a in", "a out", "b in", "b out", "c in", "c out"]
    assert len(turns) == 0  # nobody waits: nothing kept


async def test_other_keys_do_not_wait() -> None:
    turns = TurnQueue()
    bob_done = asyncio.Event()

    async def alice() -> None:
        async with turns.turn("alice"):
            await asyncio.wait_for(bob_done.wait(), 1)  # would time out if Bob waited for Alice

    async def bob() -> None:
        async with turns.turn("bob"):
            bob_done.set()

    await asyncio.gather(alice(), bob())
    assert len(turns) == 0


async def test_a_cancelled_waiter_leaves_the_line_and_the_next_one_goes() -> None:
    turns = TurnQueue()
    release = asyncio.Event()
    order: list[str] = []

    async def holder() -> None:
        async with turns.turn(1):
            await release.wait()
            order.append("holder")

    async def waiter(name: str) -> None:
        async with turns.turn(1):
            order.append(name)

    first = asyncio.create_task(holder())
    cancelled = asyncio.create_task(waiter("cancelled"))
    last = asyncio.create_task(waiter("last"))
    await asyncio.sleep(0)
    assert len(turns) == 1
    cancelled.cancel()
    release.set()
    await asyncio.gather(first, last)
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert order == ["holder", "last"]
    assert len(turns) == 0
