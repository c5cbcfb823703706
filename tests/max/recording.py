"""A recording transport for maxapi's `Bot`: every request is kept in order and answered as
the MAX Bot API answers, without a network (the benchmark's stand-in for the API; the tests use
the emulator on loopback instead)."""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import urlsplit

from maxapi import Bot

from tests.max.emulator import BOT_ID, MILLIS


class RecordedResponse:
    def __init__(self, status: int, body: str) -> None:
        self.status = status
        self._body = body

    @property
    def ok(self) -> bool:
        return self.status < 400

    async def text(self) -> str:
        return self._body

    def release(self) -> None:
        pass


class RecordingSession:
    """Takes the place of maxapi's aiohttp session (`bot.session`)."""

    closed = False

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []  # method, path, JSON body
        self._mids = itertools.count(1)

    async def request(self, method: str, url: str, **kwargs: Any) -> RecordedResponse:
        path = urlsplit(url).path
        body = kwargs.get("json")
        self.calls.append((method, path, body))
        if path == "/messages":
            user_id = (kwargs.get("params") or {}).get("user_id")
            return RecordedResponse(200, self._message(user_id, (body or {}).get("text")))
        return RecordedResponse(200, '{"success": true}')

    def _message(self, user_id: Any, text: str | None) -> str:
        return json.dumps(
            {
                "message": {
                    "sender": {"user_id": BOT_ID, "first_name": "Счётчик", "is_bot": True},
                    "recipient": {"chat_id": 1, "chat_type": "dialog", "user_id": user_id},
                    "timestamp": MILLIS,
                    "body": {"mid": f"mid.bot{next(self._mids)}", "seq": 1, "text": text},
                }
            },
            ensure_ascii=False,
        )

    async def close(self) -> None:
        self.closed = True

    def texts(self) -> list[str]:
        """The text of every message sent or put in place of a pressed one."""
        found = []
        for _, path, body in self.calls:
            if path == "/messages" and body:
                found.append(body.get("text") or "")
            elif path == "/answers" and body and body.get("message"):
                found.append(body["message"].get("text") or "")
        return found


def recording_bot(bot: Bot, session: RecordingSession) -> Bot:
    bot.session = session  # type: ignore[assignment]
    return bot
