"""Binding: account then serial, the same answer for either wrong half, a lockout, the phone."""

from __future__ import annotations

from bot.observability import Metrics
from dialogs.config import DialogConfig
from dialogs.engine import DialogEngine
from dialogs.events import ContactShared
from storage.base import Storage
from tests.dialogs.conftest import SINGLE, TWO_ZONE
from tests.dialogs.conversation import Conversation, FakeClock


async def _consented(chat: Conversation) -> None:
    await chat.send("/start")
    await chat.press("Согласен")


async def test_guided_binding_any_spelling(chat: Conversation, storage: Storage) -> None:
    await _consented(chat)
    await chat.send("12345 678 90")
    assert "номер счётчика" in chat.text()
    await chat.send("0012345")
    assert "12345-678-90 (Москва, Утренняя 8А, кв. 1) привязан" in chat.text()
    assert "однотарифный" in chat.text()
    assert chat.labels()[0] == "Передать показания"
    [binding] = await storage.bindings(chat.chat)
    assert (binding.account, binding.alias) == ("1234567890", "квартира")


async def test_malformed_account_is_explained(chat: Conversation) -> None:
    await _consented(chat)
    await chat.send("12345")
    assert "10 цифр" in chat.text()
    await chat.send("1234567890")
    await chat.send("№?")
    assert "от 4 до 20" in chat.text()


async def test_wrong_half_gets_the_same_answer(engine: DialogEngine) -> None:
    wrong_serial, wrong_account = Conversation(engine, "a"), Conversation(engine, "b")
    for talk, (account, serial) in (
        (wrong_serial, (SINGLE[0], "9999999")),
        (wrong_account, ("9999999999", SINGLE[1])),
    ):
        await _consented(talk)
        await talk.send(f"/bind {account} {serial}")
    assert wrong_serial.text() == wrong_account.text()
    assert "Осталось попыток: 4" in wrong_serial.text()
    assert wrong_serial.labels() == ["Офисы и контакты", "Главное меню"]


async def test_five_failures_in_an_hour_lock_the_chat(
    chat: Conversation, clock: FakeClock, storage: Storage
) -> None:
    await _consented(chat)
    for tries_left in (4, 3, 2, 1):
        await chat.send(f"/bind {SINGLE[0]} 1111111")
        assert f"Осталось попыток: {tries_left}" in chat.text()
        clock.advance(minutes=1)
    await chat.send(f"/bind {SINGLE[0]} 1111111")
    # The first failure was at 14:05 Moscow time: the chat may try again at 15:05.
    assert "после 15:05 (по московскому времени)" in chat.text()
    await chat.send(f"/bind {SINGLE[0]} {SINGLE[1]}")  # even the right pair waits
    assert "после 15:05" in chat.text()
    await chat.send(SINGLE[0])  # and the serial is not asked for only to be refused
    assert "после 15:05" in chat.text()
    assert "номер счётчика" not in chat.text()
    assert await storage.bindings(chat.chat) == []
    clock.advance(minutes=57)
    await chat.send(f"/bind {SINGLE[0]} {SINGLE[1]}")
    assert "привязан" in chat.text()


async def test_own_phone_on_file_binds_at_once(chat: Conversation, storage: Storage) -> None:
    await _consented(chat)
    await chat.share_contact("8 (999) 000-00-01")
    assert "Нашли ваш лицевой счёт 12345-678-90 по номеру телефона" in chat.text()
    assert [b.account for b in await storage.bindings(chat.chat)] == ["1234567890"]


async def test_someone_elses_phone_is_refused(chat: Conversation, storage: Storage) -> None:
    await _consented(chat)
    await chat.share_contact("+79990000001", own=False)
    assert "только по вашему собственному номеру" in chat.text()
    assert await storage.bindings(chat.chat) == []


async def test_unknown_phone_asks_for_the_account(chat: Conversation) -> None:
    await _consented(chat)
    await chat.share_contact("+79995550000")
    assert "не указан ни в одном лицевом счёте" in chat.text()
    await chat.send(TWO_ZONE[0])
    assert "номер счётчика" in chat.text()


