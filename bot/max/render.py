"""Neutral replies as MAX messages: HTML with every text escaped, callback buttons in an inline
keyboard, the phone request as a `request_contact` button, a chart as an uploaded image.

Unlike Telegram, one MAX message carries its text, its picture and its keyboard together, and
the phone request is an inline button like the others (there is no separate reply keyboard), so
a reply is nearly always one message. Limits, from the MAX Bot API: a text of at most 4000
characters, at most 7 buttons in a row (3 when the row requests a contact), at most 30 rows.

Keyboards are built once per distinct set of buttons: the dialog repeats a handful of them
(menus, the keypad), and building maxapi's pydantic buttons is most of rendering a reply.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from maxapi.enums.attachment import AttachmentType
from maxapi.types.attachments.attachment import Attachment, ButtonsPayload
from maxapi.types.attachments.buttons import CallbackButton, LinkButton, RequestContactButton

from dialogs.replies import Button, Reply

TEXT_LIMIT = 3999  # maxapi refuses 4000 and more (the API's limit is 4000)
ROW_LIMIT = 7
ROWS_LIMIT = 30
KEYBOARDS_CACHED = 1024


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One MAX message: escaped HTML text, the keyboard attachment, a PNG to upload."""

    text: str
    keyboard: Attachment | None = None
    png: bytes | None = None
    # The keyboard as the request's JSON, dumped once per distinct keyboard (see _keyboard).
    keyboard_json: dict[str, Any] | None = None

    @property
    def attachments(self) -> list[Attachment]:
        return [self.keyboard] if self.keyboard is not None else []


def quote(text: str) -> str:
    return html.escape(text, quote=False)


def render(reply: Reply) -> list[Outgoing]:
    """The messages that show one reply, in order: the picture on the first, the keyboard on
    the last."""
    keyboard = keyboard_of(reply.buttons, reply.request_contact)
    keyboard_json = (
        None if keyboard is None else _keyboard_json(reply.buttons, reply.request_contact)
    )
    pieces = split_text(reply.text) or [""]
    png = reply.picture.png if reply.picture is not None else None
    if png is not None and pieces == [""] and reply.picture is not None:
        pieces = split_text(reply.picture.caption) or [""]
    last = len(pieces) - 1
    return [
        Outgoing(
            text=piece,
            keyboard=keyboard if index == last else None,
            keyboard_json=keyboard_json if index == last else None,
            png=png if index == 0 else None,
        )
        for index, piece in enumerate(pieces)
    ]


def render_all(replies: Sequence[Reply]) -> list[Outgoing]:
    return [message for reply in replies for message in render(reply)]


def keyboard_of(
    rows: tuple[tuple[Button, ...], ...], request_contact: str | None
) -> Attachment | None:
    if not rows and request_contact is None:
        return None
    return _keyboard(rows, request_contact)


@lru_cache(maxsize=KEYBOARDS_CACHED)
def _keyboard(rows: tuple[tuple[Button, ...], ...], request_contact: str | None) -> Attachment:
    buttons: list[list[CallbackButton | LinkButton | RequestContactButton]] = []
    if request_contact is not None:
        # First: it is what the question asks for; the other buttons are ways out.
        buttons.append([RequestContactButton(text=request_contact)])
    for row in rows:
        for start in range(0, len(row), ROW_LIMIT):
            buttons.append(
                [
                    LinkButton(text=button.label, url=button.url)
                    if button.url
                    else CallbackButton(text=button.label, payload=button.action_id)
                    for button in row[start : start + ROW_LIMIT]
                ]
            )
    payload = ButtonsPayload(buttons=buttons[:ROWS_LIMIT])  # type: ignore[arg-type]
    return Attachment(type=AttachmentType.INLINE_KEYBOARD, payload=payload, bot=None)


@lru_cache(maxsize=KEYBOARDS_CACHED)
def _keyboard_json(
    rows: tuple[tuple[Button, ...], ...], request_contact: str | None
) -> dict[str, Any]:
    dumped: dict[str, Any] = _keyboard(rows, request_contact).model_dump(mode="json")
    return dumped


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Escaped pieces of at most `limit` characters, cut at line breaks where possible."""
    escaped = quote(text)
    if len(escaped) <= limit:
        return [escaped] if escaped else []
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        for chunk in _chunks(line, limit):
            candidate = f"{current}\n{chunk}" if current else chunk
            if len(quote(candidate)) <= limit:
                current = candidate
            else:
                pieces.append(quote(current))
                current = chunk
    if current:
        pieces.append(quote(current))
    return pieces


def _chunks(line: str, limit: int) -> list[str]:
    # Escaping at most quintuples a character ("&amp;"): a fifth of the limit always fits.
    size = max(1, limit // 5)
    if len(quote(line)) <= limit:
        return [line]
    return [line[start : start + size] for start in range(0, len(line), size)]
