"""Several accounts: a new one is named by the resident (a default offered), names are unique in
a chat, «Передать показания» and «Мой счёт» ask which account (the choice remembered as the
current one), and the unlink question has a "keep it" answer."""

from __future__ import annotations

import pytest

from dialogs.events import Choice
from dialogs.flows.accounts import free_alias
from storage.base import Storage
from tests.dialogs.conftest import SINGLE, THREE_ZONE, TWO_ZONE, Bound
from tests.dialogs.conversation import Conversation


async def _aliases(storage: Storage, chat: Conversation) -> dict[str, str]:
    return {b.account: b.alias for b in await storage.bindings(chat.chat)}


async def _two(bound: Bound) -> Conversation:
    chat = await bound(SINGLE)
    await chat.send(f"/bind {TWO_ZONE[0]} {TWO_ZONE[1]}")
    return chat


async def test_the_first_account_is_not_asked_for_a_name(bound: Bound) -> None:
    chat = await bound(SINGLE)
    assert "Как назвать" not in chat.text()


async def test_a_second_account_is_named_with_its_street_offered(
    bound: Bound, storage: Storage
) -> None:
    chat = await _two(bound)
    assert "привязан" in chat.text()
    assert (
        "Как назвать этот счёт, чтобы не путать с другими? Нажмите «Смольная 24а»" in chat.text()
    )
    assert chat.labels() == ["Смольная 24а", "Передать показания", "Главное меню"]
    await chat.send("  Дача  ")
    assert "Готово: счёт 23456-789-01 теперь называется «Дача»" in chat.text()
    assert (await _aliases(storage, chat))["2345678901"] == "Дача"


async def test_the_offered_name_is_kept_with_a_press(bound: Bound, storage: Storage) -> None:
    chat = await _two(bound)
    await chat.press("Смольная 24а")
    assert "называется «Смольная 24а»" in chat.text()
    assert (await _aliases(storage, chat))["2345678901"] == "Смольная 24а"


async def test_ignoring_the_question_keeps_the_offered_name(
    bound: Bound, storage: Storage
) -> None:
    chat = await _two(bound)
    await chat.press("Передать показания")
    assert "«Смольная 24а» (23456-789-01)" in chat.text()
    assert (await _aliases(storage, chat))["2345678901"] == "Смольная 24а"


async def test_numbers_typed_instead_of_a_name_are_not_a_name(
    bound: Bound, storage: Storage
) -> None:
    chat = await _two(bound)
    await chat.send(f"{THREE_ZONE[0]} {THREE_ZONE[1]}")  # a third account, at once
    assert "34567-890-12 (Москва, Изюмская 46, кв. 7) привязан" in chat.text()
    aliases = await _aliases(storage, chat)
    assert aliases["2345678901"] == "Смольная 24а"
    assert aliases["3456789012"] == "Изюмская 46"


@pytest.mark.parametrize("duplicate", ["квартира", "КВАРТИРА", " квартира "])
async def test_a_name_in_use_is_refused_with_a_suggestion(
    bound: Bound, storage: Storage, duplicate: str
) -> None:
    chat = await _two(bound)
    await chat.send(duplicate)
    assert f"Название «{duplicate.strip()}» уже есть у другого счёта" in chat.text()
    assert f"например, «{duplicate.strip()} 2»" in chat.text()
    assert chat.labels() == ["Смольная 24а", "Главное меню"]  # the offered name, still
    assert (await _aliases(storage, chat))["2345678901"] == "Смольная 24а"
    await chat.send("квартира 2")
    assert "называется «квартира 2»" in chat.text()


async def test_renaming_keeps_names_unique_too(bound: Bound, storage: Storage) -> None:
    chat = await _two(bound)
    await chat.send("дача")
    await chat.send("/accounts")
    await chat.press("квартира")
    await chat.press("Переименовать")
    await chat.send("Дача")
    assert "уже есть у другого счёта" in chat.text()
    await chat.send("квартира")  # its own name again is no clash
    assert "называется «квартира»" in chat.text()
    assert sorted((await _aliases(storage, chat)).values()) == ["дача", "квартира"]


@pytest.mark.parametrize(
    ("taken", "wanted", "given"),
    [
        ([], "дача", "дача"),
        (["Дача"], "дача", "дача 2"),
        (["дача", "дача 2"], "Дача", "Дача 3"),
        (["Берёзовая 3"], "березовая 3", "березовая 3 2"),
        (["квартира"], "Смольная 24а", "Смольная 24а"),
    ],
)
def test_free_alias(taken: list[str], wanted: str, given: str) -> None:
    assert free_alias(taken, wanted) == given


async def test_submit_asks_which_account_and_remembers_the_choice(
    bound: Bound, storage: Storage
) -> None:
    chat = await _two(bound)
    await chat.send("дача")
    await chat.press("Главное меню")
    await chat.press("Передать показания")
    assert "Для какого лицевого счёта передать показания?" in chat.text()
    assert chat.labels() == ["✓ дача", "квартира", "Главное меню"]  # the current one first
    await chat.press("квартира")
    assert "«квартира» (12345-678-90)" in chat.text()
    await chat.press("Отмена")
    await chat.send("/submit")
    assert chat.labels()[:2] == ["✓ квартира", "дача"]  # remembered as current
    profile = await storage.get_profile(chat.chat)
    assert profile is not None
    assert profile.current_account == "1234567890"


async def test_bill_asks_which_account(bound: Bound, storage: Storage) -> None:
    chat = await _two(bound)
    await chat.send("дача")
    await chat.send("/bill")
    assert "Счёт по какому лицевому счёту показать?" in chat.text()
    await chat.press("квартира")
    assert "12345-678-90" in chat.text()
    assert "Счёт по какому" not in chat.text()
    await chat.event(Choice(chat.chat, "m:bill"))
    assert chat.labels()[0] == "✓ квартира"
    await chat.event(Choice(chat.chat, "bill:2345678901"))
    assert "23456-789-01" in chat.text()
    profile = await storage.get_profile(chat.chat)
    assert profile is not None
    assert profile.current_account == "2345678901"


async def test_one_account_is_not_asked_about(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.press("Главное меню")
    await chat.press("Передать показания")
    assert "Для какого" not in chat.text()
    assert "«квартира» (12345-678-90)" in chat.text()
    await chat.send("/bill")
    assert "Счёт по какому" not in chat.text()


async def test_a_bill_for_an_account_not_bound_here_is_refused(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.event(Choice(chat.chat, "bill:2345678901"))
    assert "не привязан к этому чату" in chat.text()


async def test_the_unlink_question_has_a_keep_answer(bound: Bound, storage: Storage) -> None:
    chat = await _two(bound)
    await chat.send("дача")
    await chat.send("/accounts")
    await chat.press("дача")
    await chat.press("Отвязать")
    assert chat.labels() == ["Да, отвязать", "Нет, оставить", "Главное меню"]
    await chat.press("Нет, оставить")
    assert "Хорошо, счёт «дача» остаётся привязанным." in chat.text()
    assert len(await storage.bindings(chat.chat)) == 2


async def test_in_english(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.send("/lang en")
    await chat.send(f"/bind {TWO_ZONE[0]} {TWO_ZONE[1]}")
    assert "What shall I call this account" in chat.text()
    await chat.send("quartira")  # any name; now a clash
    await chat.send("/accounts")
    await chat.press("quartira")
    await chat.press("Rename")
    await chat.send("QUARTIRA ")
    assert "already called" not in chat.text()  # its own name
    await chat.press("Submit readings")
    assert "Which account are the readings for?" in chat.text()
