"""The peak benchmark's residents, their updates, and what became of each update.

Each resident has an account of their own (single, two- and three-zone in turn) and runs one
whole submission: /start, consent, /bind, "Submit", one reading per register, confirm, "My
bill"; a button press carries the message pressed, keyboard and all, as Telegram sends it.
`Sent` is one update posted; `judge` matches the messages the Bot API received to the
updates that caused them: per chat, turns run one at a time and every message of a turn reaches
the Bot API before the turn's webhook request is answered, so a chat's messages up to the answer
of its k-th update (and after the previous ones') are that update's. An update with none is
lost; a chat with more messages than its updates ask for was answered twice somewhere.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

FIRST_USER = 500_000


@dataclass(frozen=True)
class Resident:
    user_id: int
    account: str
    serial: str
    zones: int
    last: tuple[int, ...]

    @property
    def chat(self) -> str:
        return str(self.user_id)

    def steps(self) -> list[tuple[str, str]]:
        """("text" | "press", payload) of the whole conversation."""
        readings = [str(value + 150 + (self.user_id % 7) * 10) for value in self.last]
        return [
            ("text", "/start"),
            ("press", "consent:yes"),
            ("text", f"/bind {self.account} {self.serial}"),
            ("press", "m:submit"),
            *(("text", value) for value in readings),
            ("press", "sub:ok"),
            ("press", "m:bill"),
        ]


def make_residents(count: int, first_user: int = FIRST_USER) -> list[Resident]:
    residents = []
    for n in range(count):
        zones = 1 + n % 3
        last = tuple(10_000 * (z + 1) + n % 5_000 for z in range(zones))
        residents.append(
            Resident(first_user + n, f"{7_000_000_000 + n}", f"P{n:07d}", zones, last)
        )
    return residents


def write_accounts(residents: Iterable[Resident], path: Path, last_period: date) -> None:
    """The accounts as `meterbot import-accounts` takes them; each may submit any day."""
    header = ["account", "meter_serial", "zones", "last_period", "last_t1", "last_t2",
              "last_t3", "window_start_day", "window_end_day"]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for r in residents:
            last = [*map(str, r.last), "", ""][:3]
            period = f"{last_period:%Y-%m}"
            writer.writerow([r.account, r.serial, r.zones, period, *last, 1, 31])


def message(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": update_id,
        "date": 1_795_000_000,
        "chat": {"id": user_id, "type": "private", "first_name": f"R{user_id}"},
        "from": {"id": user_id, "is_bot": False, "first_name": f"R{user_id}",
                 "language_code": "ru"},
        "text": text,
    }  # fmt: skip
    if text.startswith("/"):
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": body}


# The keyboards the pressed messages carry, as Telegram sends a press: the message pressed comes
# whole, its keyboard included (labels as the bot shows them in Russian).
CONSENT_KEYBOARD = [[("Согласен(на)", "consent:yes"), ("Подробнее", "consent:info")]]
MENU_KEYBOARD = [
    [("📟 Передать показания", "m:submit"), ("🧾 Мой счёт", "m:bill")],
    [("📈 История", "m:history"), ("👤 Мои лицевые счета", "m:accounts")],
    [("🔔 Напоминания", "m:remind"), ("⚡ Отключения", "outages:show")],
    [("🏢 Офисы", "m:offices"), ("❓ Частые вопросы", "m:faq")],
]
PREVIEW_KEYBOARD = [
    [("✅ Подтвердить", "sub:ok"), ("✏️ Исправить", "sub:fix")],
    [("Отмена", "sub:cancel")],
]
PRESSED_ON = {"consent:yes": CONSENT_KEYBOARD, "sub:ok": PREVIEW_KEYBOARD}


def inline_keyboard(rows: list[list[tuple[str, str]]]) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in rows
        ]
    }


def press(update_id: int, user_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": {"id": user_id, "is_bot": False, "first_name": f"R{user_id}",
                     "language_code": "ru"},
            "chat_instance": "peak",
            "data": data,
            "message": {
                "message_id": 500,
                "date": 1_795_000_000,
                "chat": {"id": user_id, "type": "private", "first_name": f"R{user_id}"},
                "from": {"id": 42, "is_bot": True, "first_name": "Meter"},
                "text": "Меню",
                "reply_markup": inline_keyboard(PRESSED_ON.get(data, MENU_KEYBOARD)),
            },
        },
    }  # fmt: skip


def update_body(update_id: int, resident: Resident, step: tuple[str, str]) -> bytes:
    kind, payload = step
    make = message if kind == "text" else press
    return json.dumps(make(update_id, resident.user_id, payload)).encode()


@dataclass
class Sent:
    """One update posted: when it was due, posted and answered (monotonic seconds)."""

    chat: str
    stage: int  # which rate step it belongs to (-1: the warm-up)
    position: int  # its place in the resident's conversation
    zones: int
    due: float
    posted: float = math.nan
    answered: float = math.nan
    status: int = 0  # the HTTP status; -1 when the request failed
    copy: bool = False  # a redelivery of an update already answered (as Telegram retries)
    body: bytes = field(default=b"", repr=False)


@dataclass
class Verdict:
    """Per stage: each original update's latency (due → first reply) or None when lost."""

    latency: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    lost: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    extra: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    errors: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    oops: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    accepted: int = 0
    accepted_twice: int = 0
    per_position: dict[tuple[int, int], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )


Record = tuple[str, float, str]  # as bench/peak_api.py records them


def judge(
    sent: list[Sent], records: list[Record], expected: dict[tuple[int, int], int] | None
) -> Verdict:
    """Match messages to updates (see the module's docstring); `expected` messages per
    (zones, position), None to count one per update (the echo)."""
    verdict = Verdict()
    messages: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        messages[record[0]].append(record)
    updates: dict[str, list[Sent]] = defaultdict(list)
    for s in sent:
        if s.status not in (0, 200):  # 0: still unanswered, counted lost if no reply came
            verdict.errors[s.stage] += 1
        if not s.copy:
            updates[s.chat].append(s)
    for chat, own in updates.items():
        received = sorted(messages.get(chat, []), key=lambda r: r[1])
        accepted = sum(kind == "accepted" for _, _, kind in received)
        verdict.accepted += min(accepted, 1)
        verdict.accepted_twice += max(accepted - 1, 0)
        own.sort(key=lambda s: s.posted)
        taken = 0
        wanted_total = 0
        for s in own:
            end = s.answered if s.status == 200 else s.posted
            first = taken
            while taken < len(received) and received[taken][1] <= end:
                taken += 1
            mine = received[first:taken]
            verdict.per_position[(s.zones, s.position)].append(len(mine))
            verdict.oops[s.stage] += sum(kind == "oops" for _, _, kind in mine)
            wanted_total += 1 if expected is None else expected.get((s.zones, s.position), 1)
            replies = [t for _, t, _ in mine if t >= s.posted]
            if replies:
                verdict.latency[s.stage].append(replies[0] - s.due)
            else:
                verdict.lost[s.stage] += 1
        if len(received) > wanted_total:
            verdict.extra[own[-1].stage] += len(received) - wanted_total
    return verdict


def percentile(values: list[float], share: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]
