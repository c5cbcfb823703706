"""A resident who blocks the bot → Blocked (reminders skip them); unblocking → Returned.
Telegram reports both as a `my_chat_member` update of the private chat."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.types import ChatMemberUpdated, Update

from bot.telegram.deps import chat_ref
from dialogs.channel import DialogHandler
from dialogs.events import Blocked, Returned


async def on_membership(
    update: ChatMemberUpdated, engine: DialogHandler, event_update: Update
) -> None:
    if update.chat.type != ChatType.PRIVATE:
        return
    status = update.new_chat_member.status
    chat, update_id = chat_ref(update.from_user.id), str(event_update.update_id)
    if status == ChatMemberStatus.KICKED:
        await engine.handle(Blocked(chat, update_id))
    elif status == ChatMemberStatus.MEMBER:
        await engine.handle(Returned(chat, update_id))


def register(router: Router) -> None:
    router.my_chat_member.register(on_membership)
