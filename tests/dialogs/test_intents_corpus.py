"""What residents type, and the wish the bot hears in it: the corpus of typed messages in both
languages, with inflections, capitals, «ё»/«е» and one-letter typos. A message that names no
wish (a district, a word of their own) must be heard as none, so that the state's own step reads
it."""

from __future__ import annotations

import pytest

from dialogs.engine import ROUTER
from dialogs.intents import BUTTONS, COMMANDS, Call, Intent, Meaning, Press, read, target

CORPUS: list[tuple[str, Intent | None]] = [
    # ru: submit
    ("хочу передать показания", Intent.SUBMIT),
    ("Передать показания", Intent.SUBMIT),
    ("передать показания", Intent.SUBMIT),
    ("ПЕРЕДАТЬ ПОКАЗАНИЯ", Intent.SUBMIT),
    ("показания", Intent.SUBMIT),
    ("показание", Intent.SUBMIT),
    ("Показаний", Intent.SUBMIT),
    ("показанья", Intent.SUBMIT),
    ("покзания", Intent.SUBMIT),
    ("показаня", Intent.SUBMIT),
    ("показаниия", Intent.SUBMIT),
    ("передам показания завтра", Intent.SUBMIT),
    ("как передать показания?", Intent.SUBMIT),
    ("куда сдавать показания", Intent.SUBMIT),
    ("сдать показания счётчика", Intent.SUBMIT),
    ("сдать показания счетчика", Intent.SUBMIT),
    ("отправить показания", Intent.SUBMIT),
    ("отправляю показания", Intent.SUBMIT),
    ("внести показания", Intent.SUBMIT),
    ("подать показания", Intent.SUBMIT),
    ("передаю показания", Intent.SUBMIT),
    ("передат показания", Intent.SUBMIT),
    ("передать показани", Intent.SUBMIT),
    ("хочу передать", Intent.SUBMIT),
    ("показания электроэнергии", Intent.SUBMIT),
    # ru: bill and paying
    ("счёт", Intent.BILL),
    ("счет", Intent.BILL),
    ("мой счёт", Intent.BILL),
    ("Мой счет", Intent.BILL),
    ("счета", Intent.BILL),
    ("покажите счёт", Intent.BILL),
    ("квитанция", Intent.BILL),
    ("квитанцию пришлите", Intent.BILL),
    ("квитанцыя", Intent.BILL),
    ("сумма", Intent.BILL),
    ("какая сумма", Intent.BILL),
    ("начисления за ноябрь", Intent.BILL),
    ("сколько платить", Intent.PAY),
    ("сколько мне платить?", Intent.PAY),
    ("сколько нужно заплатить", Intent.PAY),
    ("как оплатить", Intent.PAY),
    ("оплатить", Intent.PAY),
    ("оплата", Intent.PAY),
    ("оплотить", Intent.PAY),
    ("заплатить за свет", Intent.PAY),
    ("мой долг", Intent.PAY),
    ("сколько я должен", Intent.PAY),
    ("QR-код для оплаты", Intent.PAY),
    ("реквизиты", Intent.PAY),
    ("Сколько я должна?", Intent.PAY),
    ("я должна передать показания?", Intent.SUBMIT),  # owing without «сколько» is no wish
    ("есть ли задолженность", Intent.PAY),
    ("задолженнось", Intent.PAY),
    ("долги", Intent.PAY),
    ("платёж", Intent.PAY),
    ("платеж", Intent.PAY),
    ("когда оплатить", Intent.WHEN_PAY),
    ("когда платить", Intent.WHEN_PAY),
    ("до какого числа платить", Intent.WHEN_PAY),
    ("срок оплаты", Intent.WHEN_PAY),
    ("когда нужно заплатить", Intent.WHEN_PAY),
    ("когда придёт счёт", Intent.WHEN_PAY),
    # ru: history
    ("история", Intent.HISTORY),
    ("История показаний", Intent.HISTORY),
    ("истории", Intent.HISTORY),
    ("истроия", Intent.HISTORY),
    ("расход", Intent.HISTORY),
    ("мой расход за год", Intent.HISTORY),
    ("график расхода", Intent.HISTORY),
    ("статистика", Intent.HISTORY),
    ("потребление электроэнергии", Intent.HISTORY),
    ("прошлые показания история", Intent.HISTORY),
    # ru: accounts, reminders, outages
    ("лицевой счёт", Intent.ACCOUNTS),
    ("лицевые счета", Intent.ACCOUNTS),
    ("Лицевые счета", Intent.ACCOUNTS),
    ("добавить лицевой счёт", Intent.ACCOUNTS),
    ("напоминания", Intent.REMINDERS),
    ("напомни мне", Intent.REMINDERS),
    ("напомнить", Intent.REMINDERS),
    ("напоминалка не нужна напоминание", Intent.REMINDERS),
    ("отключения", Intent.OUTAGES),
    ("отключение света", Intent.OUTAGES),
    ("нет света", Intent.OUTAGES),
    ("когда отключат", Intent.OUTAGES),
    # ru: offices and contacts
    ("офисы", Intent.OFFICES),
    ("офис", Intent.OFFICES),
    ("где ближайший офис", Intent.OFFICES),
    ("адрес офиса", Intent.OFFICES),
    ("адреса отделений", Intent.OFFICES),
    ("отделение", Intent.OFFICES),
    ("офисы", Intent.OFFICES),
    ("Офисы и контакты", Intent.OFFICES),
    ("телефон", Intent.CONTACTS),
    ("номер телефона", Intent.CONTACTS),
    ("позвонить оператору", Intent.CONTACTS),
    ("как позвонить", Intent.CONTACTS),
    ("контакты", Intent.CONTACTS),
    ("оператор", Intent.CONTACTS),
    # ru: faq, help, menu
    ("вопросы", Intent.FAQ),
    ("частые вопросы", Intent.FAQ),
    ("вопрос", Intent.FAQ),
    ("помощь", Intent.HELP),
    ("помогите", Intent.HELP),
    ("помоги", Intent.HELP),
    ("справка", Intent.HELP),
    ("что ты умеешь", Intent.HELP),
    ("что умеешь?", Intent.HELP),
    ("команды", Intent.HELP),
    ("помошь", Intent.HELP),
    ("меню", Intent.MENU),
    ("Главное меню", Intent.MENU),
    ("главное меню", Intent.MENU),
    ("в меню", Intent.MENU),
    ("менюшка меню", Intent.MENU),
    # ru: cancel
    ("отмена", Intent.CANCEL),
    ("Отмена", Intent.CANCEL),
    ("отменить", Intent.CANCEL),
    ("отмени", Intent.CANCEL),
    ("назад", Intent.CANCEL),
    ("стоп", Intent.CANCEL),
    ("Стоп!", Intent.CANCEL),
    ("хватит", Intent.CANCEL),
    ("выход", Intent.CANCEL),
    ("выйти", Intent.CANCEL),
    ("не надо", Intent.CANCEL),
    ("не нужно", Intent.CANCEL),
    # ru: a wish negated is not one, a trouble with it still is
    ("не хочу передавать показания", Intent.DECLINED),
    ("Не надо показания", Intent.DECLINED),
    ("не буду сдавать показания", Intent.DECLINED),
    ("не передам показания", Intent.DECLINED),
    ("не нужен счёт", Intent.DECLINED),
    ("не могу передать показания", Intent.SUBMIT),
    ("почему не пришёл счёт", Intent.BILL),
    ("отмеа", Intent.CANCEL),
    # ru: thanks and greetings
    ("спасибо", Intent.THANKS),
    ("Спасибо!", Intent.THANKS),
    ("спасибо большое", Intent.THANKS),
    ("спс", Intent.THANKS),
    ("благодарю", Intent.THANKS),
    ("спасиба", Intent.THANKS),
    ("спосибо", Intent.THANKS),
    ("привет", Intent.GREETING),
    ("Привет!", Intent.GREETING),
    ("здравствуйте", Intent.GREETING),
    ("Здраствуйте", Intent.GREETING),
    ("добрый день", Intent.GREETING),
    ("Доброе утро", Intent.GREETING),
    ("добрый вечер", Intent.GREETING),
    ("приветствую", Intent.GREETING),
    # ru: readings as written, and words that are none of these
    ("46800", Intent.SUBMIT),
    ("46 800", Intent.SUBMIT),
    ("46720 кВт", Intent.SUBMIT),
    ("46720кВт*ч", Intent.SUBMIT),
    ("46720 кВт·ч", Intent.SUBMIT),
    ("т1 12345 т2 6789", Intent.SUBMIT),
    ("Т1=52000 Т2=23000 Т3=30000", Intent.SUBMIT),
    ("день 46720 ночь 21800", Intent.SUBMIT),
    ("передать показания 46720", Intent.SUBMIT),
    ("Бутово", None),
    ("Смольная", None),
    ("почему так дорого", None),
    ("как поменять счётчик", None),
    ("дача", None),
    ("мама", None),
    ("абырвалг", None),
    ("ок", None),
    ("да", None),
    ("нет", None),
    # ru: goodbye
    ("пока", Intent.FAREWELL),
    ("До свидания!", Intent.FAREWELL),
    ("досвидания", Intent.FAREWELL),
    ("Спасибо, до свидания", Intent.FAREWELL),
    ("всего доброго", Intent.FAREWELL),  # not a «добрый день»
    ("пока не знаю", None),  # «пока» that is no goodbye
    # ru: the language
    ("по-английски", Intent.LANGUAGE),
    ("на русском", Intent.LANGUAGE),
    ("Верни русский язык", Intent.LANGUAGE),
    ("язык", Intent.LANGUAGE),
    ("не по-английски", Intent.DECLINED),
    # en: submit
    ("submit readings", Intent.SUBMIT),
    ("Submit readings", Intent.SUBMIT),
    ("submit", Intent.SUBMIT),
    ("send my reading", Intent.SUBMIT),
    ("I want to send readings", Intent.SUBMIT),
    ("readings", Intent.SUBMIT),
    ("reading", Intent.SUBMIT),
    ("submitt readings", Intent.SUBMIT),
    ("sumbit", Intent.SUBMIT),
    # en: bill and paying
    ("my bill", Intent.BILL),
    ("My bill", Intent.BILL),
    ("bill", Intent.BILL),
    ("bills", Intent.BILL),
    ("show me the bill", Intent.BILL),
    ("invoice", Intent.BILL),
    ("my balance", Intent.BILL),
    ("statement", Intent.BILL),
    ("how much do I owe", Intent.PAY),
    ("how do I pay", Intent.PAY),
    ("pay", Intent.PAY),
    ("payment", Intent.PAY),
    ("paymnet", Intent.PAY),
    ("my debt", Intent.PAY),
    ("QR code", Intent.PAY),
    ("when is the bill due", Intent.WHEN_PAY),
    ("when do I pay", Intent.WHEN_PAY),
    ("payment deadline", Intent.WHEN_PAY),
    # en: history and the rest
    ("history", Intent.HISTORY),
    ("History", Intent.HISTORY),
    ("histroy", Intent.HISTORY),
    ("my usage", Intent.HISTORY),
    ("consumption chart", Intent.HISTORY),
    ("accounts", Intent.ACCOUNTS),
    ("my account", Intent.ACCOUNTS),
    ("reminders", Intent.REMINDERS),
    ("remind me", Intent.REMINDERS),
    ("outages", Intent.OUTAGES),
    ("power outage", Intent.OUTAGES),
    ("offices", Intent.OFFICES),
    ("office", Intent.OFFICES),
    ("nearest office address", Intent.OFFICES),
    ("branch", Intent.OFFICES),
    ("phone", Intent.CONTACTS),
    ("call an operator", Intent.CONTACTS),
    ("contacts", Intent.CONTACTS),
    ("questions", Intent.FAQ),
    ("faq", Intent.FAQ),
    ("help", Intent.HELP),
    ("Help!", Intent.HELP),
    ("helpp", Intent.HELP),
    ("menu", Intent.MENU),
    ("Main menu", Intent.MENU),
    ("main menu", Intent.MENU),
    ("cancel", Intent.CANCEL),
    ("Cancel", Intent.CANCEL),
    ("back", Intent.CANCEL),
    ("stop", Intent.CANCEL),
    ("quit", Intent.CANCEL),
    ("exit", Intent.CANCEL),
    ("never mind", Intent.CANCEL),
    ("I don't want to submit", Intent.DECLINED),
    ("I do not want to send readings", Intent.DECLINED),
    ("dont need the bill", Intent.DECLINED),
    ("I can't submit readings", Intent.SUBMIT),
    ("cancle", Intent.CANCEL),
    ("thanks", Intent.THANKS),
    ("thank you", Intent.THANKS),
    ("Thank you!", Intent.THANKS),
    ("thx", Intent.THANKS),
    ("thnaks", Intent.THANKS),
    ("hello", Intent.GREETING),
    ("Hello!", Intent.GREETING),
    ("hi", Intent.GREETING),
    ("hey there", Intent.GREETING),
    ("good morning", Intent.GREETING),
    ("good evening", Intent.GREETING),
    ("bye", Intent.FAREWELL),
    ("Goodbye!", Intent.FAREWELL),
    ("see you", Intent.FAREWELL),
    ("English", Intent.LANGUAGE),
    ("english please", Intent.LANGUAGE),
    ("Do you speak English?", Intent.LANGUAGE),
    ("language", Intent.LANGUAGE),
    ("Butovo", None),
    ("why is it so expensive", None),
]


