"""Thousands of random events: every one gets a reply, no exception escapes, and no reading is
stored except by a confirmation press on a shown preview."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing_core.models import Period
from dialogs.engine import DialogEngine
from dialogs.events import ChatRef, Choice, Command, ContactShared, Inbound, Start, Text
from storage.base import Storage

NOVEMBER = Period(2026, 11)
DEMO_ACCOUNTS = ("1234567890", "2345678901", "3456789012", "4567890123", "5678901234")
_examples = itertools.count()

ACTIONS = [
    "menu", "consent:yes", "consent:info", "m:submit", "m:bill", "m:history", "m:accounts",
    "m:remind", "m:offices", "off:near", "m:contacts", "m:faq", "faq:odn", "faq:nope", "lang:en",
    "lang:xx",
    "remind:on", "remind:off", "remind:next", "bind:start", "sub:kp", "sub:ok", "sub:fix",
    "sub:cancel", "sub:roll", "sub:sure", "kp:1", "kp:0", "kp:del", "kp:ok", "kp:x",
    "submit:1234567890", "submit:2345678901", "submit:0000000000", "submit:",
    "acc:open:1234567890",
    "acc:use:2345678901", "acc:ren:1234567890", "acc:del:1234567890", "acc:delok:1234567890",
    "acc:zap:1234567890", "forget:yes", "forget:no", "m:outages", "outages:on", "outages:off",
    "", ":", "x" * 64,
]  # fmt: skip
COMMANDS = [
    "start", "help", "bind", "submit", "bill", "history", "accounts", "remind", "lang", "offices",
    "forget", "menu", "contacts", "faq", "outages", "nosuch", "",
]  # fmt: skip
TEXTS = [
    "1234567890", "12345-678-90", "0012345", "0023456", "46720", "46 720", "46700 21775", "0",
    "дача", "Бутово", "99999999999", "-5", "4,5", "🙂⚡️", "\x00\x1b[2J", "\u202e", " ", "",
]  # fmt: skip

texts = st.one_of(
    st.sampled_from(TEXTS),
    st.text(max_size=40),
    # 10,000-character lines: Hypothesis cannot draw that much at once, so a piece is repeated.
    st.text(min_size=1, max_size=30).map(lambda piece: (piece * 10_000)[:10_000]),
    st.from_regex(r"[0-9 ,.]{1,12}", fullmatch=True),
)


def _events(chat: ChatRef) -> st.SearchStrategy[Inbound]:
    return st.one_of(
        st.builds(Text, st.just(chat), texts),
        st.builds(
            Choice, st.just(chat), st.one_of(st.sampled_from(ACTIONS), st.text(max_size=70))
        ),
        st.builds(
            Command,
            st.just(chat),
            st.one_of(st.sampled_from(COMMANDS), st.text(max_size=20)),
            st.lists(texts, max_size=4).map(tuple),
        ),
        st.builds(
            ContactShared,
            st.just(chat),
            st.sampled_from(["+79990000001", "89990000002", "+7999", "телефон", ""]),
            st.booleans(),
        ),
        st.builds(Start, st.just(chat), language_hint=st.sampled_from([None, "en", "ru", "zz"])),
    )


# A likely path to a preview, so that confirmation presses have something to confirm.
_SCRIPT = [
    "consent:yes", "/bind 12345-678-90 0012345", "/submit 46720", "sub:ok",
]  # fmt: skip


async def _stored(storage: Storage) -> int:
    return sum([len(await storage.reading_history(n, NOVEMBER)) for n in DEMO_ACCOUNTS])


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_random_events_always_get_a_polite_reply(
    data: st.DataObject, engine: DialogEngine, storage: Storage
) -> None:
    chats = [ChatRef("fuzz", f"{next(_examples)}-{i}") for i in range(2)]
    script = data.draw(st.booleans())
    for step in range(data.draw(st.integers(min_value=5, max_value=30))):
        chat = chats[data.draw(st.integers(0, 1))]
        if script and step < len(_SCRIPT):
            line = _SCRIPT[step]
            event: Inbound = (
                Command(chat, line[1:].split()[0], tuple(line.split()[1:]))
                if line.startswith("/")
                else Choice(chat, line)
            )
        else:
            event = data.draw(_events(chat))
        before_state = await storage.load_state(chat)
        before = await _stored(storage)
        replies = await engine.handle(event)
        assert replies, f"no reply to {event!r}"
        assert all(reply.text.strip() for reply in replies)
        for reply in replies:
            for button in reply.all_buttons():
                assert len(button.action_id.encode()) <= 64
        if await _stored(storage) != before:
            assert isinstance(event, Choice)
            assert event.action_id == "sub:ok"
            assert before_state is not None
            assert before_state.state == "submit.preview"
