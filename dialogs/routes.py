"""Declarative routes: each flow module says which button actions, commands and typed-text states
it answers, next to the steps that answer them (`ROUTES = Routes(...)`); the engine merges every
flow's declaration into one `Router` and asks it for the step of each event.

How a step is called: an action's `step(turn)`; a prefixed action's `step(turn, rest)` (what
follows the prefix); a command's `step(turn, args)`, or `step(turn)` when the step takes no
arguments; typed text's `step(turn, text)`; a shared contact's `step(turn, event)`.

A route needs the resident's consent unless it is declared `open`: the engine answers a closed
route with the consent question instead, in that one place. Merging refuses two routes for one
action (an action id that a prefix also covers counts), one command or one state.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dialogs.replies import Reply
from dialogs.turn import Turn

Step = Callable[..., list[Reply] | Awaitable[list[Reply]]]

# The routes some flow must declare once: what is left when nothing else answers.
SINGLE = ("contact", "ask_consent", "not_understood", "unknown_command", "unknown_state")


class Hearing(enum.Enum):
    """Which typed wishes (`dialogs.intents`) a state follows before its step reads the text.
    A language named and a goodbye are followed in every state (`intents.EVERYWHERE`)."""

    NAVIGATION = "navigation"  # «отмена», «назад», «меню» leave it; other text is the step's
    WISHES = "wishes"  # any wish typed without digits is followed, as its button would be


class DuplicateRoute(ValueError):
    """Two routes claim one action, command or state."""


@dataclass(frozen=True, slots=True)
class Route:
    step: Step
    open: bool = False  # answered before the resident has consented
    # A prefixed action's rest that the step must never see: the route is then not taken.
    accepts: Callable[[str], bool] | None = None
    # A text route's hearing (see `Hearing`).
    hears: Hearing = Hearing.NAVIGATION
    # Texts a text route's step reads before any wish is heard: the answers to its question
    # («нет, спасибо» under a yes-or-no question is a no, not thanks).
    reads_first: Callable[[str], bool] | None = None
    # An action or command that leaves another flow's state as it is (a language change goes on
    # with a submission); any other leaves it for the menu before its step.
    keeps_state: bool = False
    takes_argument: bool = field(init=False)

    def __post_init__(self) -> None:
        positional = [
            p
            for p in inspect.signature(self.step).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        object.__setattr__(self, "takes_argument", len(positional) > 1)


@dataclass(frozen=True, slots=True)
class Routes:
    """One flow's declaration."""

    actions: Mapping[str, Route] = field(default_factory=dict)  # exact action ids
    prefixes: Mapping[str, Route] = field(default_factory=dict)  # "kp:" → step(turn, rest)
    commands: Mapping[str, Route] = field(default_factory=dict)  # "bill" → step(turn[, args])
    texts: Mapping[str, Route] = field(default_factory=dict)  # state → step(turn, text)
    contact: Route | None = None  # a shared phone number → step(turn, event)
    ask_consent: Route | None = None  # the answer to a closed route before consent
    not_understood: Route | None = None  # an action nobody routes, or a step with no answer
    unknown_command: Route | None = None  # → step(turn, name)
    unknown_state: Route | None = None  # text in a state nobody takes → step(turn, text)


_NO_ARGUMENT = object()


@dataclass(frozen=True, slots=True)
class Found:
    """A route and what to call its step with."""

    route: Route
    argument: Any = _NO_ARGUMENT

    async def run(self, turn: Turn) -> list[Reply]:
        step = self.route.step
        answer = step(turn) if self.argument is _NO_ARGUMENT else step(turn, self.argument)
        if inspect.isawaitable(answer):
            replies: list[Reply] = await answer
            return replies
        return answer


class Router:
    """Every flow's routes, merged."""

    def __init__(self, declarations: Iterable[Routes]) -> None:
        self.actions: dict[str, Route] = {}
        self.prefixes: dict[str, Route] = {}
        self.commands: dict[str, Route] = {}
        self.texts: dict[str, Route] = {}
        self._flow: dict[int, int] = {}  # id of a route → the declaration it came from
        single: dict[str, Route] = {}
        for index, routes in enumerate(declarations):
            for mapping in (routes.actions, routes.prefixes, routes.commands, routes.texts):
                self._flow.update((id(route), index) for route in mapping.values())
            _add(self.actions, routes.actions, "action")
            _add(self.prefixes, routes.prefixes, "action prefix")
            _add(self.commands, routes.commands, "command")
            _add(self.texts, routes.texts, "state")
            _add(single, {n: r for n in SINGLE if (r := getattr(routes, n)) is not None}, "route")
        for prefix in self.prefixes:
            for other in (*self.actions, *self.prefixes):
                if other != prefix and other.startswith(prefix):
                    raise DuplicateRoute(f"action {other!r} is also claimed by {prefix!r}")
        missing = [name for name in SINGLE if name not in single]
        if missing:
            raise ValueError(f"no flow declares {', '.join(missing)}")
        for kind, routes_ in (("prefixed", self.prefixes), ("text", self.texts)):
            for key, route in routes_.items():
                if not route.takes_argument:
                    raise TypeError(f"the {kind} route {key!r} must take an argument")
        self.contact = single["contact"]
        self.ask_consent = single["ask_consent"]
        self.not_understood = single["not_understood"]
        self.unknown_command = single["unknown_command"]
        self.unknown_state = single["unknown_state"]

    def action(self, action_id: str) -> Found | None:
        """The route of a button's action id; None when no flow takes it."""
        route = self.actions.get(action_id)
        if route is not None:
            return Found(route)
        for prefix, route in self.prefixes.items():
            if action_id.startswith(prefix):
                rest = action_id[len(prefix) :]
                if route.accepts is not None and not route.accepts(rest):
                    return None
                return Found(route, rest)
        return None

    def press(self, action_id: str) -> Found:
        return self.action(action_id) or Found(self.not_understood)

    def command(self, name: str, args: tuple[str, ...]) -> Found:
        route = self.commands.get(name)
        if route is None:
            return Found(self.unknown_command, name)
        return Found(route, args) if route.takes_argument else Found(route)

    def same_flow(self, route: Route, state: str) -> bool:
        """Whether `route` was declared by the flow that takes text in `state`."""
        own = self.texts.get(state)
        return own is not None and self._flow.get(id(route)) == self._flow.get(id(own))

    def text(self, state: str, text: str) -> Found:
        return Found(self.texts.get(state, self.unknown_state), text)


def _add(into: dict[str, Route], routes: Mapping[str, Route], kind: str) -> None:
    for key, route in routes.items():
        if key in into:
            raise DuplicateRoute(f"{kind} {key!r} is claimed twice")
        into[key] = route
