"""SQL text of the outage operations (in the executor's shared spelling, `storage.sql`), and
the conversions of what comes back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from billing_core.buildings import building_key
from billing_core.outages import OutageKind, OutageStatus
from storage.outages import ChatOutage, StoredOutage
from storage.rows import moment

OUTAGE_COLUMNS = (
    "o.id, o.ref, o.kind, o.starts, o.ends, o.reason, o.status, o.revision, o.created_at, "
    "o.updated_at"
)
# Every outage with how many buildings it names and how many chats a notice of it reached.
LIST_OUTAGES = (
    f"SELECT {OUTAGE_COLUMNS}, "  # noqa: S608
    "(SELECT count(*) FROM outage_buildings ob WHERE ob.outage_id = o.id), "
    "(SELECT count(DISTINCT r.channel || ' ' || r.user_id) FROM campaigns c "
    "JOIN campaign_recipients r ON r.campaign_id = c.id "
    "WHERE c.kind LIKE 'outage:' || o.id || ':%' AND r.status = 'sent') "
    "FROM outages o"
)
# The same columns without the counts, for the notice service's frequent reads.
OUTAGES = f"SELECT {OUTAGE_COLUMNS}, 0, 0 FROM outages o"  # noqa: S608
# The accounts in the outage's buildings (by GUID or by address key), then their chats that
# are not blocked and have outage notices on; deduplicated to one row a chat by the caller.
RECIPIENTS = (
    "WITH hit AS ("
    "SELECT a.number FROM outage_buildings ob JOIN accounts a ON a.house_id = ob.house_id "
    "WHERE ob.outage_id = ?1 AND ob.house_id <> '' AND a.status <> 'closed' "
    "UNION "
    "SELECT a.number FROM outage_buildings ob JOIN accounts a ON a.building = ob.building "
    "WHERE ob.outage_id = ?1 AND ob.building <> '' AND a.status <> 'closed') "
    "SELECT b.channel, b.user_id, b.account, b.alias FROM hit "
    "JOIN bindings b ON b.account = hit.number "
    "LEFT JOIN chat_profiles p ON p.channel = b.channel AND p.user_id = b.user_id "
    "LEFT JOIN outage_opt_outs x ON x.channel = b.channel AND x.user_id = b.user_id "
    "WHERE NOT coalesce(p.blocked, FALSE) AND x.channel IS NULL "
    "ORDER BY b.channel, b.user_id, b.account"
)
# A notice's rows written by set, one a chat, straight from the selection (no row passes
# through Python): ?1 the campaign, ?2 the outage, then the channels served. The engines differ
# in how one row a chat is kept: SQLite takes a bare column from the row of min() (its
# documented rule), PostgreSQL takes DISTINCT ON (it refuses bare columns).
_HIT = RECIPIENTS.split(" SELECT b.channel", 1)[0].replace("?1", "?2")
_CHATS = RECIPIENTS.split(" FROM hit ", 1)[1].split(" ORDER BY ", 1)[0]
SQLITE_NOTICE_ROWS = (
    "INSERT OR IGNORE INTO campaign_recipients (campaign_id, channel, user_id, account, alias) "  # noqa: S608
    f"{_HIT} SELECT ?1, b.channel, b.user_id, min(b.account), b.alias FROM hit {_CHATS} "
    "AND b.channel IN ({channels}) GROUP BY b.channel, b.user_id"
)
POSTGRES_NOTICE_ROWS = (
    "INSERT INTO campaign_recipients (campaign_id, channel, user_id, account, alias) "  # noqa: S608
    f"{_HIT} SELECT DISTINCT ON (b.channel, b.user_id) CAST(?1 AS bigint), b.channel, "
    f"b.user_id, b.account, b.alias FROM hit {_CHATS} AND b.channel IN ({{channels}}) "
    "ORDER BY b.channel, b.user_id, b.account ON CONFLICT DO NOTHING"
)
# A cancellation's rows: the chats an earlier notice of the outage reached (?2: the prefix of
# its campaigns' kinds, with %); one row a chat as above.
SQLITE_TOLD_ROWS = (
    "INSERT OR IGNORE INTO campaign_recipients (campaign_id, channel, user_id, account, alias) "
    "SELECT ?1, r.channel, r.user_id, min(r.account), r.alias FROM campaigns c "
    "JOIN campaign_recipients r ON r.campaign_id = c.id "
    "WHERE c.kind LIKE ?2 AND r.status = 'sent' AND r.channel IN ({channels}) "
    "GROUP BY r.channel, r.user_id"
)
POSTGRES_TOLD_ROWS = (
    "INSERT INTO campaign_recipients (campaign_id, channel, user_id, account, alias) "
    "SELECT DISTINCT ON (r.channel, r.user_id) CAST(?1 AS bigint), r.channel, r.user_id, "
    "r.account, r.alias FROM campaigns c JOIN campaign_recipients r ON r.campaign_id = c.id "
    "WHERE c.kind LIKE ?2 AND r.status = 'sent' AND r.channel IN ({channels}) "
    "ORDER BY r.channel, r.user_id, r.account ON CONFLICT DO NOTHING"
)
# Outages not cancelled and not over that affect one chat's accounts.
CHAT_OUTAGES = (
    f"SELECT {OUTAGE_COLUMNS}, 0, 0, b.account, b.alias, a.address FROM bindings b "  # noqa: S608
    "JOIN accounts a ON a.number = b.account "
    "JOIN outage_buildings ob ON (ob.house_id <> '' AND ob.house_id = a.house_id) "
    "OR (ob.building <> '' AND ob.building = a.building) "
    "JOIN outages o ON o.id = ob.outage_id "
    "WHERE b.channel = ? AND b.user_id = ? AND o.status = 'active' AND o.ends > ? "
    "ORDER BY o.starts, o.ref, b.account"
)


def stored_outage(row: Sequence[Any]) -> StoredOutage:
    """An outage from `LIST_OUTAGES`' twelve columns."""
    return StoredOutage(
        id=int(row[0]), ref=row[1], kind=OutageKind(row[2]), starts=moment(row[3]),
        ends=moment(row[4]), reason=row[5], status=OutageStatus(row[6]), revision=int(row[7]),
        created_at=moment(row[8]), updated_at=moment(row[9]), buildings=int(row[10]),
        told=int(row[11]),
    )  # fmt: skip


def chat_outages(rows: Iterable[Sequence[Any]]) -> list[ChatOutage]:
    """`CHAT_OUTAGES` rows, each (outage, account) once."""
    found: dict[tuple[int, str], ChatOutage] = {}
    for row in rows:
        outage = stored_outage(row[:12])
        found.setdefault((outage.id, row[12]), ChatOutage(outage, row[12], row[13], row[14]))
    return list(found.values())


def one_per_chat(rows: Iterable[Sequence[Any]]) -> list[tuple[str, str, str, str]]:
    """`RECIPIENTS` rows (ordered by chat, then account): each chat's first, lowest account."""
    chosen: list[tuple[str, str, str, str]] = []
    last: tuple[str, str] | None = None
    for channel, user_id, account, alias in rows:
        if (channel, user_id) != last:
            chosen.append((channel, user_id, account, alias))
            last = (channel, user_id)
    return chosen


def stale_buildings(rows: Iterable[Sequence[Any]]) -> list[tuple[str, str, str]]:
    """(building key or '', address, number) for (number, address) rows whose key is read
    again."""
    return [(building_key(address) or "", address, number) for number, address in rows]
