"""Submitting readings: prompts, keypad, preview, confirmation, corrections, every refusal."""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal

from billing_core.models import (
    Account,
    Meter,
    MeterKind,
    MeterReading,
    Period,
    ReadingSource,
    Register,
)
from dialogs.config import DialogConfig
from dialogs.engine import DialogEngine
from dialogs.events import Choice
from storage.base import ImportRow, Storage, open_storage
from tests.dialogs.conftest import (
    AUTOMATIC,
    MISSED,
    MSK,
    NORMAL_WINDOW,
    SINGLE,
    THREE_ZONE,
    TWO_ZONE,
    Bound,
)
from tests.dialogs.conversation import Conversation, FakeClock

NOVEMBER = Period(2026, 11)


async def test_single_rate_typed_preview_confirm(bound: Bound, storage: Storage) -> None:
    chat = await bound(SINGLE)
    await chat.press("Передать показания")
    assert "открыт до 30 ноября включительно — осталось 11 дней" in chat.text()
    assert "Прошлое показание: 46\u00a0470" in chat.text()
    await chat.send("46 720")
    preview = chat.text()
    assert "Проверьте показания за ноябрь 2026" in preview
    assert "46\u00a0720 → 250\u00a0кВт·ч × 8,00\u00a0₽ = 2\u00a0000,00\u00a0₽" in preview
    assert "Итого к оплате: 2\u00a0000,00\u00a0₽ до 10 декабря" in preview
    assert chat.labels() == ["Всё верно, передать", "Исправить", "Отмена"]
    assert await storage.current_reading("1234567890", NOVEMBER) is None  # not before the press
    await chat.press("Всё верно, передать")
    assert "Показания приняты 20 ноября в 14:05" in chat.text()
    assert "Счёт за ноябрь 2026: 2\u00a0000,00\u00a0₽, оплатить до 10 декабря" in chat.text()
    assert "Исправить можно до 30 ноября" in chat.text()
    stored = await storage.current_reading("1234567890", NOVEMBER)
    assert stored is not None
    assert stored.values == {Register.T1: Decimal(46720)}
    assert stored.source is ReadingSource.RESIDENT
    assert stored.channel == "test"
    bill = await storage.latest_bill("1234567890")
    assert bill is not None
    assert bill.total == Decimal("2000.00")


async def test_two_zone_preview_matches_the_bill_example(bound: Bound) -> None:
    chat = await bound(TWO_ZONE)
    await chat.press("Передать показания")
    assert "Т1 (день, 07:00–23:00). Прошлое показание: 46\u00a0470" in chat.text()
    await chat.send("46700")
    assert "Т2 (ночь, 23:00–07:00). Прошлое показание: 21\u00a0675" in chat.text()
    await chat.send("21775")
    text = chat.text()
    assert "Т1 день  46\u00a0700 → 230\u00a0кВт·ч × 8,74\u00a0₽ = 2\u00a0010,20\u00a0₽" in text
    assert "Т2 ночь  21\u00a0775 → 100\u00a0кВт·ч × 3,77\u00a0₽ = 377,00\u00a0₽" in text
    assert "Итого к оплате: 2\u00a0387,20\u00a0₽ до 10 декабря" in text
    assert "предварительный" in text  # 2026 electric zone tariffs are estimates


async def test_a_reading_typed_with_a_thousands_space_is_one_value(bound: Bound) -> None:
    # The bot shows "46 470": a resident who types "46 700" back means one number, not T1 = 46
    # and T2 = 700 (below last month's 46 470), typed at the prompt or after /submit.
    chat = await bound(TWO_ZONE)
    await chat.press("Передать показания")
    await chat.send("46 700")
    assert chat.text().startswith("Т2 (ночь, 23:00–07:00)")
    await chat.send("21 775")
    assert "Т1 день  46\u00a0700 → 230\u00a0кВт·ч" in chat.text()
    await chat.press("Отмена")

    await chat.send("/submit 46 700")
    assert chat.text().startswith("Приём показаний открыт")  # the window and account first
    assert chat.last_reply().text.startswith("Т2 (ночь, 23:00–07:00)")
    await chat.send("21775")
    assert "Итого к оплате: 2\u00a0387,20\u00a0₽" in chat.text()