@pytest.mark.parametrize(("typed", "meant"), CORPUS)
def test_the_wish_typed_is_heard(typed: str, meant: Intent | None) -> None:
    assert read(typed).intent is meant


def test_the_corpus_is_large_and_covers_every_wish() -> None:
    assert len(CORPUS) >= 150
    assert {meant for _, meant in CORPUS} == {*Intent, None}


@pytest.mark.parametrize(
    ("typed", "readings"),
    [
        ("46800", "46800"),
        ("46 800", "46 800"),
        ("передать показания 46720", "46720"),
        ("хочу передать т1 46720 т2 21800", "т1 46720 т2 21800"),
        ("хочу передать день 46720 ночь 21800", "день 46720 ночь 21800"),
        ("добрый день, передаю 46720", "46720"),  # «день» there is a greeting, not a zone
        ("submit 46720 21800", "46720 21800"),
        ("передать показания", ""),
    ],
)
def test_readings_typed_with_the_wish_go_with_it(typed: str, readings: str) -> None:
    assert read(typed) == Meaning(Intent.SUBMIT, readings)


@pytest.mark.parametrize(
    ("typed", "locale"),
    [
        ("English please", "en"),
        ("in english", "en"),
        ("по-английски", "en"),
        ("на английском", "en"),
        ("по-русски", "ru"),
        ("Russian", "ru"),
        ("русский язык", "ru"),
        ("язык", ""),
        ("английский или русский", ""),
    ],
)
def test_the_language_named_is_the_one_chosen(typed: str, locale: str) -> None:
    meaning = read(typed)
    assert meaning == Meaning(Intent.LANGUAGE, locale=locale)
    assert target(meaning) == Call("lang", (locale,) if locale else ())


def test_every_wish_leads_to_a_route_the_buttons_or_commands_take() -> None:
    for intent in Intent:
        granted = target(Meaning(intent))
        if isinstance(granted, Press):
            assert ROUTER.action(granted.action_id) is not None, intent
        else:
            assert isinstance(granted, Call)
            assert granted.name in ROUTER.commands, intent
    assert set(BUTTONS) | set(COMMANDS) == set(Intent)
    assert target(Meaning(Intent.SUBMIT, "46 720")) == Call("submit", ("46", "720"))
