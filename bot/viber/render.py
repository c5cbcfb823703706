"""The dialog's neutral replies as Viber `send_message` bodies (without `receiver`).

Buttons become a Viber keyboard of `ActionType: reply` buttons whose `ActionBody` is the action
id behind `ACTION_PREFIX`, so a press comes back as a text message the adapter can tell apart
from typed text. Presses are `Silent`: the resident does not see `act:…` echoed in the chat.
A Viber keyboard is the input area, not part of one bubble (the client shows the last keyboard
it received), so within one batch a message without buttons keeps the keyboard sent before it.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bot.config import ViberSettings
from dialogs.replies import Button, Reply

ACTION_PREFIX = "act:"
# Echoed back by Viber in the next message's `tracking_data`: the contact that answers our
# share-phone keyboard is the sender's own number (see events.py).
SHARE_PHONE_TRACKING = "meterbot:share-phone"
SHARE_PHONE_BODY = "share-phone"

TEXT_LIMIT = 7000  # Viber's maximum text length
PICTURE_TEXT_LIMIT = 768  # a picture's description
SENDER_NAME_LIMIT = 28
GRID_COLUMNS = 6  # a Viber keyboard row is 6 columns wide
SHARE_PHONE_API_VERSION = 3  # share-phone buttons need clients of API level 3 and above

PictureUrl = Callable[[bytes], str | None]


@dataclass(frozen=True, slots=True)
class _Keyboard:
    body: dict[str, Any]
    min_api_version: int | None
    tracking_data: str | None


def sender_of(viber: ViberSettings) -> dict[str, str]:
    """The `sender` object: the name cut to Viber's 28 characters; the avatar when set."""
    sender = {"name": viber.name[:SENDER_NAME_LIMIT]}
    if viber.avatar:
        sender["avatar"] = viber.avatar
    return sender


def render_messages(
    replies: Sequence[Reply], sender: dict[str, str], picture_url: PictureUrl
) -> list[dict[str, Any]]:
    """Every reply as one or more messages, in order. `picture_url` publishes a PNG and returns
    its public URL, or None when there is no public origin (the caption is sent as text)."""
    messages: list[dict[str, Any]] = []
    keyboard: _Keyboard | None = None
    for reply in replies:
        keyboard = _keyboard(reply) or keyboard
        for message in _reply_messages(reply, picture_url):
            messages.append(_finish(message, sender, keyboard))
    return messages


def render_welcome(replies: Sequence[Reply], sender: dict[str, str]) -> dict[str, Any] | None:
    """The one message Viber allows in answer to conversation_started: the texts joined, the
    last keyboard attached; pictures are left out (the resident is not subscribed yet)."""
    text = "\n\n".join(reply.text for reply in replies if reply.text.strip())
    if not text:
        return None
    keyboard = None
    for reply in replies:
        keyboard = _keyboard(reply) or keyboard
    message = {"type": "text", "text": text[:TEXT_LIMIT]}
    return _finish(message, sender, keyboard)


def _reply_messages(reply: Reply, picture_url: PictureUrl) -> Iterator[dict[str, Any]]:
    picture = reply.picture
    url = None if picture is None else picture_url(picture.png)
    # A text that only repeats the picture's caption is shown once, as the caption.
    captioned = picture is not None and reply.text == picture.caption
    if not (captioned and url is not None):
        for chunk in split_text(reply.text):
            yield {"type": "text", "text": chunk}
    if picture is None:
        return
    if url is not None:
        yield {"type": "picture", "text": picture.caption[:PICTURE_TEXT_LIMIT], "media": url}
    elif picture.caption and not captioned:
        yield {"type": "text", "text": picture.caption[:TEXT_LIMIT]}


def _finish(
    message: dict[str, Any], sender: dict[str, str], keyboard: _Keyboard | None
) -> dict[str, Any]:
    message["sender"] = sender
    if keyboard is not None:
        message["keyboard"] = keyboard.body
        if keyboard.min_api_version is not None:
            message["min_api_version"] = keyboard.min_api_version
        if keyboard.tracking_data is not None:
            message["tracking_data"] = keyboard.tracking_data
    return message


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a long text into pieces Viber accepts, at line breaks where possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest.strip():
        pieces.append(rest)
    return pieces


def _keyboard(reply: Reply) -> _Keyboard | None:
    buttons: list[dict[str, Any]] = []
    if reply.request_contact:
        buttons.append(
            _button(reply.request_contact, GRID_COLUMNS, "share-phone", SHARE_PHONE_BODY)
        )
    for row in reply.buttons:
        for chunk in _chunks(row):
            for button, columns in zip(chunk, _columns(len(chunk)), strict=True):
                if button.url:  # Viber opens the page in its browser
                    buttons.append(_button(button.label, columns, "open-url", button.url))
                    continue
                action = ACTION_PREFIX + button.action_id
                buttons.append(_button(button.label, columns, "reply", action))
    if not buttons:
        return None
    body: dict[str, Any] = {"Type": "keyboard", "DefaultHeight": False, "Buttons": buttons}
    if reply.request_contact:
        return _Keyboard(body, SHARE_PHONE_API_VERSION, SHARE_PHONE_TRACKING)
    return _Keyboard(body, None, None)


def _button(label: str, columns: int, action_type: str, action_body: str) -> dict[str, Any]:
    button: dict[str, Any] = {
        "Columns": columns,
        "Rows": 1,
        "ActionType": action_type,
        "ActionBody": action_body,
        # Button text accepts a little HTML (<b>, <font>): a label is shown as written.
        "Text": html.escape(label, quote=False),
        "TextSize": "regular",
    }
    if action_type == "reply":
        button["Silent"] = True
    return button


def _chunks(row: Sequence[Button]) -> Iterator[Sequence[Button]]:
    """A dialog row split so that every label stays readable on a phone."""
    per_row = _per_row(max((len(button.label) for button in row), default=0))
    for start in range(0, len(row), per_row):
        yield row[start : start + per_row]


def _per_row(longest_label: int) -> int:
    if longest_label <= 3:  # digits and arrows of the keypad
        return GRID_COLUMNS
    if longest_label <= 14:
        return 3
    if longest_label <= 24:
        return 2
    return 1


def _columns(count: int) -> list[int]:
    """6 columns shared out: 1 → [6], 2 → [3, 3], 4 → [2, 2, 1, 1], so a row stays a row."""
    base, extra = divmod(GRID_COLUMNS, count)
    return [base + 1 if index < extra else base for index in range(count)]
