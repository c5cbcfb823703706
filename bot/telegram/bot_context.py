"""Every aiogram object's one private attribute, its bot, set in one call.

aiogram's types and methods keep the bot they came with in one private attribute, set after
validation by `BotContextController.model_post_init`. Pydantic wraps that method once more at
every level of the class hierarchy that inherits it, each wrapper setting up the private
attributes again (a default looked up, a dictionary built, the bot assigned through the model's
`__setattr__`): three to five wrappers per object, a dozen Python calls for every user, chat and
message an update holds. Parsing a button press (update, query, user, message, chat, bot, and
its keyboard) took 69 µs with them and 39 µs with one call (2026-12-02).

`flatten()` gives every class whose set-up is exactly that (its only private attribute the bot,
its post-init aiogram's own under pydantic's wrappers) one function that leaves the object as
the wrappers would: `__pydantic_private__ == {"_bot": bot}`. A class with anything else of its
own keeps pydantic's wrappers; a class defined later inherits the flat function and is wrapped
once by pydantic, correct as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiogram.client.context_controller import BotContextController

_set = object.__setattr__  # as pydantic sets `__pydantic_private__`, frozen models included


def _innermost(method: Any) -> Any:
    """The function under pydantic's wrappers (each made with `functools.wraps`)."""
    while hasattr(method, "__wrapped__"):
        method = method.__wrapped__
    return method


# aiogram's own `self._bot = context.get("bot")`, read before any class is given the flat one.
_OWN = _innermost(BotContextController.__dict__["model_post_init"])


def bot_from_context(self: BotContextController, context: Any, /) -> None:
    """What pydantic's wrappers around aiogram's post-init leave: the bot, and nothing else."""
    _set(self, "__pydantic_private__", {"_bot": context.get("bot") if context else None})


def _subclasses(
    cls: type[BotContextController],
) -> Iterator[type[BotContextController]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def flatten() -> int:
    """Give every model that only keeps its bot the one-call post-init; how many were given."""
    given = 0
    classes: set[type[BotContextController]] = {BotContextController}
    for cls in classes.union(_subclasses(BotContextController)):
        post_init = cls.__dict__.get("model_post_init")
        if post_init is None or post_init is bot_from_context:
            continue
        own_only = _innermost(post_init) is _OWN
        if own_only and tuple(getattr(cls, "__private_attributes__", ())) == ("_bot",):
            cls.model_post_init = bot_from_context  # type: ignore[method-assign,assignment]
            given += 1
    return given
