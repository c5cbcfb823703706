"""Welcome and consent, menu, help, language, FAQ, reminders, /forget (offices and contacts:
`dialogs.flows.offices`)."""

from __future__ import annotations

import logging
from functools import cache

from billing_core.format import format_date, format_number
from dialogs.answers import is_no, is_yes, is_yes_or_no
from dialogs.flows import binding, consent
from dialogs.render import day_of_month, phones
from dialogs.replies import Button, Reply
from dialogs.routes import Hearing, Route, Routes
from dialogs.texts import CATALOGUES, DEFAULT_LOCALE, LOCALES
from dialogs.turn import Turn
from dialogs.ui import (
    CONSENT_INFO,
    CONSENT_YES,
    MENU,
    MENU_FAQ,
    MENU_OFFICES,
    MENU_REMINDERS,
    TO_MENU,
    back_to_menu,
    bind_buttons,
    consent_buttons,
    menu_reply,
    rows,
)
from dialogs.words import lemmas, words

# Dialog states.
CONSENT = "consent"
FORGET_CONFIRM = "forget.confirm"

# Action ids (the menu's own are in `dialogs.ui`).
FAQ_TOPIC = "faq:"  # + a topic of FAQ_TOPICS
LANG = "lang:"  # + a locale
REMIND_ON = "remind:on"
REMIND_OFF = "remind:off"
REMIND_NEXT = "remind:next"  # on from now, and say when the next window opens
FORGET_YES = "forget:yes"
FORGET_NO = "forget:no"
THANKS = "m:thanks"  # a typed «спасибо»: no button carries it
FAREWELL = "m:bye"  # a typed «до свидания»: no button either
DECLINED = "m:declined"  # a typed wish negated, «не хочу передавать показания»: no button either

FAQ_TOPICS = ("window", "estimate", "pay", "penalty", "odn")

log = logging.getLogger(__name__)


async def start(turn: Turn) -> list[Reply]:
    if turn.profile.consent_at is None:
        turn.goto(CONSENT)
        return [Reply(turn.t("welcome"), consent_buttons(turn))]
    if not await turn.bindings():
        turn.goto(MENU)
        return [Reply(turn.t("welcome_back"), bind_buttons(turn))]
    return [menu_reply(turn, "welcome_back")]


def ask_consent(turn: Turn) -> list[Reply]:
    turn.goto(CONSENT)
    return [Reply(turn.t("consent_needed"), consent_buttons(turn))]


async def give_consent(turn: Turn) -> list[Reply]:
    if turn.profile.consent_at is None:
        turn.update_profile(consent_at=turn.now)
    if await turn.bindings():
        return [menu_reply(turn, "consent_given")]
    # One message: the thanks leads the question it is followed by.
    return await binding.ask_account(turn, lead=turn.t("consent_given"))


def consent_info(turn: Turn) -> list[Reply]:
    buttons = consent_buttons(turn) if turn.profile.consent_at is None else (back_to_menu(turn),)
    return [Reply(turn.t("consent_info", supplier=turn.config.contacts.supplier), buttons)]


def menu(turn: Turn) -> list[Reply]:
    if turn.profile.consent_at is None:
        return ask_consent(turn)
    return [menu_reply(turn)]


def not_understood(turn: Turn) -> list[Reply]:
    if turn.profile.consent_at is None:
        return ask_consent(turn)
    return [menu_reply(turn, "not_understood")]


async def help_reply(turn: Turn) -> list[Reply]:
    window = turn.config.window
    text = turn.t(
        "help",
        start_day=day_of_month(turn, window.start_day),
        end_day=day_of_month(turn, window.end_day),
    )
    own = await _own_window(turn)
    if own is not None:
        text += "\n" + own
    buttons = consent_buttons(turn) if turn.profile.consent_at is None else (back_to_menu(turn),)
    return [Reply(text, buttons)]


def thanks(turn: Turn) -> list[Reply]:
    return _acknowledged(turn, "thanks_reply")


