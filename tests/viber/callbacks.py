"""Viber callback bodies as Viber sends them (REST bot API "Callbacks"), and their signature."""

from __future__ import annotations

import hashlib
import hmac
import itertools
from typing import Any

_tokens = itertools.count(4_912_661_846_655_238_145)
TIMESTAMP = 1_764_252_000_000


def sign(body: bytes, auth_token: str) -> str:
    return hmac.new(auth_token.encode(), body, hashlib.sha256).hexdigest()


def next_token() -> int:
    return next(_tokens)


def user(user_id: str, language: str = "ru") -> dict[str, Any]:
    return {
        "id": user_id,
        "name": "Жилец",
        "avatar": "",
        "country": "RU",
        "language": language,
        "api_version": 10,
    }


def message(user_id: str, body: dict[str, Any], token: int | None = None) -> dict[str, Any]:
    return {
        "event": "message",
        "timestamp": TIMESTAMP,
        "chat_hostname": "SN-CHAT-01_",
        "message_token": token if token is not None else next_token(),
        "sender": user(user_id),
        "message": body,
        "silent": False,
    }


def text(
    user_id: str, value: str, *, token: int | None = None, tracking_data: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "text", "text": value}
    if tracking_data is not None:
        body["tracking_data"] = tracking_data
    return message(user_id, body, token)


def contact(user_id: str, phone: str, *, tracking_data: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "contact", "contact": {"name": "Жилец", "phone_number": phone}}
    if tracking_data is not None:
        body["tracking_data"] = tracking_data
    return message(user_id, body)


def sticker(user_id: str, token: int | None = None) -> dict[str, Any]:
    return message(user_id, {"type": "sticker", "sticker_id": 46105}, token)


def conversation_started(
    user_id: str, *, language: str = "ru", token: int | None = None, subscribed: bool = False
) -> dict[str, Any]:
    return {
        "event": "conversation_started",
        "timestamp": TIMESTAMP,
        "message_token": token if token is not None else next_token(),
        "type": "open",
        "context": "",
        "user": user(user_id, language),
        "subscribed": subscribed,
    }


def subscribed(user_id: str) -> dict[str, Any]:
    return {
        "event": "subscribed",
        "timestamp": TIMESTAMP,
        "user": user(user_id),
        "message_token": next_token(),
    }


def unsubscribed(user_id: str) -> dict[str, Any]:
    return {
        "event": "unsubscribed",
        "timestamp": TIMESTAMP,
        "user_id": user_id,
        "message_token": next_token(),
    }


def delivery(event: str, user_id: str, token: int) -> dict[str, Any]:
    """`delivered`, `seen` or `failed` for a message the bot sent."""
    body: dict[str, Any] = {
        "event": event,
        "timestamp": TIMESTAMP,
        "message_token": token,
        "user_id": user_id,
    }
    if event == "failed":
        body["desc"] = "failure description"
    return body


def webhook() -> dict[str, Any]:
    return {
        "event": "webhook",
        "timestamp": TIMESTAMP,
        "chat_hostname": "SN-219_",
        "message_token": next_token(),
    }
