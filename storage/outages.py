"""The outages port: what the outage commands and the notice scheduler need of storage
(`OutageStore`), and the part of it a dialog uses (`ChatOutages`, in `ConversationStore`). Both
engines implement it once (storage/outage_operations.py); `Storage` includes it.

Notices go out as campaigns (`Storage.create_campaign`) of kind `outage:<id>:<key>` (see
`campaign_kind`), so they are paced, resumed and never sent twice like reminders are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from billing_core.outages import Outage, OutageKind, OutageStatus
from storage.chats import ChatRef

if TYPE_CHECKING:  # storage.base names the ports below in its own
    from storage.base import Recipient

CAMPAIGN_PREFIX = "outage:"


def campaign_kind(outage_id: int, key: str) -> str:
    return f"{CAMPAIGN_PREFIX}{outage_id}:{key}"


def parse_campaign_kind(kind: str) -> tuple[int, str] | None:
    """(outage id, notice key) of an outage campaign's kind; None for any other campaign."""
    if not kind.startswith(CAMPAIGN_PREFIX):
        return None
    outage_id, _, key = kind.removeprefix(CAMPAIGN_PREFIX).partition(":")
    return int(outage_id), key


@dataclass(frozen=True, slots=True)
class StoredOutage:
    id: int
    ref: str
    kind: OutageKind
    starts: datetime
    ends: datetime
    reason: str
    status: OutageStatus
    revision: int
    created_at: datetime
    updated_at: datetime
    buildings: int = 0  # how many buildings it names
    told: int = 0  # chats a notice of it reached


class SaveAction:
    ADDED = "added"
    UPDATED = "updated"
    CANCELLED = "cancelled"

    @staticmethod
    def of(before: Outage, after: Outage) -> str:
        """What saving `after` over `before` did, as `outages import` counts it."""
        if after.status is OutageStatus.CANCELLED and before.status is OutageStatus.ACTIVE:
            return SaveAction.CANCELLED
        return SaveAction.UPDATED


@dataclass(frozen=True, slots=True)
class SavedOutage:
    ref: str
    action: str  # a SaveAction
    news: bool  # another time, an extension or a cancellation: residents hear it again


@dataclass(frozen=True, slots=True)
class ChatOutage:
    """An outage affecting one of a chat's accounts (`/outages`)."""

    outage: StoredOutage
    account: str
    alias: str
    address: str  # the account's


class ChatOutages(Protocol):
    """What a chat's «Отключения» and /outages read and switch (dialogs/flows/outages.py)."""

    async def chat_outages(self, chat: ChatRef, now: datetime) -> list[ChatOutage]:
        """Outages not cancelled and not over that affect the chat's accounts, by start."""

    async def outage_notices_on(self, chat: ChatRef) -> bool: ...

    async def set_outage_notices(self, chat: ChatRef, on: bool) -> None:
        """Turn the chat's outage notices on or off (reading reminders are apart)."""


class OutageStore(ChatOutages, Protocol):
    """What the outage commands (bot/outages/cli.py) and notices (bot/outages/notices.py)
    need."""

    async def save_outages(self, outages: Sequence[Outage], at: datetime) -> list[SavedOutage]:
        """Create or update each outage by its ref, its buildings replaced by the given ones,
        all in one transaction. News (`Outage.is_news_after`) raises the revision."""

    async def cancel_outage(self, ref: str, at: datetime) -> StoredOutage | None:
        """Cancel (raising the revision once); None when no outage has this ref."""

    async def get_outage(self, ref: str) -> StoredOutage | None: ...

    async def outage_by_id(self, outage_id: int) -> StoredOutage | None: ...

    async def list_outages(self, *, active_at: datetime | None = None) -> list[StoredOutage]:
        """Every outage by start, with its buildings and chats told; with `active_at`, only
        those not cancelled and not over by then."""

    async def outages_to_watch(self, now: datetime) -> list[StoredOutage]:
        """Outages not over by `now` (cancelled ones too): those a notice may still be due of."""

    async def outage_notices(self, outage_id: int) -> dict[str, datetime]:
        """Notice key → when its campaign was written, for one outage."""

    async def refresh_buildings(self) -> int:
        """Read the building key again of every account whose address changed since it was
        last read (or that is new); how many were read."""

    async def outage_recipients(self, outage_id: int) -> list[Recipient]:
        """One row a chat bound to an account (not closed) in one of the outage's buildings,
        not blocked, outage notices on; the chat's lowest such account. Ids are 0."""

    async def write_notice(
        self,
        outage_id: int,
        key: str,
        channels: Sequence[str],
        at: datetime,
        *,
        told_only: bool = False,
    ) -> tuple[int, int]:
        """Write the notice `key` of the outage as a campaign (kind `campaign_kind`) with one
        row a chat of `channels`: the chats `outage_recipients` chooses, or with `told_only`
        the chats a notice of the outage reached (each with its lowest account then); both
        read and written by set in one transaction.
        (campaign id, rows written); a notice written before is left as it was (0 rows)."""

    async def set_house_ids(self, pairs: Sequence[tuple[str, str | None]]) -> int:
        """Set (account, house_id) for the accounts that exist; how many did."""