def farewell(turn: Turn) -> list[Reply]:
    """A typed «до свидания» said back, with the way on: the menu, or before consent the
    consent question's buttons (not the question again)."""
    if turn.profile.consent_at is None:
        turn.goto(CONSENT)
        return [Reply(turn.t("farewell"), consent_buttons(turn))]
    return [menu_reply(turn, "farewell")]


def declined(turn: Turn) -> list[Reply]:
    """A wish typed negated: nothing is done, the menu is offered."""
    return _acknowledged(turn, "declined")


def _acknowledged(turn: Turn, key: str) -> list[Reply]:
    if turn.profile.consent_at is None:
        return ask_consent(turn)
    return [menu_reply(turn, key)]


async def _own_window(turn: Turn) -> str | None:
    """The current account's window when it is not the usual one; None when it is."""
    number = turn.profile.current_account
    if turn.profile.consent_at is None or number is None:
        return None
    account = await turn.storage.get_account(number)
    if account is None:
        return None
    usual = turn.config.window
    own = usual.for_account(account)
    if (own.start_day, own.end_day) == (usual.start_day, usual.end_day):
        return None
    return turn.t(
        "help_window_own",
        account=account.pretty,
        start_day=day_of_month(turn, own.start_day),
        end_day=day_of_month(turn, own.end_day),
    )


async def unknown_command(turn: Turn, name: str) -> list[Reply]:
    first = Reply(turn.t("unknown_command", name=name[:40]))
    return [first, *await help_reply(turn)]


