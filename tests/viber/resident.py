"""A Viber resident for end-to-end tests: opens the chat, types, presses the keyboard Viber
shows them (the last one received) and shares their phone, all as signed callbacks."""

from __future__ import annotations

import html
from typing import Any

from tests.viber import callbacks
from tests.viber.conftest import Harness


class ViberResident:
    def __init__(self, harness: Harness, user_id: str) -> None:
        self.harness = harness
        self.user_id = user_id
        self.received: list[dict[str, Any]] = []  # every message shown to this resident
        self.last: list[dict[str, Any]] = []  # the messages of the last answer
        self._seen_calls = 0

    async def open(self, language: str = "ru") -> dict[str, Any]:
        """Open the chat (not subscribed yet): the welcome comes in the callback's answer."""
        response = await self.harness.post(
            callbacks.conversation_started(self.user_id, language=language)
        )
        assert response.status == 200
        welcome: dict[str, Any] = await response.json()
        self._show([welcome])
        return welcome

    async def send(self, text: str) -> list[dict[str, Any]]:
        return await self._callback(
            callbacks.text(self.user_id, text, tracking_data=self._tracking())
        )

    async def send_sticker(self) -> list[dict[str, Any]]:
        return await self._callback(callbacks.sticker(self.user_id))

    async def press(self, label: str) -> list[dict[str, Any]]:
        button = self.button(label)
        assert button["ActionType"] == "reply", button
        return await self.send(button["ActionBody"])

    async def share_phone(self, phone: str) -> list[dict[str, Any]]:
        kinds = [button["ActionType"] for button in self.keyboard()]
        assert "share-phone" in kinds, f"no share-phone button on the keyboard: {self.labels()}"
        return await self._callback(
            callbacks.contact(self.user_id, phone, tracking_data=self._tracking())
        )

    async def redeliver_last(self) -> list[dict[str, Any]]:
        """Viber sends the resident's last callback again (it missed our 200)."""
        return await self._callback(self._last_callback)

    def keyboard(self) -> list[dict[str, Any]]:
        """The buttons Viber shows: those of the last message that carried a keyboard."""
        for message in reversed(self.received):
            if "keyboard" in message:
                buttons: list[dict[str, Any]] = message["keyboard"]["Buttons"]
                return buttons
        return []

    def labels(self) -> list[str]:
        return [html.unescape(button["Text"]) for button in self.keyboard()]

    def button(self, label: str) -> dict[str, Any]:
        for button in self.keyboard():
            if html.unescape(button["Text"]) == label:
                return button
        raise AssertionError(f"no button {label!r} on the keyboard: {self.labels()}")

    def text(self) -> str:
        return "\n".join(m.get("text", "") for m in self.last)

    async def _callback(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        self._last_callback = body
        response = await self.harness.post(body)
        assert response.status == 200
        calls = self.harness.emulator.sent
        new = [m for m in calls[self._seen_calls :] if m["receiver"] == self.user_id]
        self._seen_calls = len(calls)
        self._show(new)
        return new

    def _show(self, messages: list[dict[str, Any]]) -> None:
        self.last = messages
        self.received.extend(messages)

    def _tracking(self) -> str | None:
        # Viber echoes the tracking_data of the last message the resident received.
        return self.received[-1].get("tracking_data") if self.received else None
