"""Raw Telegram updates as the Bot API sends them (dicts for `dp.feed_raw_update`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

DATE = 1_795_000_000
# The dialog's clock in end-to-end tests: inside the normal window (15th–26th).
OPEN_DAY = datetime(2026, 11, 20, 14, 5, tzinfo=ZoneInfo("Europe/Moscow"))


def user(user_id: int, lang: str = "ru") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": lang}


def chat(chat_id: int, kind: str = "private") -> dict[str, Any]:
    if kind == "private":
        return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
    return {"id": chat_id, "type": kind, "title": "Дом 8А"}


def message(
    update_id: int,
    user_id: int,
    text: str,
    *,
    chat_id: int | None = None,
    kind: str = "private",
    lang: str = "ru",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": update_id,
        "date": DATE,
        "chat": chat(chat_id if chat_id is not None else user_id, kind),
        "from": user(user_id, lang),
        "text": text,
    }
    if text.startswith("/"):
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": body}


def press(
    update_id: int,
    user_id: int,
    data: str,
    *,
    message_id: int = 500,
    lang: str = "ru",
    keyboard: list[list[tuple[str, str]]] | None = None,
) -> dict[str, Any]:
    """A button pressed; with `keyboard` ((label, data) rows), the pressed message carries it,
    as Telegram sends it."""
    pressed: dict[str, Any] = {
        "message_id": message_id,
        "date": DATE,
        "chat": chat(user_id),
        "from": {"id": 42, "is_bot": True, "first_name": "Meter"},
        "text": "Меню",
    }
    if keyboard is not None:
        pressed["reply_markup"] = {
            "inline_keyboard": [
                [{"text": label, "callback_data": action} for label, action in row]
                for row in keyboard
            ]
        }
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": user(user_id, lang),
            "chat_instance": "ci",
            "data": data,
            "message": pressed,
        },
    }


def edited(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """A message the resident sent earlier, changed afterwards."""
    body = message(update_id, user_id, text)["message"]
    return {"update_id": update_id, "edited_message": {**body, "edit_date": DATE + 60}}


def photo(update_id: int, user_id: int, caption: str | None = None) -> dict[str, Any]:
    """A picture sent to the bot, with or without a caption."""
    body: dict[str, Any] = {
        "message_id": update_id,
        "date": DATE,
        "chat": chat(user_id),
        "from": user(user_id),
        "photo": [{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}],
    }
    if caption is not None:
        body["caption"] = caption
    return {"update_id": update_id, "message": body}


def contact(update_id: int, user_id: int, phone: str, *, owner_id: int | None) -> dict[str, Any]:
    card: dict[str, Any] = {"phone_number": phone, "first_name": "Иван"}
    if owner_id is not None:
        card["user_id"] = owner_id
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": DATE,
            "chat": chat(user_id),
            "from": user(user_id),
            "contact": card,
        },
    }


def membership(update_id: int, user_id: int, status: str) -> dict[str, Any]:
    member = {"user": {"id": 42, "is_bot": True, "first_name": "Meter"}}
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": chat(user_id),
            "from": user(user_id),
            "date": DATE,
            "old_chat_member": {**member, "status": "member"},
            "new_chat_member": {**member, "status": status}
            if status != "kicked"
            else {**member, "status": "kicked", "until_date": 0},
        },
    }