async def test_submit_command_shows_preview_and_waits(bound: Bound, storage: Storage) -> None:
    chat = await bound(TWO_ZONE)
    await chat.send("/submit 46700 21775")
    assert "Итого к оплате: 2\u00a0387,20\u00a0₽" in chat.text()
    await chat.press("Отмена")
    assert "ничего не передаю" in chat.text()
    assert await storage.current_reading("2345678901", NOVEMBER) is None
    await chat.send("/submit 46700 21775 100")
    assert "тарифов: 2, а чисел введено: 3" in chat.text()


async def test_a_bare_number_at_the_menu_is_the_first_zone(bound: Bound) -> None:
    chat = await bound(TWO_ZONE)
    await chat.send("46700")
    assert "чисел введено" not in chat.text()
    assert chat.last_reply().text.startswith("Т2 (ночь, 23:00–07:00)")
    await chat.send("21775")
    assert "Т1 день  46\u00a0700" in chat.text()
    assert "Итого к оплате: 2\u00a0387,20\u00a0₽" in chat.text()


async def test_a_bare_number_is_checked_as_the_first_zone(bound: Bound) -> None:
    chat = await bound(TWO_ZONE)
    await chat.send("40000")  # below the last day reading, 46 470
    assert "Т1 день меньше прошлого показания" in chat.text()
    assert chat.last_reply().text.startswith("Т1 (день, 07:00–23:00)")


async def test_a_bare_number_on_three_zones_asks_the_second_then_the_third(bound: Bound) -> None:
    chat = await bound(THREE_ZONE)
    await chat.send("/lang en")
    await chat.send("46700")  # typed, as at the menu
    assert "tariffs" not in chat.text()
    assert chat.last_reply().text.startswith("T2")
    await chat.send("21775")
    assert chat.last_reply().text.startswith("T3")


async def test_keypad_digit_by_digit(bound: Bound, storage: Storage) -> None:
    chat = await bound(SINGLE)
    await chat.press("Передать показания")
    await chat.press("По цифрам")
    assert "_ _ _ _ _ _" in chat.text()
    for digit in "4679":
        await chat.press(digit)
    assert "4 6 7 9 _ _" in chat.text()
    await chat.press("⌫")
    assert "4 6 7 _ _ _" in chat.text()
    for digit in "200":
        await chat.press(digit)
    assert "4 6 7 2 0 0" in chat.text()
    await chat.press("5")
    assert "Все 6 цифр уже набраны" in chat.text()
    await chat.press("⌫")
    assert "4 6 7 2 0 _" in chat.text()
    await chat.press("Готово")
    assert "46\u00a0720 → 250\u00a0кВт·ч" in chat.text()
    await chat.press("sub:ok")
    assert (await storage.current_reading("1234567890", NOVEMBER)) is not None


async def test_correction_replaces_and_says_so(bound: Bound, storage: Storage) -> None:
    chat = await bound(SINGLE)
    await chat.send("/submit 46720")
    await chat.press("Всё верно, передать")
    await chat.send("/submit 46750")
    await chat.press("Всё верно, передать")
    assert "Прежние показания за ноябрь 2026 заменены новыми" in chat.text()
    history = await storage.reading_history("1234567890", NOVEMBER)
    assert [r.values[Register.T1] for r in history] == [Decimal(46720), Decimal(46750)]
    await chat.send("/submit")
    assert "уже переданы показания: 46\u00a0750" in chat.text()
    await chat.send("/submit 46760")  # the fast path says it too, above the preview
    assert "уже переданы показания: 46\u00a0750. Новые заменят их." in chat.text()
    assert "Проверьте показания" in chat.text()


async def test_fix_starts_over(bound: Bound) -> None:
    chat = await bound(TWO_ZONE)
    await chat.send("/submit 46700 21775")
    await chat.press("Исправить")
    assert chat.text() == "Какое показание исправить?"
    assert chat.labels() == [
        "Т1 день: 46\u00a0700",
        "Т2 ночь: 21\u00a0775",
        "Все заново",
        "Отмена",
    ]
    await chat.press("Все заново")
    assert "заново" in chat.text()
    assert "Т1 (день" in chat.text()


async def test_fix_asks_which_zone_and_only_that_one(bound: Bound) -> None:
    chat = await bound(TWO_ZONE)
    await chat.send("/submit 46700 21775")
    await chat.press("Исправить")
    await chat.press("Т2 ночь: 21\u00a0775")
    assert chat.text().startswith("Т2 (ночь, 23:00–07:00)")
    await chat.send("21800")
    assert "Т1 день  46\u00a0700" in chat.text()  # T1 kept, not asked again
    assert "Т2 ночь  21\u00a0800" in chat.text()
    assert "Всё верно, передать" in chat.labels()


