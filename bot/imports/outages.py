"""The outages CSV of `outages import` (docs/operators/csv.md, "Outages CSV").

Same conventions as the accounts CSV (the header as bot/imports/header.py reads it: `,` or
`;`, columns in any order, Russian names too; the encoding checked by bot/imports/files.py).
One row per affected building; rows sharing an `id` form one outage. The later rows of an
outage may leave `kind`, `starts`, `ends`, `reason` and `status` empty (they are the first
row's) or repeat them; a different value is an error.

An outage is taken whole or not at all: when one of its rows is wrong, every row of it is
rejected (the good ones name the bad line), so no outage is ever stored with part of its
buildings. The other outages of the file are taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TextIO

from billing_core.buildings import building_key, normalize_house_id
from billing_core.outages import BuildingRef, Outage, OutageKind, OutageStatus
from bot.imports.header import HeaderError, RowError, is_utf8, read_header, records

REQUIRED = ("id", "kind", "starts", "ends")
OPTIONAL = ("reason", "house_id", "address", "status")
SHARED = ("kind", "starts", "ends", "reason", "status")  # one value per outage
MAX_ID = 64
MAX_REASON = 300
NOT_TEXT = "not text in the file's encoding (a byte changed after the check?)"

_KINDS = {
    "planned": OutageKind.PLANNED, "плановое": OutageKind.PLANNED,
    "emergency": OutageKind.EMERGENCY, "аварийное": OutageKind.EMERGENCY,
}  # fmt: skip
_STATUSES = {
    "": OutageStatus.ACTIVE, "active": OutageStatus.ACTIVE,
    "cancelled": OutageStatus.CANCELLED, "canceled": OutageStatus.CANCELLED,
}  # fmt: skip
_LOCAL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$")
_RUSSIAN = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4}) (\d{1,2}):(\d{2})$")


@dataclass
class OutagesFile:
    """What a file holds: the outages taken whole, and every rejected row with its reason."""

    outages: list[Outage] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason), by line
    rows: int = 0


@dataclass
class _Draft:
    first_line: int
    shared: dict[str, str]
    buildings: list[BuildingRef] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def read_outages(text: TextIO, tz: tzinfo, *, ignore_unknown: bool = False) -> OutagesFile:
    """Every outage of the file; local times are in `tz` (the billing time zone). HeaderError
    when the header row is wrong (bot/imports/header.py: names, aliases, delimiter)."""
    header = read_header(text.readline(), REQUIRED, OPTIONAL, ignore_unknown=ignore_unknown)
    columns, width, delimiter = header.columns, header.width, header.delimiter
    if "house_id" not in columns and "address" not in columns:
        raise HeaderError("line 1: a house_id or an address column is needed")
    drafts: dict[str, _Draft] = {}
    result = OutagesFile()
    for line, cells in records(text, delimiter):
        result.rows += 1
        while len(cells) > width and not cells[-1].strip():  # separators after the last cell
            cells.pop()
        if len(cells) != width:
            result.rejected.append((line, f"expected {width} cells, got {len(cells)}"))
            continue
        if not is_utf8("".join(cells)):
            result.rejected.append((line, NOT_TEXT))
            continue
        row = {name: cells[at].strip() for name, at in columns.items()}
        ref = row["id"]
        if not ref:
            result.rejected.append((line, "id is empty"))
            continue
        if len(ref) > MAX_ID:
            result.rejected.append((line, f"id is longer than {MAX_ID} characters"))
            continue
        draft = drafts.get(ref)
        if draft is None:
            shared = {name: row.get(name, "") for name in SHARED}
            draft = drafts[ref] = _Draft(line, shared)
        draft.lines.append(line)
        reasons = _check_shared(draft, row)
        try:
            building = _building(row)
        except RowError as exc:
            reasons.append(str(exc))
        if reasons:  # every reason of the row at once, as the accounts CSV reports them
            draft.errors.append((line, "; ".join(reasons)))
            continue
        if building not in draft.buildings:
            draft.buildings.append(building)
    for ref, draft in drafts.items():
        outage = None
        if not draft.errors:
            try:
                outage = _outage(ref, draft, tz)
            except RowError as exc:
                draft.errors.append((draft.first_line, str(exc)))
        if outage is not None:
            result.outages.append(outage)
            continue
        bad = {line for line, _ in draft.errors}
        result.rejected.extend(draft.errors)
        first_bad = min(bad)
        result.rejected.extend(
            (line, f"outage {ref} is not taken: its line {first_bad} is rejected")
            for line in draft.lines
            if line not in bad
        )
    result.rejected.sort()
    return result


def _check_shared(draft: _Draft, row: dict[str, str]) -> list[str]:
    """What the row says differently from its outage's first row (the reasons, if any)."""
    reasons = []
    for name in SHARED:
        value = row.get(name, "")
        if not value:
            continue
        if not draft.shared.get(name):
            draft.shared[name] = value
        elif value != draft.shared[name]:
            reasons.append(
                f"{name} {value!r} differs from {draft.shared[name]!r} on line "
                f"{draft.first_line} (an outage has one {name})"
            )
    return reasons


