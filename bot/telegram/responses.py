"""The parsed Bot API answer types, built once.

aiogram checks every answer as `Response[T]`, a pydantic generic model parametrised by the
method's result type (`BaseSession.check_response`). Pydantic keeps parametrised models in a
weak cache only, so a model built inside a call (as aiogram builds it) is freed by the garbage
collector's next pass, and the next call builds it again: a millisecond or more of schema
building on most calls under load, up to 15 % of a webhook update's CPU (bench/bench_peak.py).
Holding the types of the methods this bot calls keeps each one built once per process.
"""

from __future__ import annotations

from typing import Any

from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteWebhook,
    EditMessageText,
    GetMe,
    GetUpdates,
    LeaveChat,
    Response,
    SendMessage,
    SendPhoto,
    SetMyCommands,
    SetWebhook,
)

CALLED = (AnswerCallbackQuery, DeleteWebhook, EditMessageText, GetMe, GetUpdates, LeaveChat,
          SendMessage, SendPhoto, SetMyCommands, SetWebhook)  # fmt: skip

_generic: Any = Response  # parametrised by values here, which a type checker cannot follow
# Referenced for as long as the process runs: what keeps the weak cache's entries alive.
BUILT = {method.__returning__: _generic[method.__returning__] for method in CALLED}
