"""Binding that forgives how people type, and nothing more: both numbers in one message, labels
(«л/с», «№», "serial"), a serial without its leading zeros; after a wrong pair the bot says it
needs both again and which it asks for now. Failed tries are still counted and locked out."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing_core.identifiers import same_serial
from dialogs.engine import DialogEngine
from dialogs.events import ChatRef, Text
from dialogs.pairs import TypedPair, read_pair
from storage.base import Storage
from tests.dialogs.conftest import SINGLE
from tests.dialogs.conversation import Conversation

ACCOUNT = "1234567890"
SERIAL = "0012345"  # SINGLE's meter


# -- reading the text -------------------------------------------------------------------------

PAIRS = [
    ("1234567890 0012345", ACCOUNT, SERIAL),
    ("12345-678-90 0012345", ACCOUNT, SERIAL),
    ("12345 678 90 0012345", ACCOUNT, SERIAL),
    ("12345 678 90, 0012345", ACCOUNT, SERIAL),
    ("л/с 1234567890 счётчик 0012345", ACCOUNT, SERIAL),
    ("Л/С: 12345-678-90; счетчик № 0012345", ACCOUNT, SERIAL),
    ("лс 1234567890 № 0012345", ACCOUNT, SERIAL),
    ("л/с1234567890 №0012345", ACCOUNT, SERIAL),
    ("лицевой счёт 1234567890, номер счётчика 0012345", ACCOUNT, SERIAL),
    ("счётчик 0012345 л/с 1234567890", ACCOUNT, SERIAL),
    ("0012345 1234567890", ACCOUNT, SERIAL),
    ("account 1234567890 serial 0012345", ACCOUNT, SERIAL),
    ("Account number: 12345-678-90, meter number: 0012345", ACCOUNT, SERIAL),
    ("ЛС 1234567890 зав. № 0012345", ACCOUNT, SERIAL),
    ("１２３４５６７８９０ ００１２３４５", ACCOUNT, SERIAL),  # full-width digits
    ("1234567890", ACCOUNT, None),
    ("л/с 12345-678-90", ACCOUNT, None),
    ("№ 0012345", None, SERIAL),
    ("N 0012345", None, SERIAL),
    ("serial 0012345", None, SERIAL),
    ("46720 21100", None, "4672021100"),  # two readings are not an account number
    ("привет", None, None),
    ("", None, None),
]


@pytest.mark.parametrize(("text", "account", "serial"), PAIRS)
def test_pairs_are_read(text: str, account: str | None, serial: str | None) -> None:
    pair = read_pair(text)
    assert (pair.account, pair.serial) == (account, serial)


@pytest.mark.parametrize("text", ["л/с 12345", "л/с 123 0012345", "1234567890 0012345 л/с 9"])
def test_a_labelled_number_that_is_no_account_is_not_guessed(text: str) -> None:
    assert read_pair(text).account is None or read_pair(text).unread


SERIALS = [
    ("0012345", "0012345", True),
    ("0012345", "12345", True),
    ("0012345", "012345", True),
    ("0012345", "00012345", True),
    ("12345", "0012345", True),
    ("0A1234", "A1234", True),
    ("0012345", "0012346", False),
    ("0012345", "1234", False),
    ("0012345", "123450", False),
    ("0012345", "1234500", False),
    ("0000", "00", False),
    ("0000", "0000", True),
    ("1002345", "12345", False),  # only leading zeros are forgiven
]


@pytest.mark.parametrize(("on_file", "typed", "same"), SERIALS)
def test_leading_zeros_and_nothing_else_are_forgiven(on_file: str, typed: str, same: bool) -> None:
    assert same_serial(on_file, typed) is same


serial_text = st.from_regex(r"[0-9A-Z]{4,12}", fullmatch=True)


@given(serial_text, serial_text)
def test_a_forgiven_serial_is_the_same_serial(on_file: str, typed: str) -> None:
    if same_serial(on_file, typed):
        assert on_file == typed or (on_file.lstrip("0") == typed.lstrip("0") != "")


def _account_spellings(number: str) -> st.SearchStrategy[str]:
    groups = f"{number[:5]}{{}}{number[5:8]}{{}}{number[8:]}"
    return st.sampled_from(
        [number, groups.format("-", "-"), groups.format(" ", " "), groups.format(".", ".")]
    )


ACCOUNT_LABELS = ["", "л/с ", "Л/С: ", "лс ", "лицевой счёт ", "account ", "Account no. "]
SERIAL_LABELS = ["", "№ ", "№", "счётчик ", "счетчик № ", "serial ", "meter number: ", "N "]


@given(
    number=st.from_regex(r"[0-9]{10}", fullmatch=True),
    serial=st.from_regex(r"[0-9][0-9A-Z]{3,11}", fullmatch=True),
    data=st.data(),
)
def test_any_spelling_of_a_pair_reads_as_that_pair(
    number: str, serial: str, data: st.DataObject
) -> None:
    account_text = data.draw(_account_spellings(number))
    account_label = data.draw(st.sampled_from(ACCOUNT_LABELS))
    serial_label = data.draw(st.sampled_from(SERIAL_LABELS))
    separator = data.draw(st.sampled_from([" ", ", ", "; ", "\n", "  "]))
    parts = [f"{account_label}{account_text}", f"{serial_label}{serial}"]
    labelled = account_label or serial_label
    if labelled and data.draw(st.booleans()):
        parts.reverse()  # labels say which is which in any order
    pair = read_pair(separator.join(parts))
    if len(serial) == 10 and serial.isdigit() and not labelled:
        return  # two bare 10-digit numbers: the first is the account, as help says
    assert (pair.account, pair.serial) == (number, serial)


# -- in the conversation ------------------------------------------------------------------------


async def _consented(chat: Conversation) -> None:
    await chat.send("/start")
    await chat.press("Согласен")


@pytest.mark.parametrize(
    "text",
    [
        "1234567890 0012345",
        "12345-678-90 12345",
        "л/с 1234567890 счётчик 0012345",
        "счётчик № 12345, л/с 12345 678 90",
        "account 1234567890 serial 0012345",
    ],
)
async def test_both_numbers_in_one_message_bind(
    chat: Conversation, storage: Storage, text: str
) -> None:
    await _consented(chat)
    await chat.send(text)
    assert "12345-678-90 (Москва, Утренняя 8А, кв. 1) привязан" in chat.text()
    assert [b.account for b in await storage.bindings(chat.chat)] == [ACCOUNT]


async def test_both_numbers_at_the_menu_bind(chat: Conversation, storage: Storage) -> None:
    await _consented(chat)
    await chat.press("Главное меню")
    await chat.send("1234567890 0012345")
    assert [b.account for b in await storage.bindings(chat.chat)] == [ACCOUNT]


@pytest.mark.parametrize(
    ("account", "serial"),
    [("л/с 1234567890", "№ 0012345"), ("12345-678-90", "12345"), ("лс 1234567890", "N 12345")],
)
async def test_labels_and_dropped_zeros_bind_step_by_step(
    chat: Conversation, storage: Storage, account: str, serial: str
) -> None:
    await _consented(chat)
    await chat.send(account)
    assert "номер счётчика" in chat.text()
    await chat.send(serial)
    assert "привязан" in chat.text()
    assert [b.account for b in await storage.bindings(chat.chat)] == [ACCOUNT]


async def test_after_a_wrong_serial_the_bot_says_it_needs_the_pair_again(
    chat: Conversation, storage: Storage
) -> None:
    await _consented(chat)
    await chat.send("12345-678-90")
    await chat.send("0012346")
    text = chat.text()
    assert "Осталось попыток: 4" in text
    assert "Нужна вся пара заново. Сейчас введите номер лицевого счёта" in text
    await chat.send("0012345")  # the resident types the serial anyway
    assert "Номер счётчика я спрошу следом — или пришлите оба номера" in chat.text()
    assert await storage.bindings(chat.chat) == []
    await chat.send("12345-678-90 0012345")
    assert "привязан" in chat.text()


async def test_in_english_too(chat: Conversation) -> None:
    await chat.send("/lang en")
    await chat.press("I agree")
    await chat.send("account 1234567890 serial 0012346")
    assert "I need the whole pair again. Now the account number" in chat.text()


async def test_wrong_pairs_in_one_message_count_and_lock_out(chat: Conversation) -> None:
    await _consented(chat)
    for tries_left in (4, 3, 2, 1):
        await chat.send(f"{ACCOUNT} 00{tries_left}9999")
        assert f"Осталось попыток: {tries_left}" in chat.text()
    await chat.send("1234567890 7654321")
    assert "Слишком много неудачных попыток" in chat.text()
    await chat.send("/bind 1234567890 12345")  # right, zeros dropped: the lockout holds
    assert "Слишком много неудачных попыток" in chat.text()


async def test_a_forgiven_serial_against_a_locked_account_is_refused(
    engine: DialogEngine, storage: Storage
) -> None:
    # Tries aimed at one account from many chats lock the account; a serial without its zeros
    # is not a way around that.
    for i in range(20):
        guesser = Conversation(engine, f"guesser-{i}")
        await _consented(guesser)
        await guesser.send(f"{ACCOUNT} 99{i:05d}")
    owner = Conversation(engine, "owner")
    await _consented(owner)
    await owner.send(f"{ACCOUNT} 12345")
    assert "Слишком много неудачных попыток" in owner.text()
    assert await storage.bindings(owner.chat) == []


_chats = itertools.count()
# Demo accounts and their serials, and numbers on file for none.
ON_FILE = {SINGLE[0].replace("-", ""): SINGLE[1], "2345678901": "0023456"}
typed_serials = st.one_of(
    st.sampled_from(["0012345", "12345", "0023456", "23456", "00012345", "0012354", "1234"]),
    st.from_regex(r"0{0,3}[1-9][0-9]{3,6}", fullmatch=True),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    number=st.sampled_from([*ON_FILE, "3456789012", "9999999999"]),
    serial=typed_serials,
    label=st.sampled_from(["", "л/с ", "account "]),
)
async def test_no_spelling_binds_an_account_whose_serial_was_not_given(
    engine: DialogEngine, storage: Storage, number: str, serial: str, label: str
) -> None:
    chat = ChatRef("fuzz", f"binder-{next(_chats)}")
    await engine.handle(Text(chat, "да"))  # consent
    await engine.handle(Text(chat, f"{label}{number} {serial}"))
    bound = [b.account for b in await storage.bindings(chat)]
    for account in bound:
        on_file = await storage.get_account(account)
        assert on_file is not None
        assert account == number  # never another account than the one typed
        assert same_serial(on_file.meter.serial, serial)


def test_typed_pair_defaults_are_empty() -> None:
    assert TypedPair() == read_pair("")
