"""Offices and contacts: the branches, the offices nearest the account's street, and a search by
district, okrug, street or name (`dialogs.office_search`)."""

from __future__ import annotations

from collections.abc import Sequence

from billing_core.identifiers import normalize_phone
from dialogs import office_search
from dialogs.flows.general import closest_topics, unanswered
from dialogs.offices import Office
from dialogs.render import opening_hours, phones
from dialogs.replies import Reply
from dialogs.routes import Hearing, Route, Routes
from dialogs.turn import Turn
from dialogs.ui import MENU_OFFICES, back_to_menu
from dialogs.words import words

# Dialog states.
OFFICES_SEARCH = "offices.search"

# Action ids (the menu's own are in `dialogs.ui`).
CONTACTS = "m:contacts"
NEAREST_OFFICES = "off:near"
FIND_OFFICE = "off:find:"  # + a place typed with the wish, «офис в Бутово»: no button carries it


def contacts(turn: Turn) -> list[Reply]:
    text = turn.t("contacts", phones=phones(turn), website=turn.config.contacts.website)
    return [Reply(text, ((turn.button("btn_offices", MENU_OFFICES),), back_to_menu(turn)))]


def _office_lines(turn: Turn, found: Sequence[Office]) -> list[str]:
    # The offices answer on the supplier's own lines, given once under the list; a line is
    # added only to an office with a number of its own.
    c = turn.config.contacts
    common = {normalize_phone(c.phone), normalize_phone(c.phone_operators)}
    return [
        turn.t(
            "office_line",
            name=o.name,
            address=o.address,
            opening=opening_hours(turn, o.hours),
            phone=_own_phone(turn, o, common),
        )
        for o in found
    ]


def _own_phone(turn: Turn, office: Office, common: set[str | None]) -> str:
    if normalize_phone(office.phone) in common:
        return ""
    return turn.t("office_phone", phone=office.phone)


def _offices_reply(turn: Turn, lines: Sequence[str]) -> Reply:
    turn.goto(OFFICES_SEARCH)
    text = "\n".join((*lines, turn.t("offices_footer", phones=phones(turn))))
    return Reply(text, ((turn.button("btn_contacts", CONTACTS),), back_to_menu(turn)))


def offices(turn: Turn, query: str = "") -> list[Reply]:
    if query.strip():
        return offices_search(turn, query)
    listed = [o for o in turn.config.offices.branches() if o.okrug]  # not the business branch
    return [_offices_reply(turn, [turn.t("offices_ask"), *_office_lines(turn, listed)])]


async def nearest_offices(turn: Turn) -> list[Reply]:
    """Offices on the street of the current account's address, else the list of branches."""
    number = turn.profile.current_account
    account = await turn.storage.get_account(number) if number else None
    street = _street(account.address) if account else ""
    found = office_search.search(turn.config.offices, street) if street else None
    if not found:
        return offices(turn)
    return [_offices_reply(turn, [*_found_lines(turn, found), turn.t("offices_ask_more")])]


def _street(address: str) -> str:
    """'Москва, Касимовская 23, кв. 9' → 'Касимовская': the first word after the city."""
    parts = [part.strip() for part in address.split(",")]
    words = parts[1].split() if len(parts) > 1 else []
    return words[0] if words else ""


def _found(turn: Turn, query: str) -> list[Reply]:
    """The offices `query` finds; none, no reply."""
    found = office_search.search(turn.config.offices, query)
    return [_offices_reply(turn, _found_lines(turn, found))] if found else []


def offices_search(turn: Turn, query: str) -> list[Reply]:
    query = " ".join(query.split())[:60]
    found = _found(turn, query)
    if found:
        return found
    # «что такое ОДН», "what is ODN?" typed where an office is asked: heard as at the menu,
    # with the frequent questions closest to it.
    if _asks(query) and closest_topics(turn.lang, query):
        return unanswered(turn, query)
    return [_offices_reply(turn, [turn.t("offices_none", query=query)])]


# Words a question starts with, for text that is not an office's name or address.
_QUESTION_OPENINGS = (
    "что как почему зачем когда сколько какой какая какие кто чем "
    "what how why when who which is are can do does"
)
_QUESTION_WORDS = frozenset(_QUESTION_OPENINGS.split())


def _asks(text: str) -> bool:
    """Whether `text` reads as a question: «что такое ОДН», "what is ODN", «ОДН?»."""
    typed = words(text)
    return "?" in text or (bool(typed) and typed[0] in _QUESTION_WORDS)


def _found_lines(turn: Turn, found: office_search.Found) -> list[str]:
    """The districts named with the office that serves each, the okrugs' offices, then the
    offices found by name or address."""
    lines = [turn.t("offices_guess", guess=found.guess)] if found.guess else []
    for served in found.served:
        names = ", ".join(d.name for d in served.districts)
        okrug = ", ".join(dict.fromkeys(d.okrug for d in served.districts))
        lines.append(turn.t("offices_district", districts=names, okrug=okrug))
        lines += _office_lines(turn, [served.office])
    if found.okrug_offices:
        lines.append(turn.t("offices_okrug", okrugs=", ".join(found.okrugs)))
        lines += _office_lines(turn, found.okrug_offices)
    if found.offices:
        lines.append(turn.t("offices_found", count=len(found.offices)))
        lines += _office_lines(turn, found.offices)
    return lines


def find_office(turn: Turn, place: str) -> list[Reply]:
    """The offices of a place typed with the wish for them; the list of branches, as the wish
    alone gets, when the place names none."""
    return _found(turn, place[:60]) or offices(turn)


def offices_command(turn: Turn, args: tuple[str, ...]) -> list[Reply]:
    return offices(turn, " ".join(args))


ROUTES = Routes(
    actions={
        MENU_OFFICES: Route(offices, open=True),
        NEAREST_OFFICES: Route(nearest_offices, open=True),
        CONTACTS: Route(contacts, open=True),
    },
    prefixes={FIND_OFFICE: Route(find_office, open=True)},
    commands={
        "offices": Route(offices_command, open=True),
        "contacts": Route(contacts, open=True),
    },
    texts={OFFICES_SEARCH: Route(offices_search, open=True, hears=Hearing.WISHES)},
)