async def test_binding_twice_says_so(chat: Conversation) -> None:
    await _consented(chat)
    await chat.send(f"/bind {SINGLE[0]} {SINGLE[1]}")
    await chat.send(f"/bind {SINGLE[0]} {SINGLE[1]}")
    assert "уже привязан" in chat.text()


async def test_a_proven_phone_not_on_file_counts_as_a_failed_try(chat: Conversation) -> None:
    await _consented(chat)
    for _ in range(4):
        await chat.share_contact("+79995550000")
    await chat.send(f"/bind {SINGLE[0]} 1111111")
    assert "Слишком много неудачных попыток" in chat.text()


async def _phone_hinted(engine: DialogEngine) -> Conversation:
    """A consented chat that has shared a number on file as a hint only, as Viber shares it."""
    chat = Conversation(engine, "viber-like")
    await _consented(chat)
    await chat.event(ContactShared(chat.chat, "+79990000001", False, hint=True))
    return chat


async def test_a_hinted_phone_binds_only_with_its_accounts_serial(
    engine: DialogEngine, storage: Storage
) -> None:
    chat = await _phone_hinted(engine)
    on_file = chat.text()
    assert "номер счётчика" in on_file
    assert "12345" not in on_file
    assert "Утренняя" not in on_file

    await chat.send(TWO_ZONE[1])  # a real serial, of another account
    assert "Осталось попыток: 4" in chat.text()
    assert await storage.bindings(chat.chat) == []

    await chat.event(ContactShared(chat.chat, "+79995550000", False, hint=True))
    assert chat.text() == on_file  # a number on file for nobody gets the very same question
    await chat.send(SINGLE[1])
    assert "Осталось попыток: 3" in chat.text()

    await chat.event(ContactShared(chat.chat, "+79990000001", False, hint=True))
    await chat.send(SINGLE[1])
    assert "Нашли ваш лицевой счёт 12345-678-90 по номеру телефона" in chat.text()
    assert [b.account for b in await storage.bindings(chat.chat)] == ["1234567890"]


async def test_a_language_change_asks_a_hinted_phones_serial_again(
    engine: DialogEngine, storage: Storage
) -> None:
    chat = await _phone_hinted(engine)
    await chat.send("/lang en")
    assert chat.text().startswith("I will write in English.\n")
    assert "meter" in chat.last[-1].text  # the serial, asked again in English
    await chat.send(SINGLE[1])
    assert [b.account for b in await storage.bindings(chat.chat)] == ["1234567890"]


async def test_the_lockout_outlives_forget_and_expires_on_its_own(
    chat: Conversation, clock: FakeClock, storage: Storage
) -> None:
    await _consented(chat)
    for _ in range(5):
        await chat.send(f"/bind {SINGLE[0]} 1111111")
    await chat.send("/forget")
    await chat.press("Да, стереть")
    await _consented(chat)
    await chat.send(f"/bind {SINGLE[0]} {SINGLE[1]}")
    assert "Слишком много неудачных попыток" in chat.text()

    clock.advance(minutes=61)
    await chat.send(f"/bind {SINGLE[0]} {SINGLE[1]}")
    assert "привязан" in chat.text()


async def test_failed_tries_reach_the_observer(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    metrics = Metrics()
    chat = Conversation(DialogEngine(storage, config, clock, metrics), "m", channel="viber")
    await _consented(chat)
    for _ in range(6):
        await chat.send(f"/bind {SINGLE[0]} 1111111")
    await chat.event(ContactShared(chat.chat, "+79990000001", False, hint=True))

    counts = {
        labels["reason"]: value
        for labels, value in _samples(metrics, "meterbot_bind_failures_total")
    }
    assert counts == {"wrong_pair": 5, "chat_locked": 2}


def _samples(metrics: Metrics, name: str) -> list[tuple[dict[str, str], float]]:
    return [
        (sample.labels, sample.value)
        for family in metrics.registry.collect()
        for sample in family.samples
        if sample.name == name
    ]
