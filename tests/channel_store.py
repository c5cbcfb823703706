"""A `ConversationStore` for the channels' tests, whose engine keeps its real turns, delivery and
chat lifecycle but has its conversation replaced: the port whole, so that it is what the engine
asks for without a cast, and every method a channel test has no reason to reach failing that
test loudly. A channel's fake storage subclasses it and implements the few the engine's own
work calls (profiles, the blocked mark, update claims)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import NoReturn

from billing_core.models import Account, Bill, MeterReading, Period, ReadingSource
from storage.base import (
    Binding,
    ChatProfile,
    ChatSnapshot,
    DialogState,
    MoneyPosition,
    StoredSubmission,
    Subject,
)
from storage.chats import ChatRef
from storage.outages import ChatOutage


def _unexpected(method: str) -> NoReturn:
    raise AssertionError(f"a channel test reached ConversationStore.{method}")


class ChannelStore:
    """Every method of `ConversationStore`; none of them is expected until a subclass says."""

    async def get_account(self, number: str) -> Account | None:
        _unexpected("get_account")

    async def get_profile(self, chat: ChatRef) -> ChatProfile | None:
        _unexpected("get_profile")

    async def bindings(self, chat: ChatRef) -> list[Binding]:
        _unexpected("bindings")

    async def set_blocked(self, chat: ChatRef, blocked: bool) -> None:
        _unexpected("set_blocked")

    async def load_subject(self, number: str) -> Subject:
        _unexpected("load_subject")

    async def money_position(self, account: str, before: Period) -> MoneyPosition:
        _unexpected("money_position")

    def chat_turn(self, chat: ChatRef) -> AbstractAsyncContextManager[None]:
        _unexpected("chat_turn")

    async def load_chat(self, chat: ChatRef, update_id: str | None = None) -> ChatSnapshot:
        _unexpected("load_chat")

    async def save_turn(
        self,
        chat: ChatRef,
        profile: ChatProfile | None,
        state: DialogState | None,
        update_id: str | None = None,
    ) -> bool:
        _unexpected("save_turn")

    async def claim_update(self, channel: str, update_id: str) -> bool:
        _unexpected("claim_update")

    async def save_profile(self, profile: ChatProfile) -> None:
        _unexpected("save_profile")

    async def find_accounts_by_phone(self, phone: str) -> list[Account]:
        _unexpected("find_accounts_by_phone")

    async def bind(self, chat: ChatRef, account: str, alias: str, at: datetime) -> bool:
        _unexpected("bind")

    async def rename_binding(self, chat: ChatRef, account: str, alias: str) -> None:
        _unexpected("rename_binding")

    async def unbind(self, chat: ChatRef, account: str) -> None:
        _unexpected("unbind")

    async def forget_chat(self, chat: ChatRef, pseudonym: str) -> None:
        _unexpected("forget_chat")

    async def record_bind_failure(self, chat_key: str, account: str, at: datetime) -> None:
        _unexpected("record_bind_failure")

    async def bind_failures_since(self, chat_key: str, since: datetime) -> list[datetime]:
        _unexpected("bind_failures_since")

    async def account_bind_failures_since(self, account: str, since: datetime) -> list[datetime]:
        _unexpected("account_bind_failures_since")

    async def record_submission(
        self,
        account: str,
        reading: MeterReading,
        bill: Bill | None,
        update_id: str | None = None,
    ) -> StoredSubmission:
        _unexpected("record_submission")

    async def readings(
        self, account: str, *, limit: int = 12, sources: Sequence[ReadingSource] | None = None
    ) -> list[MeterReading]:
        _unexpected("readings")

    async def latest_bill(self, account: str) -> Bill | None:
        _unexpected("latest_bill")

    async def bills(self, account: str, *, limit: int = 12) -> list[Bill]:
        _unexpected("bills")

    async def chat_outages(self, chat: ChatRef, now: datetime) -> list[ChatOutage]:
        _unexpected("chat_outages")

    async def outage_notices_on(self, chat: ChatRef) -> bool:
        _unexpected("outage_notices_on")

    async def set_outage_notices(self, chat: ChatRef, on: bool) -> None:
        _unexpected("set_outage_notices")
