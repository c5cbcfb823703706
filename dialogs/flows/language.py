"""The language: `/lang ru|en` and its buttons. A submission or a binding in progress goes on
in the new language, asked again where it stands, rather than being dropped for the menu."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from dialogs.flows import binding, general, submit
from dialogs.replies import Reply
from dialogs.routes import Route, Routes
from dialogs.turn import Turn
from dialogs.ui import MENU

_RESUMES: dict[str, Callable[[Turn], Awaitable[list[Reply]]]] = {
    **dict.fromkeys(submit.STATES, submit.resume),
    **dict.fromkeys(binding.STATES, binding.resume),
}


async def set_language(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    state, data, subject = turn.state, turn.data, turn.subject
    replies = general.set_language(turn, args)
    resume = _RESUMES.get(state)
    if resume is None or turn.profile.consent_at is None or turn.state != MENU:
        return replies  # nothing to resume, or the choice was not a language (usage shown)
    turn.goto(state, subject=subject, **data)
    return [replies[0], *await resume(turn)]


async def choose(turn: Turn, locale: str) -> list[Reply]:
    return await set_language(turn, (locale,))


ROUTES = Routes(
    prefixes={general.LANG: Route(choose, open=True, keeps_state=True)},
    commands={"lang": Route(set_language, open=True, keeps_state=True)},
)
