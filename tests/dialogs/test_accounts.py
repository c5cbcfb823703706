"""Several accounts per chat with aliases; several chats per account."""

from __future__ import annotations

from dialogs.events import Choice
from storage.base import Storage
from tests.dialogs.conftest import SINGLE, TWO_ZONE, Bound


async def test_aliases_current_rename_unbind(bound: Bound, storage: Storage) -> None:
    chat = await bound(SINGLE)
    await chat.send(f"/bind {TWO_ZONE[0]} {TWO_ZONE[1]}")
    assert "привязан" in chat.text()
    await chat.send("/accounts")
    assert "«квартира» — 12345-678-90" in chat.text()
    assert "✓ «Смольная 24а» — 23456-789-01" in chat.text()  # the last bound is current
    await chat.press("квартира")
    assert "Счётчик № 0012345, однотарифный" in chat.text()
    await chat.press("Переименовать")
    await chat.send("  дача  ")
    assert "теперь называется «дача»" in chat.text()
    await chat.send("/accounts")
    await chat.press("дача")
    await chat.press("Сделать текущим")
    assert "Теперь текущий счёт — «дача» (12345-678-90)" in chat.text()
    await chat.press("Передать показания")
    await chat.press("✓ дача")  # several accounts: which one, the current first
    assert "«дача» (12345-678-90)" in chat.text()
    await chat.send("/accounts")
    await chat.press("дача")
    assert "Сделать текущим" not in chat.labels()  # it is the current one already
    await chat.send("/accounts")
    await chat.press("Смольная 24а")
    assert "Сделать текущим" in chat.labels()
    await chat.press("Отвязать")
    assert "Отвязать «Смольная 24а»" in chat.text()
    await chat.press("Да, отвязать")
    assert [b.account for b in await storage.bindings(chat.chat)] == ["1234567890"]


async def test_the_unlink_question_answered_by_typing(bound: Bound, storage: Storage) -> None:
    async def linked() -> list[str]:
        return [b.account for b in await storage.bindings(chat.chat)]

    chat = await bound(SINGLE)
    await chat.send(f"/bind {TWO_ZONE[0]} {TWO_ZONE[1]}")
    await chat.send("/accounts")
    await chat.press("Смольная 24а")
    await chat.press("Отвязать")
    await chat.send("Нет, спасибо")  # a no, not thanks
    assert chat.text().startswith("Хорошо, счёт «Смольная 24а» остаётся привязанным.")
    await chat.press("Лицевые счета")
    await chat.press("Смольная 24а")
    await chat.press("Отвязать")
    await chat.send("может быть")  # neither: asked again
    assert chat.text() == "Отвязать «Смольная 24а» (23456-789-01) от этого чата?"
    await chat.send("мой счёт")  # a wish leaves the question, nothing unlinked…
    assert "Счёт по какому лицевому счёту показать?" in chat.text()
    await chat.send("да")  # …so a yes later unlinks nothing either
    assert "отвязан" not in chat.text()
    assert await linked() == ["1234567890", "2345678901"]
    await chat.send("/lang en")
    await chat.send("/accounts")
    await chat.press("Смольная 24а")
    await chat.press("Unlink")
    await chat.send("Yes!")
    assert chat.text().startswith("“Смольная 24а” is unlinked from this chat.")
    assert await linked() == ["1234567890"]


async def test_alias_must_be_short(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.send("/accounts")
    await chat.press("квартира")
    await chat.press("Переименовать")
    await chat.send("x" * 40)
    assert "от 1 до 32 символов" in chat.text()


async def test_actions_on_an_account_not_bound_here_are_refused(bound: Bound) -> None:
    chat = await bound(SINGLE)
    other = await bound(TWO_ZONE, "neighbour")
    await other.send("/accounts")
    await chat.event(Choice(chat.chat, "acc:delok:2345678901"))
    assert "не привязан к этому чату" in chat.text()
    await chat.event(Choice(chat.chat, "submit:2345678901"))
    assert "не привязан к этому чату" in chat.text()


async def test_one_account_in_several_chats(bound: Bound, storage: Storage) -> None:
    await bound(SINGLE, "husband")
    await bound(SINGLE, "wife")
    chats = await storage.chats_of_account("1234567890")
    assert sorted(c.user_id for c in chats) == ["husband", "wife"]
