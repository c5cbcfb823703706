"""Neutral outbound replies: what the dialog answers, for any channel to render.

Texts are plain (no markup): each adapter escapes them for its own format.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action_id: str  # stable, short (fits Telegram's 64-byte callback_data)
    url: str | None = None  # a link the messenger opens instead of sending the action back


@dataclass(frozen=True, slots=True)
class Picture:
    png: bytes
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()  # rows of buttons
    request_contact: str | None = None  # label of a "share my phone" button, when asked for
    picture: Picture | None = None
    # The message whose button was pressed still says what the resident needs (the receipt of
    # accepted readings): a channel that can replace that message in place must not.
    keep_pressed: bool = False

    def all_buttons(self) -> tuple[Button, ...]:
        return tuple(button for row in self.buttons for button in row)
