"""Bot API calls sent as JSON bodies.

aiogram's `AiohttpSession` sends every call as multipart/form-data: each parameter its own part
with its own headers, every nested object (a keyboard) encoded as JSON inside its part. The Bot
API takes `application/json` bodies as well (https://core.telegram.org/bots/api#making-requests),
and one JSON document is cheaper to build and to send than the parts: building the form was
9 % of the bot's samples at the evening peak (bench/bench_peak.py). A call that uploads a file
(the chart, the payment QR) still goes as a form, the only way to upload one.

They go over connections of our own (`bot.telegram.connections`), not aiohttp's client, which
cost several times as much CPU a call.

Two more savings, both measured there. A frozen keyboard (`bot.telegram.render` shares one per
distinct set of buttons) is turned into JSON once, not at every call that shows it. And a call
made inside `results_unread()` (showing the dialog's replies) is checked for errors as always
but its result, which nobody reads, is not built into objects: validating the message Telegram
sends back, keyboard and all, cost more than building and sending the call.
"""

from __future__ import annotations

import contextvars
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, cast

import certifi
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile, TelegramObject

from bot.telegram.connections import ConnectionFailed, KeptConnections, Server

# Frozen keyboards whose JSON form is kept: as many as bot.telegram.render shares, and more.
FROZEN_JSON_KEPT = 2048

# The opening of a successful answer: `{"ok":true,"result":…}`.
_SAYS_OK = re.compile(r'\{\s*"ok"\s*:\s*true\s*[,}]')
_results_unread = contextvars.ContextVar("telegram_results_unread", default=False)
_frozen_json: dict[int, tuple[TelegramObject, dict[str, Any]]] = {}


@contextmanager
def results_unread() -> Iterator[None]:
    """Calls made inside return None when they succeed: their results are not read, so they
    are not built. A failed call raises as it always does."""
    token = _results_unread.set(True)
    try:
        yield
    finally:
        _results_unread.reset(token)


def json_params(
    session: BaseSession, bot: Bot, method: TelegramMethod[Any]
) -> dict[str, Any] | None:
    """The call's parameters as one JSON document (unset ones left out); None when the call
    uploads a file, which only a form can carry."""
    files: dict[str, InputFile] = {}
    frozen: dict[str, dict[str, Any]] = {}
    params: dict[str, Any] = {}
    # The method's own fields are read as they are, not dumped: pydantic's dump of a whole
    # call cost more than the rest of building it. Unset parameters are dropped, and so are
    # a nested object's (a keypad's buttons have a dozen each: 44 µs a message with a
    # twelve-key keypad instead of 72).
    for name, value in method:
        if value is None:
            continue
        if isinstance(value, TelegramObject):
            if value.model_config.get("frozen", False):
                frozen[name] = _json_of_frozen(session, bot, value)
                continue
            value = value.model_dump(warnings=False, exclude_none=True)
        params[name] = value
    document: dict[str, Any] = session.prepare_value(
        params, bot=bot, files=files, _dumps_json=False
    )
    document.update(frozen)
    return None if files else document


def _json_of_frozen(session: BaseSession, bot: Bot, value: TelegramObject) -> dict[str, Any]:
    # Keyed by identity, with the object kept alive beside its form so the key is never reused.
    kept = _frozen_json.get(id(value))
    if kept is None:
        if len(_frozen_json) >= FROZEN_JSON_KEPT:
            _frozen_json.clear()
        form = session.prepare_value(
            value.model_dump(warnings=False, exclude_none=True),
            bot=bot,
            files={},
            _dumps_json=False,
        )
        kept = _frozen_json[id(value)] = (value, form)
    return kept[1]


class JsonSession(AiohttpSession):
    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("proxy") is not None:  # the kept connections would go around it
            raise ValueError("JsonSession connects directly: it takes no proxy")
        super().__init__(**kwargs)
        # The certificates aiogram's own connections trust.
        self._connections = KeptConnections(ssl.create_default_context(cafile=certifi.where()))

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        params = json_params(self, bot, method)
        if params is None:
            return await super().make_request(bot, method, timeout)
        server, path = _split(self.api.api_url(token=bot.token, method=method.__api_method__))
        body = self.json_dumps(params).encode()
        try:
            status, answer = await self._connections.post_json(
                server, path, body, self.timeout if timeout is None else timeout
            )
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ConnectionFailed as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        raw_result = answer.decode()  # not UTF-8: UnicodeDecodeError, as aiohttp's text()
        if status == 200 and _results_unread.get() and self._succeeded(raw_result):
            return cast(TelegramType, None)
        response = self.check_response(
            bot=bot, method=method, status_code=status, content=raw_result
        )
        return cast(TelegramType, response.result)

    async def close(self) -> None:
        await self._connections.close()
        await super().close()

    def _succeeded(self, answer: str) -> bool:
        """The answer says `"ok": true`; anything else goes through aiogram's checks, which
        raise the matching error. The Bot API writes `ok` first, so its opening tells, without
        parsing the message sent back whole (the keyboard included)."""
        if _SAYS_OK.match(answer):
            return True
        try:
            document = self.json_loads(answer)
        except ValueError:
            return False
        return isinstance(document, dict) and document.get("ok") is True


@lru_cache(maxsize=256)  # one address per method used
def _split(url: str) -> tuple[Server, str]:
    server = Server.of(url)
    path = url.split("://", 1)[1]
    return server, path[path.index("/") :] if "/" in path else "/"