def set_language(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    choice = args[0].casefold() if args else ""
    if choice not in LOCALES:
        buttons = ((Button("Русский", f"{LANG}ru"), Button("English", f"{LANG}en")),)
        return [Reply(turn.t("lang_usage"), buttons)]
    turn.update_profile(locale=choice)
    if turn.profile.consent_at is None:
        turn.goto(CONSENT)
        return [Reply(turn.t("lang_set")), Reply(turn.t("welcome"), consent_buttons(turn))]
    return [Reply(turn.t("lang_set")), menu_reply(turn)]


# -- FAQ -------------------------------------------------------------------------------------


def faq(turn: Turn) -> list[Reply]:
    buttons = [turn.button(f"faq_q_{topic}", f"{FAQ_TOPIC}{topic}") for topic in FAQ_TOPICS]
    return [Reply(turn.t("faq_intro"), (*rows(*buttons, per_row=1), back_to_menu(turn)))]


def faq_answer(turn: Turn, topic: str) -> list[Reply]:
    if topic not in FAQ_TOPICS:
        return faq(turn)
    config = turn.config
    text = turn.t(
        f"faq_a_{topic}",
        start_day=day_of_month(turn, config.window.start_day),
        end_day=day_of_month(turn, config.window.end_day),
        estimate_periods=config.billing.estimate_max_periods,
        due_day=config.billing.due_day,
        rate=format_number((config.penalty_key_rate * 100).normalize(), turn.lang),
    )
    others = [
        turn.button(f"faq_q_{other}", f"{FAQ_TOPIC}{other}")
        for other in FAQ_TOPICS
        if other != topic
    ]
    return [Reply(text, (*rows(*others), back_to_menu(turn)))]


# -- reminders --------------------------------------------------------------------------------


def reminders(turn: Turn) -> list[Reply]:
    if turn.profile.reminders_on:
        toggle = turn.button("btn_remind_off", REMIND_OFF)
        key = "remind_status_on"
    else:
        toggle = turn.button("btn_remind_on", REMIND_ON)
        key = "remind_status_off"
    return [Reply(turn.t(key), ((toggle,), back_to_menu(turn)))]


def set_reminders(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    choice = args[0].casefold() if args else ""
    if choice in ("on", "вкл", "да"):
        turn.update_profile(reminders_on=True)
        return [menu_reply(turn, "remind_on")]
    if choice in ("off", "выкл", "нет"):
        turn.update_profile(reminders_on=False)
        return [menu_reply(turn, "remind_off")]
    return [Reply(turn.t("remind_usage")), *reminders(turn)]


async def remind_next_window(turn: Turn) -> list[Reply]:
    """[Напомнить 15 декабря] under a window-closed refusal: reminders on, and say when."""
    turn.update_profile(reminders_on=True)
    window = turn.config.window
    number = turn.profile.current_account
    account = await turn.storage.get_account(number) if number else None
    if account is not None:
        window = window.for_account(account)
    opens_on = format_date(window.next_opening(turn.now), turn.lang)
    return [menu_reply(turn, "remind_on_date", date=opens_on)]


# -- /forget ----------------------------------------------------------------------------------


def forget(turn: Turn) -> list[Reply]:
    turn.goto(FORGET_CONFIRM)
    buttons = (
        (
            turn.button("btn_forget_yes", FORGET_YES),
            turn.button("btn_forget_no", FORGET_NO),
        ),
    )
    return [Reply(turn.t("forget_ask"), buttons)]


async def forget_confirmed(turn: Turn) -> list[Reply]:
    if turn.state != FORGET_CONFIRM:
        return forget(turn)
    text = turn.t("forget_done")
    await turn.storage.forget_chat(turn.chat, turn.chat_key)
    turn.known_bindings = ()
    turn.forgotten = True
    return [Reply(text)]


def forget_declined(turn: Turn) -> list[Reply]:
    if turn.profile.consent_at is None:
        return ask_consent(turn)
    return [menu_reply(turn, "forget_kept")]


# -- typed text where no other step waits for it --------------------------------------------


def answers_consent(text: str) -> bool:
    """A yes, a no, or «что вы храните?»: the consent question's own answers."""
    return is_yes_or_no(text) or consent.asks_what_is_kept(text)


async def consent_text(turn: Turn, text: str) -> list[Reply]:
    """Typed under the consent question: a plain "yes" consents."""
    if turn.profile.consent_at is not None:
        return await menu_text(turn, text)
    if is_yes(text):
        return await give_consent(turn)
    if is_no(text):
        return consent.refused(turn)
    if consent.asks_what_is_kept(text):
        return consent_info(turn)
    return unanswered(turn, text)


async def menu_text(turn: Turn, text: str) -> list[Reply]:
    if binding.names_an_account(text):
        # A resident who starts by typing the account number (and serial) means to bind it.
        return await binding.on_account_text(turn, text)
    return unanswered(turn, text)  # wishes (a bill, paying…) were heard before this step


def unanswered(turn: Turn, text: str) -> list[Reply]:
    """A question no button answers: the closest frequent questions, the contacts, the menu.
    Before consent, only a question that names a topic is answered so (the questions need no
    consent), with the consent question's buttons for the menu; anything else asks for consent."""
    consented = turn.profile.consent_at is not None
    topics = closest_topics(turn.lang, text)
    if not consented and not topics:
        return ask_consent(turn)
    if not words(text):  # a sticker, an emoji: nothing was asked
        return not_understood(turn)
    answer = turn.t("unanswered", phones=phones(turn))
    buttons = [
        turn.button(f"faq_q_{topic}", f"{FAQ_TOPIC}{topic}") for topic in topics or FAQ_TOPICS[:3]
    ]
    more = (turn.button("btn_faq", MENU_FAQ), turn.button("btn_offices", MENU_OFFICES))
    turn.goto(MENU if consented else CONSENT)
    way_on = back_to_menu(turn) if consented else consent_buttons(turn)[0]
    return [Reply(answer, (*rows(*buttons, per_row=1), more, way_on))]


def closest_topics(lang: str, text: str, most: int = 2) -> list[str]:
    """The FAQ topics sharing the most words (in dictionary form) with `text`, best first."""
    asked = _meaningful(text)
    scored = [(len(asked & _topic_words(lang, topic)), topic) for topic in FAQ_TOPICS]
    ranked = sorted((item for item in scored if item[0] > 0), key=lambda item: -item[0])
    return [topic for _, topic in ranked[:most]]


@cache
def _topic_words(lang: str, topic: str) -> frozenset[str]:
    texts = CATALOGUES.get(lang, CATALOGUES[DEFAULT_LOCALE])  # as written, placeholders and all
    # The topic's own name too: "odn" finds «ОДН» when typed in Latin letters.
    return _meaningful(f"{topic} {texts[f'faq_q_{topic}']} {texts[f'faq_a_{topic}']}")


# Short words that carry no topic.
_FILLER_WORDS = (
    "the and for you are not was how why what who when нет что как это для при или его "
    "она они мне меня мой наш ваш свой весь так где кто"
)
_FILLER = frozenset(_FILLER_WORDS.split())


def _meaningful(text: str) -> frozenset[str]:
    """The dictionary forms of the words of `text` that may name a topic."""
    return frozenset(
        lemma
        for word in words(text)[:40]
        for lemma in lemmas(word)
        if len(lemma) >= 3 and lemma not in _FILLER
    )


def forget_text(turn: Turn, text: str) -> list[Reply]:
    """A typed "no" is as good as pressing "keep"; erasing, which cannot be undone, takes the
    button, and a typed "yes" is told so. Anything else asks again."""
    if is_no(text):
        return forget_declined(turn)
    replies = forget(turn)
    if is_yes(text):
        return [Reply(turn.t("forget_by_button"), replies[0].buttons)]
    return replies


def lost(turn: Turn, text: str) -> list[Reply]:
    """Text in a state no flow knows (one a newer version left behind): back to the menu."""
    log.info("unknown dialog state %r: back to the menu", turn.state[:40])
    return menu(turn)


# -- commands --------------------------------------------------------------------------------


def remind_command(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    return set_reminders(turn, args) if args else reminders(turn)


def reminders_on(turn: Turn) -> list[Reply]:
    return set_reminders(turn, ("on",))


def reminders_off(turn: Turn) -> list[Reply]:
    return set_reminders(turn, ("off",))


ROUTES = Routes(
    actions={
        TO_MENU: Route(menu, open=True),
        CONSENT_YES: Route(give_consent, open=True),
        CONSENT_INFO: Route(consent_info, open=True),
        MENU_FAQ: Route(faq, open=True),
        FORGET_YES: Route(forget_confirmed, open=True),
        FORGET_NO: Route(forget_declined, open=True),
        THANKS: Route(thanks, open=True),
        FAREWELL: Route(farewell, open=True),
        DECLINED: Route(declined, open=True),
        MENU_REMINDERS: Route(reminders),
        REMIND_ON: Route(reminders_on),
        REMIND_OFF: Route(reminders_off),
        REMIND_NEXT: Route(remind_next_window),
    },
    prefixes={FAQ_TOPIC: Route(faq_answer, open=True)},
    commands={
        "start": Route(start, open=True),
        "help": Route(help_reply, open=True),
        "faq": Route(faq, open=True),
        "menu": Route(menu, open=True),
        "forget": Route(forget, open=True),
        "remind": Route(remind_command),
    },
    texts={
        # The consent question's answers first; then a wish is heard as at the menu: what needs
        # no consent (offices, contacts, questions) is answered, the rest asks for consent.
        CONSENT: Route(consent_text, open=True, hears=Hearing.WISHES, reads_first=answers_consent),
        MENU: Route(menu_text, hears=Hearing.WISHES),
        # A wish typed instead of an answer leaves the question, nothing erased.
        FORGET_CONFIRM: Route(forget_text, hears=Hearing.WISHES, reads_first=is_yes_or_no),
    },
    ask_consent=Route(ask_consent, open=True),
    not_understood=Route(not_understood, open=True),
    unknown_command=Route(unknown_command, open=True),
    unknown_state=Route(lost),
)
