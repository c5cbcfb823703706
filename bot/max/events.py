"""MAX updates read with maxapi's own models, then told as what they mean to this bot.

`read_update` turns one raw update (a `GET /updates` item or a webhook body) into one of the
small records below; the channel acts on the record. Only private dialogs reach the dialog:
a group chat or a channel gets a polite refusal.

Update ids, for the dialog's "handled once" record: a message's `mid`, a press's
`callback_id` — both the same when MAX delivers the update again; `bot_started` and an edit
carry neither, so their id is made of the user or message and the update's own timestamp,
which a redelivery repeats too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from maxapi.enums.attachment import AttachmentType
from maxapi.enums.chat_type import ChatType
from maxapi.types.attachments.attachment import ContactAttachmentPayload
from maxapi.types.message import Message
from maxapi.types.updates import UpdateUnionAdapter
from maxapi.types.updates.bot_started import BotStarted
from maxapi.types.updates.bot_stopped import BotStopped
from maxapi.types.updates.message_callback import MessageCallback
from maxapi.types.updates.message_created import MessageCreated
from maxapi.types.updates.message_edited import MessageEdited
from pydantic import ValidationError

from bot.max.texts import locale_of
from dialogs.events import ChatRef, Choice, ContactShared, Inbound, Start
from dialogs.typed import parse_typed

CHANNEL = "max"


def chat_ref(user_id: int | str) -> ChatRef:
    """A resident in this channel, by MAX user id (a dialog's messages go to the user id)."""
    return ChatRef(CHANNEL, str(user_id))


@dataclass(frozen=True, slots=True)
class Converse:
    """An event for the dialog; `callback_id` when it is a button press to answer."""

    event: Inbound
    callback_id: str | None = None


@dataclass(frozen=True, slots=True)
class Started:
    """`bot_started`: the resident opened (or reopened) the dialog with the bot."""

    event: Start


@dataclass(frozen=True, slots=True)
class Stopped:
    """`bot_stopped`: the resident stopped the bot; reminders skip them until they return."""

    chat: ChatRef


@dataclass(frozen=True, slots=True)
class Edited:
    chat: ChatRef
    update_id: str
    locale: str | None


@dataclass(frozen=True, slots=True)
class GroupMessage:
    chat_id: int
    update_id: str
    locale: str | None


@dataclass(frozen=True, slots=True)
class GroupPress:
    callback_id: str
    locale: str | None


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str


Incoming = Converse | Started | Stopped | Edited | GroupMessage | GroupPress | Ignored


def read_update(raw: Any) -> Incoming:
    """What one raw update means; `Ignored` for a type or a shape this bot has no use for."""
    if not isinstance(raw, dict):
        return Ignored("not an object")
    try:
        update = UpdateUnionAdapter.validate_python(raw)
    except (ValidationError, ValueError):
        return Ignored(f"unreadable {str(raw.get('update_type'))[:40]!r} update")
    if isinstance(update, MessageCreated):
        return _message(update.message, update.user_locale)
    if isinstance(update, MessageCallback):
        return _press(update)
    if isinstance(update, BotStarted):
        chat = chat_ref(update.user.user_id)
        update_id = f"started:{update.user.user_id}:{update.timestamp}"
        return Started(Start(chat, update_id, language_hint=_hint(update.user_locale)))
    if isinstance(update, BotStopped):
        return Stopped(chat_ref(update.user.user_id))
    if isinstance(update, MessageEdited):
        locale = raw.get("user_locale")
        return _edit(update, locale if isinstance(locale, str) else None)
    return Ignored(str(update.update_type))


def _message(message: Message, locale: str | None) -> Incoming:
    sender, body = message.sender, message.body
    if sender is None or body is None or sender.is_bot:
        return Ignored("a message without a resident or a body")
    if message.recipient.chat_type != ChatType.DIALOG:
        chat_id = message.recipient.chat_id or 0
        return GroupMessage(chat_id, body.mid, locale)
    chat = chat_ref(sender.user_id)
    for attachment in body.attachments or ():
        if attachment.type == AttachmentType.CONTACT and isinstance(
            attachment.payload, ContactAttachmentPayload
        ):
            return Converse(_contact(chat, sender.user_id, attachment.payload, body.mid))
    # Anything else (a sticker, a photo, a location) is the Text of its caption, often empty,
    # as in the other channels: the dialog answers it where the conversation stands.
    return Converse(parse_typed(chat, body.text or "", body.mid, language_hint=_hint(locale)))


def _contact(
    chat: ChatRef, sender_id: int, payload: ContactAttachmentPayload, update_id: str
) -> ContactShared:
    # The contact is the sender's own only when MAX says whose it is and that is the sender:
    # a contact card forwarded or picked from the address book proves nothing.
    owner = payload.max_info.user_id if payload.max_info is not None else None
    phone = payload.vcf.phone or ""
    return ContactShared(chat, phone, owner == sender_id, update_id)


def _press(update: MessageCallback) -> Incoming:
    callback = update.callback
    message = update.message
    if message is not None and message.recipient.chat_type != ChatType.DIALOG:
        return GroupPress(callback.callback_id, update.user_locale)
    if not callback.payload:
        return Ignored("a press without a payload")
    chat = chat_ref(callback.user.user_id)
    event = Choice(chat, callback.payload, callback.callback_id)
    return Converse(event, callback_id=callback.callback_id)


def _edit(update: MessageEdited, raw_locale: str | None) -> Incoming:
    message = update.message
    sender, body = message.sender, message.body
    if sender is None or body is None or sender.is_bot:
        return Ignored("an edit of the bot's own message")
    if message.recipient.chat_type != ChatType.DIALOG:
        return Ignored("an edit in a group")
    update_id = f"edited:{body.mid}:{update.timestamp}"
    return Edited(chat_ref(sender.user_id), update_id, raw_locale)


def _hint(locale: str | None) -> str | None:
    return locale_of(locale) if locale else None