async def test_fix_of_a_single_rate_meter_asks_its_one_value(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.send("/submit 46720")
    await chat.press("Исправить")
    assert "Показание счётчика (Т1)" in chat.text()


async def test_value_refusals_keep_the_question(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.press("Передать показания")
    await chat.send("сорок пять")
    assert "Показание — это число" in chat.text()
    await chat.send("1234567")
    assert "6 цифр до запятой, а введено 7" in chat.text()
    await chat.send("46720,5")
    assert "только целую часть" in chat.text()
    await chat.send("40000")
    assert "меньше прошлого (46\u00a0470)" in chat.text()
    await chat.send("46720")
    assert "Проверьте показания" in chat.text()


async def test_two_zone_lower_value_asks_that_register_again(bound: Bound) -> None:
    chat = await bound(TWO_ZONE)
    await chat.send("/submit 46700 20000")
    assert "Т2 ночь меньше прошлого показания (21\u00a0675)" in chat.text()
    assert "перепутаны день и ночь" in chat.text()
    await chat.send("21775")
    assert "Итого к оплате" in chat.text()


async def test_three_zone_lower_value_does_not_speak_of_day_and_night(bound: Bound) -> None:
    chat = await bound(THREE_ZONE)
    await chat.press("Передать показания")
    await chat.send("100")
    assert "Т1 пик меньше прошлого показания" in chat.text()
    assert "перепутаны зоны" in chat.text()
    assert "день и ночь" not in chat.text()


async def test_a_lower_day_value_is_refused_before_night_is_asked(bound: Bound) -> None:
    chat = await bound(TWO_ZONE)
    await chat.press("Передать показания")
    await chat.send("21700")  # the night's value typed as the day's

    assert "Т1 день меньше прошлого показания (46\u00a0470)" in chat.text()
    assert "перепутаны день и ночь" in chat.text()
    assert "Т1 (день" in chat.text()
    assert "Т2 (ночь" not in chat.text()
    await chat.send("46700")
    assert "Т2 (ночь" in chat.text()
    await chat.send("21775")
    assert "Итого к оплате" in chat.text()


async def test_implausible_consumption_asks_to_confirm(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.send("/submit 47470")
    assert "расход 1\u00a0000\u00a0кВт·ч — в 4,1 раза больше обычного (около 245" in chat.text()
    assert chat.labels() == ["Да, верно", "Исправить"]
    await chat.press("Да, верно")
    assert "Итого к оплате: 8\u00a0000,00\u00a0₽" in chat.text()


async def _bound_with_readings(
    engine: DialogEngine, storage: Storage, number: str, readings: dict[int, int]
) -> Conversation:
    """A chat bound to a new single-rate account whose actual readings are {month: value}."""
    account = Account(number, Meter(number[-5:], MeterKind.SINGLE), window_start_day=1,
                      window_end_day=31)  # fmt: skip
    await storage.upsert_accounts([ImportRow(account)])
    for month, value in readings.items():
        reading = MeterReading(
            Period(2026, month), {Register.T1: Decimal(value)}, ReadingSource.CONTROL,
            datetime(2026, month, 20, tzinfo=MSK),
        )  # fmt: skip
        await storage.record_submission(number, reading, None)
    chat = Conversation(engine, number)
    await chat.send("/start")
    await chat.press("Согласен")
    await chat.send(f"/bind {number} {number[-5:]}")
    return chat


async def test_a_month_above_the_cap_asks_even_without_an_average(
    engine: DialogEngine, storage: Storage
) -> None:
    chat = await _bound_with_readings(engine, storage, "7700000002", {10: 1000})
    await chat.send("/submit 6000")
    assert "Расход — 5 000 кВт·ч в месяц: необычно много для квартиры" in chat.text()
    assert "(обычно не больше 3 900 кВт·ч)" in chat.text()
    assert chat.labels() == ["Да, верно", "Исправить"]
    await chat.press("Да, верно")
    assert "5 000 кВт·ч × 8,00 ₽ = 40 000,00 ₽" in chat.text()


async def test_skipped_months_are_compared_with_the_usual_month(
    engine: DialogEngine, storage: Storage
) -> None:
    usual = {5: 1000, 6: 1100, 7: 1200, 8: 1300}  # 100 a month, none since August
    chat = await _bound_with_readings(engine, storage, "7700000003", usual)
    await chat.send("/submit 1600")  # 300 over three months: as usual
    assert "Проверьте показания" in chat.text()
    await chat.press("Исправить")
    await chat.send("2500")
    assert (
        "расход 1 200 кВт·ч за 3 мес. — в 4 раза больше обычного (около 100 кВт·ч в месяц)"
    ) in chat.text()


async def test_rollover_asks_to_confirm(engine: DialogEngine, storage: Storage) -> None:
    meter = Meter("77001", MeterKind.SINGLE, digits=5)
    account = Account("7700000001", meter, window_start_day=1, window_end_day=31)
    await storage.upsert_accounts([ImportRow(account)])
    october = MeterReading(
        Period(2026, 10), {Register.T1: Decimal(99800)}, ReadingSource.CONTROL,
        datetime(2026, 10, 20, tzinfo=MSK),
    )  # fmt: skip
    await storage.record_submission(account.number, october, None)
    chat = Conversation(engine, "roll")
    await chat.send("/start")
    await chat.press("Согласен")
    await chat.send("/bind 7700000001 77001")
    await chat.send("/submit 150")
    assert "перешёл через ноль" in chat.text()
    assert "350\u00a0кВт·ч" in chat.text()
    await chat.press("Счётчик обнулился")
    assert "150 → 350\u00a0кВт·ч × 8,00\u00a0₽ = 2\u00a0800,00\u00a0₽" in chat.text()
    await chat.press("Всё верно, передать")
    assert "Показания приняты" in chat.text()


async def test_a_typed_yes_or_no_answers_a_question_as_its_buttons(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.send("/submit 47470")
    assert chat.text().endswith("Всё верно?")
    await chat.send("нет")  # «Исправить»
    assert chat.text().startswith("Давайте введём заново.")
    await chat.send("47470")
    await chat.send("да")  # «Да, верно»: on to the preview, nothing stored yet
    assert "Итого к оплате: 8\u00a0000,00\u00a0₽" in chat.text()
    assert chat.labels() == ["Всё верно, передать", "Исправить", "Отмена"]


async def test_window_closed_says_when_and_offers_a_reminder(
    bound: Bound, clock: FakeClock, storage: Storage
) -> None:
    chat = await bound(NORMAL_WINDOW)
    await chat.send("/remind off")
    clock.now = datetime(2026, 11, 27, 9, 0, tzinfo=MSK)
    await chat.press("Передать показания")
    assert "приём с 15 по 26 число. Следующий приём откроется 15 декабря" in chat.text()
    await chat.press("Напомнить 15 декабря")
    assert "напомню 15 декабря" in chat.text()
    profile = await storage.get_profile(chat.chat)
    assert profile is not None
    assert profile.reminders_on


async def test_confirm_after_the_window_closed_stores_nothing(
    bound: Bound, clock: FakeClock, storage: Storage
) -> None:
    chat = await bound(NORMAL_WINDOW)
    await chat.send("/submit 46600")
    clock.now = datetime(2026, 11, 27, 0, 1, tzinfo=MSK)
    await chat.press("Всё верно, передать")
    assert "не принимаются" in chat.text()
    assert await storage.current_reading("4567890123", NOVEMBER) is None


async def test_automatic_meter_needs_nothing(bound: Bound) -> None:
    chat = await bound(AUTOMATIC)
    await chat.press("Передать показания")
    assert "передаёт показания сам — ничего передавать не нужно" in chat.text()
    for view in ("/bill", "/history"):  # and they offer no way back to that refusal
        await chat.send(view)
        assert "Передать показания" not in chat.labels(), view


async def test_too_many_missed_months_call_or_visit(bound: Bound) -> None:
    chat = await bound(MISSED)
    await chat.press("Передать показания")
    text = chat.text()
    assert "больше двух месяцев" in text
    assert "+7 (499) 550-88-99 (операторы, 08:30–20:00)" in text
    await chat.press("Ближайшие офисы")  # the account is on Касимовская 23
    assert "Южное отделение: Москва, Касимовская ул, 23" in chat.text()
    assert "Рядом с вашим адресом" in chat.text()


async def test_no_account_yet_offers_binding(chat: Conversation) -> None:
    await chat.send("/start")
    await chat.press("Согласен")
    await chat.send("/submit 45000")
    assert "Сначала привяжите лицевой счёт" in chat.text()
    assert "Привязать лицевой счёт" in chat.labels()


async def test_restart_in_the_middle_continues(
    bound: Bound, db_url: str, config: DialogConfig, clock: FakeClock
) -> None:
    chat = await bound(TWO_ZONE)
    await chat.press("Передать показания")
    await chat.send("46700")
    # A new process: another connection to the same database, a new engine.
    reopened = await open_storage(db_url)
    try:
        after = Conversation(DialogEngine(reopened, config, clock), chat.chat.user_id)
        await after.send("21775")
        assert "Итого к оплате: 2\u00a0387,20\u00a0₽" in after.text()
        await after.press("Всё верно, передать")
        stored = await reopened.current_reading("2345678901", NOVEMBER)
        assert stored is not None
        assert stored.values == {Register.T1: Decimal(46700), Register.T2: Decimal(21775)}
    finally:
        await reopened.close()


async def test_two_chats_of_one_account_submit_at_once(bound: Bound, storage: Storage) -> None:
    first = await bound(TWO_ZONE, "first")
    second = await bound(TWO_ZONE, "second")
    await first.send("/submit 46700 21775")
    await second.send("/submit 46710 21780")
    await asyncio.gather(first.press("sub:ok"), second.press("sub:ok"))
    assert "Показания приняты" in first.text()
    assert "Показания приняты" in second.text()
    history = await storage.reading_history("2345678901", NOVEMBER)
    assert len(history) == 2
    current = await storage.current_reading("2345678901", NOVEMBER)
    assert current is not None
    assert current.values in [r.values for r in history]
    assert len(await storage.chats_of_account("2345678901")) == 2


async def test_stale_confirmation_press_stores_nothing(bound: Bound, storage: Storage) -> None:
    chat = await bound(SINGLE)
    await chat.send("/submit 46720")
    await chat.press("Отмена")
    await chat.event(Choice(chat.chat, "sub:ok"))  # an old button pressed again
    assert "не актуальны" in chat.text()
    assert await storage.current_reading("1234567890", NOVEMBER) is None


async def test_a_second_tap_under_accepted_readings_leaves_them_and_the_receipt(
    bound: Bound, storage: Storage
) -> None:
    chat = await bound(SINGLE)
    await chat.send("/submit 46720")
    await chat.press("sub:ok")
    assert "Показания приняты" in chat.text()
    for stale in ("sub:ok", "sub:cancel", "sub:fix"):  # a double tap, or the preview's others
        [reply] = await chat.event(Choice(chat.chat, stale))
        assert reply.text == (
            "Эти показания уже приняты, подтверждение — в сообщении выше. "
            "Чтобы исправить их, передайте показания ещё раз."
        )
        assert reply.keep_pressed  # the receipt above is not replaced
        assert chat.labels() == ["Передать показания", "Мой счёт", "Главное меню"]
    assert len(await storage.reading_history("1234567890", NOVEMBER)) == 1
    current = await storage.current_reading("1234567890", NOVEMBER)
    assert current is not None
    assert current.values == {Register.T1: Decimal(46720)}
    await chat.press("Передать показания")  # a correction starts as a new submission
    assert "Прошлое показание: 46\u00a0470" in chat.text()
    await chat.press("Отмена")  # moving on: an old button is just out of date again
    await chat.event(Choice(chat.chat, "sub:ok"))
    assert "не актуальны" in chat.text()
    assert not chat.last_reply().keep_pressed


async def test_a_typed_yes_or_no_under_the_preview_is_its_buttons(
    bound: Bound, storage: Storage
) -> None:
    chat = await bound(SINGLE)
    await chat.send("/submit 46720")
    await chat.send("нет")  # not right: «Исправить»
    assert chat.text().startswith("Давайте введём заново.")
    assert await storage.current_reading("1234567890", NOVEMBER) is None
    await chat.send("46730")
    await chat.send("Да!")  # «Всё верно, передать»
    assert "Показания приняты" in chat.text()
    stored = await storage.current_reading("1234567890", NOVEMBER)
    assert stored is not None
    assert stored.values[Register.T1] == Decimal(46730)


async def test_words_under_the_preview_show_it_again(bound: Bound, storage: Storage) -> None:
    chat = await bound(SINGLE)
    await chat.send("/submit 46720")
    await chat.send("может быть")
    assert "Нажмите кнопку под сообщением" in chat.text()
    assert "Всё верно, передать" in chat.labels()
    assert await storage.current_reading("1234567890", NOVEMBER) is None
    await chat.send("46730")
    assert "46\u00a0730 → 260\u00a0кВт·ч" in chat.text()
