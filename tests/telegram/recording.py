"""A Bot API session that records every call and answers in FIFO order, without a network.

aiogram's own MockedSession pops scripted answers LIFO; here `script(...)` answers are used in
the order given, and a call with nothing scripted gets a plausible default result (a Message
for a send, True for a setter), so tests script only the failures they are about.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import (
    EditMessageText,
    GetMe,
    GetUpdates,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Message, PhotoSize, User

TOKEN = "42:TESTTOKEN"
BOT_USER = User(id=42, is_bot=True, first_name="Meter", username="meter_test_bot")


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Any] = []  # TelegramMethod instances; Any lets tests read fields
        self._answers: deque[Any] = deque()
        self._message_ids = itertools.count(1000)

    def script(self, *answers: Any) -> None:
        """Answers for the next calls, in order: a result, or an exception to raise."""
        self._answers.extend(answers)

    def names(self) -> list[str]:
        return [call.__api_method__ for call in self.calls]

    def sent(self, name: str = "sendMessage") -> list[Any]:
        return [call for call in self.calls if call.__api_method__ == name]

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's BaseSession signature
    ) -> TelegramType:
        self.calls.append(method)
        if self._answers:
            answer = self._answers.popleft()
            if isinstance(answer, BaseException):
                raise answer
            return answer  # type: ignore[no-any-return]
        return self._default(method)  # type: ignore[no-any-return]

    def _default(self, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return BOT_USER
        if isinstance(method, GetUpdates):
            return []
        if isinstance(method, SendMessage | EditMessageText | SendPhoto):
            chat_id = int(method.chat_id) if method.chat_id is not None else 0
            # isinstance, not getattr with a default: a pydantic model's missing attribute
            # goes through its __getattr__ and an exception, dearer than the rest of this call.
            edited = isinstance(method, EditMessageText) and method.message_id
            return Message(
                message_id=edited or next(self._message_ids),
                date=datetime.now(UTC),
                chat=Chat(id=chat_id, type="private"),
                text=None if isinstance(method, SendPhoto) else method.text,
                photo=[PhotoSize(file_id="p", file_unique_id="p", width=1, height=1)]
                if isinstance(method, SendPhoto)
                else None,
            )
        return True

    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - aiogram's BaseSession signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:  # pragma: no cover - files are never downloaded here
        yield b""