def _building(row: dict[str, str]) -> BuildingRef:
    house_text = row.get("house_id", "")
    address = " ".join(row.get("address", "").split())
    if house_text:
        house_id = normalize_house_id(house_text)
        if house_id is None:
            raise RowError(
                "house_id must be a GUID like 0c5b2444-70a0-4932-980c-b4dc0d3f02b5 "
                f"(got {house_text!r})"
            )
        return BuildingRef(house_id=house_id, address=address)
    if not address:
        raise RowError("a building is needed: house_id or address")
    key = building_key(address)
    if key is None:
        raise RowError(f"address: no street and house number found in {address!r}")
    return BuildingRef(building=key, address=address)


def _outage(ref: str, draft: _Draft, tz: tzinfo) -> Outage:
    shared = draft.shared
    reasons: list[str] = []
    kind = _KINDS.get(shared["kind"].lower())
    if kind is None:
        reasons.append(f"kind must be planned or emergency (got {shared['kind'] or 'nothing'})")
    status = _STATUSES.get(shared["status"].lower())
    if status is None:
        reasons.append(f"status must be active or cancelled (got {shared['status']})")
    moments: list[datetime] = []
    for name in ("starts", "ends"):
        try:
            moments.append(parse_moment(shared[name], name, tz))
        except RowError as exc:
            reasons.append(str(exc))
    if len(moments) == 2 and moments[1] <= moments[0]:
        reasons.append(f"ends ({shared['ends']}) must be after starts ({shared['starts']})")
    reason = " ".join(shared["reason"].split())
    if len(reason) > MAX_REASON:
        reasons.append(f"reason is longer than {MAX_REASON} characters")
    if reasons or kind is None or status is None:
        raise RowError("; ".join(reasons))
    starts, ends = moments
    return Outage(ref, kind, starts, ends, reason, status, tuple(draft.buildings))


def parse_moment(text: str, name: str, tz: tzinfo) -> datetime:
    """`YYYY-MM-DD HH:MM` (or `DD.MM.YYYY HH:MM`) in `tz`, or ISO 8601 with an offset."""
    if not text:
        raise RowError(f"{name} is empty (YYYY-MM-DD HH:MM, Moscow time)")
    local = _LOCAL.match(text)
    russian = _RUSSIAN.match(text)
    try:
        if local:
            year, month, day, hour, minute = map(int, local.groups())
            return datetime(year, month, day, hour, minute, tzinfo=tz)
        if russian:
            day, month, year, hour, minute = map(int, russian.groups())
            return datetime(year, month, day, hour, minute, tzinfo=tz)
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise RowError(
            f"{name} must look like YYYY-MM-DD HH:MM (Moscow time) or ISO 8601 with an offset "
            f"(got {text!r})"
        )
    return moment
