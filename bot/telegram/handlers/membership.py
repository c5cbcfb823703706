"""A resident who blocks the bot is marked blocked (reminders skip them); unblocking clears it.
Telegram reports both as a `my_chat_member` update of the private chat."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.types import ChatMemberUpdated

from bot.telegram.deps import chat_ref
from storage.base import Storage


async def on_membership(update: ChatMemberUpdated, storage: Storage) -> None:
    if update.chat.type != ChatType.PRIVATE:
        return
    status = update.new_chat_member.status
    if status == ChatMemberStatus.KICKED:
        await storage.set_blocked(chat_ref(update.from_user.id), True)
    elif status == ChatMemberStatus.MEMBER:
        await storage.set_blocked(chat_ref(update.from_user.id), False)


def register(router: Router) -> None:
    router.my_chat_member.register(on_membership)
