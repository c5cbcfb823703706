"""Raw MAX updates as the Bot API sends them (the shapes of its public schema)."""

from __future__ import annotations

import itertools
from typing import Any

from tests.max.emulator import BOT_ID, MILLIS

_clock = itertools.count(MILLIS, 1000)


def user(user_id: int) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "first_name": f"Житель{user_id}",
        "last_name": None,
        "is_bot": False,
        "last_activity_time": MILLIS,
    }


def dialog_message(
    user_id: int,
    mid: str,
    text: str | None,
    attachments: list[dict[str, Any]] | None = None,
    *,
    group: int | None = None,
) -> dict[str, Any]:
    if group is None:
        recipient = {"chat_id": user_id + 1_000_000_000, "chat_type": "dialog", "user_id": BOT_ID}
    else:
        recipient = {"chat_id": group, "chat_type": "chat"}
    body: dict[str, Any] = {"mid": mid, "seq": 1, "text": text}
    if attachments:
        body["attachments"] = attachments
    return {"sender": user(user_id), "recipient": recipient, "timestamp": MILLIS, "body": body}


def message_created(
    user_id: int,
    mid: str,
    text: str | None,
    attachments: list[dict[str, Any]] | None = None,
    *,
    group: int | None = None,
    locale: str = "ru",
) -> dict[str, Any]:
    return {
        "update_type": "message_created",
        "timestamp": next(_clock),
        "message": dialog_message(user_id, mid, text, attachments, group=group),
        "user_locale": locale,
    }


def contact(user_id: int, mid: str, phone: str, owner: int | None) -> dict[str, Any]:
    """A shared contact; `owner` is the MAX user it belongs to (None: a card from an address
    book, with no MAX account behind it)."""
    vcf = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Житель\r\nTEL;TYPE=cell:{phone}\r\nEND:VCARD\r\n"
    payload: dict[str, Any] = {"vcf_info": vcf, "hash": "h"}
    if owner is not None:
        payload["max_info"] = user(owner)
    return message_created(user_id, mid, None, [{"type": "contact", "payload": payload}])


def callback(
    user_id: int, callback_id: str, payload: str, *, group: int | None = None
) -> dict[str, Any]:
    pressed = dialog_message(BOT_ID, "mid.pressed", "…", group=group)
    return {
        "update_type": "message_callback",
        "timestamp": next(_clock),
        "callback": {
            "timestamp": MILLIS,
            "callback_id": callback_id,
            "payload": payload,
            "user": user(user_id),
        },
        "message": pressed,
        "user_locale": "ru",
    }


def bot_started(user_id: int, locale: str = "ru") -> dict[str, Any]:
    return {
        "update_type": "bot_started",
        "timestamp": next(_clock),
        "chat_id": user_id + 1_000_000_000,
        "user": user(user_id),
        "user_locale": locale,
    }


def bot_stopped(user_id: int) -> dict[str, Any]:
    return {
        "update_type": "bot_stopped",
        "timestamp": next(_clock),
        "chat_id": user_id + 1_000_000_000,
        "user": user(user_id),
    }


def message_edited(user_id: int, mid: str, text: str) -> dict[str, Any]:
    return {
        "update_type": "message_edited",
        "timestamp": next(_clock),
        "message": dialog_message(user_id, mid, text),
        "user_locale": "ru",
    }
