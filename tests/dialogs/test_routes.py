"""The flows' declared routes: every button a step can produce leads somewhere, and no action,
command or state is claimed twice."""

from __future__ import annotations

import random
from datetime import date, datetime

import pytest

from billing_core.models import Period
from dialogs.config import DialogConfig
from dialogs.engine import ROUTER, DialogEngine
from dialogs.flows import declared, general, offices, statement
from dialogs.reminders import render_reminder
from dialogs.replies import Button
from dialogs.routes import DuplicateRoute, Route, Router, Routes
from storage.base import Storage
from tests.dialogs.conftest import (
    AUTOMATIC,
    MISSED,
    MSK,
    NORMAL_WINDOW,
    OPEN_DAY,
    SINGLE,
    THREE_ZONE,
    TWO_ZONE,
)
from tests.dialogs.conversation import Conversation, FakeClock

NOVEMBER = Period(2026, 11)
CLOSED_DAY = datetime(2026, 12, 3, 10, 0, tzinfo=MSK)  # every window is shut
VALUES = ("46720", "21900", "47000", "9500", "99000", "40000", "46 720 21 900 9 500")
TYPED = (
    "46720", "46 720 21 700", "99999999", "1", "abc", "12345-678-90", "0012345", "Бутово",
    "да", "нет", "/lang en", "/lang ru", "/lang", "/submit", "/accounts", "/remind", "/forget",
    "/bill", "/history", "/help", "/offices", "/start", "/menu",
)  # fmt: skip


async def walk(engine: DialogEngine, pair: tuple[str, str], seed: int, steps: int) -> set[str]:
    """A resident pressing buttons at random (now and then typing): the action ids shown."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible walk, not a secret
    talk = Conversation(engine, f"walker-{seed}")
    shown: set[str] = set()

    def seen() -> list[Button]:
        buttons = talk.buttons()
        shown.update(button.action_id for button in buttons)
        return buttons

    await talk.send("/start")
    seen()
    await talk.press("consent:yes")
    seen()
    await talk.send(f"/bind {pair[0]} {pair[1]}")
    for _ in range(steps):
        buttons = seen()
        if any(b.action_id == "sub:kp" for b in buttons) and rng.random() < 0.7:
            await talk.send(rng.choice(VALUES))  # a value asked for: mostly given
        elif buttons and rng.random() < 0.75:
            await talk.press(rng.choice(buttons).action_id)
        else:
            await talk.send(rng.choice(TYPED))
    seen()
    return shown


def unrouted(router: Router, actions: set[str]) -> list[str]:
    return sorted(action for action in actions if router.action(action) is None)


@pytest.fixture
async def shown(storage: Storage, config: DialogConfig) -> set[str]:
    actions: set[str] = set()
    for now in (OPEN_DAY, CLOSED_DAY):
        engine = DialogEngine(storage, config, FakeClock(now))
        for seed, pair in enumerate(
            (SINGLE, TWO_ZONE, THREE_ZONE, NORMAL_WINDOW, AUTOMATIC, MISSED)
        ):
            actions |= await walk(engine, pair, seed + (100 if now == CLOSED_DAY else 0), 120)
    for kind in ("opening", "last-call"):
        closes_on = date(2026, 11, 26)
        reminder = render_reminder(kind, "ru", "дом", "12345-678-90", NOVEMBER, closes_on, 3)
        actions.update(button.action_id for button in reminder.all_buttons())
    return actions


async def test_every_button_a_step_produces_has_a_route(shown: set[str]) -> None:
    # The walk reaches the screens: the keypad, the preview, the accounts, the FAQ, refusals.
    for expected in (
        "kp:5",
        "sub:ok",
        "sub:sure",
        "faq:pay",
        "lang:en",
        "off:near",
        "remind:next",
    ):
        assert expected in shown, sorted(shown)
    assert any(action.startswith("acc:open:") for action in shown)
    assert unrouted(ROUTER, shown) == []


async def test_a_button_without_a_route_is_found(shown: set[str]) -> None:
    without_statement = Router(r for r in declared() if r is not statement.ROUTES)
    assert unrouted(without_statement, shown) == ["m:bill", "m:history"]


def test_two_routes_for_one_action_command_or_state_are_refused() -> None:
    menu = Route(general.menu, open=True)
    text = Route(offices.offices_search)
    clashes = [
        Routes(actions={"m:bill": menu}),
        Routes(prefixes={"kp:": text}),  # a second keypad
        Routes(prefixes={"m:": text}),  # would cover every menu item
        Routes(actions={"acc:open:1234567890": menu}),  # covered by the accounts' prefix
        Routes(commands={"bill": menu}),
        Routes(texts={offices.OFFICES_SEARCH: text}),
        Routes(not_understood=menu),
    ]
    for clash in clashes:
        with pytest.raises(DuplicateRoute):
            Router((*declared(), clash))


def test_the_flows_declare_what_is_left_once_and_nothing_twice() -> None:
    Router(declared())  # no clash among the flows themselves
    with pytest.raises(ValueError, match="no flow declares contact"):
        Router(r for r in declared() if r.contact is None)
