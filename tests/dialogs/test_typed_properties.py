"""Whatever a resident types, in whatever state: an answer comes, never the apology for a failed
step, and every answer offers a way on (a button to press)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.engine import DialogEngine
from dialogs.events import Text
from dialogs.texts import say
from tests.dialogs.conversation import Conversation
from tests.dialogs.test_intents_corpus import CORPUS

_chats = itertools.count()

# How to reach each state from a new chat: lines typed, `[id]` pressed.
STATES = {
    "consent": ["/start"],
    "bind": ["/start", "[consent:yes]"],
    "menu": ["/start", "[consent:yes]", "/bind 12345-678-90 0012345"],
    "offices": ["/start", "[consent:yes]", "/bind 12345-678-90 0012345", "/offices"],
    "value": ["/start", "[consent:yes]", "/bind 23456-789-01 0023456", "/submit"],
    "second value": [
        "/start", "[consent:yes]", "/bind 23456-789-01 0023456", "/submit", "46800",
    ],
    "preview": ["/start", "[consent:yes]", "/bind 12345-678-90 0012345", "/submit 46720"],
    "question": ["/start", "[consent:yes]", "/bind 12345-678-90 0012345", "/submit 52000"],
    "keypad": [
        "/start", "[consent:yes]", "/bind 12345-678-90 0012345", "/submit", "[sub:kp]",
    ],
    "forget": ["/start", "[consent:yes]", "/forget"],
    "unlink": [
        "/start", "[consent:yes]", "/bind 12345-678-90 0012345", "/accounts",
        "[acc:open:1234567890]", "[acc:del:1234567890]",
    ],
}  # fmt: skip

typed = st.one_of(
    st.sampled_from([text for text, _ in CORPUS]),
    st.text(max_size=30),
    st.from_regex(r"([тТtT][1-3]|день|ночь|пик|кВт|=|:| |[0-9]{1,7}){1,6}", fullmatch=True),
    st.lists(st.sampled_from([text for text, _ in CORPUS]), min_size=2, max_size=4).map(" ".join),
)


@pytest.mark.parametrize("state", sorted(STATES))
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=typed)
async def test_any_typed_text_gets_an_answer_with_a_way_on(
    engine: DialogEngine, state: str, text: str
) -> None:
    chat = Conversation(engine, f"typed-{next(_chats)}")
    for line in STATES[state]:
        if line.startswith("["):
            await chat.press(line[1:-1])
        else:
            await chat.send(line)
    replies = await chat.event(Text(chat.chat, text))
    assert replies, f"no answer to {text!r} in {state}"
    assert all(reply.text.strip() for reply in replies)
    for locale in ("ru", "en"):
        assert say(locale, "oops") not in chat.text(), (state, text)
    assert chat.buttons(), f"no way on after {text!r} in {state}: {chat.text()!r}"
