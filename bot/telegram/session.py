"""Bot API calls sent as JSON bodies.

aiogram's `AiohttpSession` sends every call as multipart/form-data: each parameter its own part
with its own headers, every nested object (a keyboard) encoded as JSON inside its part. The Bot
API takes `application/json` bodies as well (https://core.telegram.org/bots/api#making-requests),
and one JSON document is cheaper to build and to send than the parts: building the form was
9 % of the bot's samples at the evening peak (bench/bench_peak.py). A call that uploads a file
(the chart, the payment QR) still goes as a form, the only way to upload one.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile
from aiohttp import ClientError, ClientTimeout

JSON_BODY = {"Content-Type": "application/json"}


def json_params(
    session: BaseSession, bot: Bot, method: TelegramMethod[Any]
) -> dict[str, Any] | None:
    """The call's parameters as one JSON document (unset ones left out); None when the call
    uploads a file, which only a form can carry."""
    files: dict[str, InputFile] = {}
    # Unset parameters are dropped here rather than walked (a keypad's buttons have a dozen
    # each): 44 µs a message with a twelve-key keypad instead of 72.
    params = method.model_dump(warnings=False, exclude_none=True)
    document: dict[str, Any] = session.prepare_value(
        params, bot=bot, files=files, _dumps_json=False
    )
    return None if files else document


class JsonSession(AiohttpSession):
    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        body = json_params(self, bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=self.json_dumps(body),
                headers=JSON_BODY,
                timeout=ClientTimeout(total=self.timeout if timeout is None else timeout),
            ) as resp:
                raw_result = await resp.text()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        response = self.check_response(
            bot=bot, method=method, status_code=resp.status, content=raw_result
        )
        return cast(TelegramType, response.result)
