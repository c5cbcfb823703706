"""Buttons and replies that several conversations share: the main menu, consent, navigation.

Action ids are stable short strings (Telegram allows 64 bytes of callback data): `m:<item>` for
the menu, `<area>:<verb>[:<account>]` elsewhere. Those that buttons of several flows carry are
named here; each flow names its own and declares their routes (`dialogs.routes`).

Adding an item to the main menu: its action id and its place in `MENU_ITEMS` here, the route in
its flow, the label in both text catalogues.
"""

from __future__ import annotations

from dialogs.outages import SHOW_OUTAGES
from dialogs.replies import Button, Reply
from dialogs.turn import Turn

MENU = "menu"  # the dialog state of the main menu

# -- action ids several flows' buttons carry --------------------------------------------------
TO_MENU = "menu"  # back to the main menu
CONSENT_YES = "consent:yes"
CONSENT_INFO = "consent:info"
BIND_START = "bind:start"
SUBMIT_FOR = "submit:"  # + the account number: a submission for that account at once

# -- the main menu ------------------------------------------------------------------------------
MENU_SUBMIT = "m:submit"
MENU_BILL = "m:bill"
MENU_HISTORY = "m:history"
MENU_ACCOUNTS = "m:accounts"
MENU_REMINDERS = "m:remind"
MENU_OUTAGES = SHOW_OUTAGES  # also under the outage notices (dialogs.outages)
MENU_OFFICES = "m:offices"
MENU_FAQ = "m:faq"

MENU_ITEMS = (
    ("btn_submit", MENU_SUBMIT),
    ("btn_bill", MENU_BILL),
    ("btn_history", MENU_HISTORY),
    ("btn_accounts", MENU_ACCOUNTS),
    ("btn_reminders", MENU_REMINDERS),
    ("btn_outages", MENU_OUTAGES),
    ("btn_offices", MENU_OFFICES),
    ("btn_faq", MENU_FAQ),
)


def rows(*buttons: Button, per_row: int = 2) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def menu_buttons(turn: Turn) -> tuple[tuple[Button, ...], ...]:
    return rows(*(turn.button(key, action) for key, action in MENU_ITEMS))


def menu_reply(turn: Turn, key: str = "menu_prompt", /, **values: object) -> Reply:
    """Back to the main menu: the state resets and the menu is shown under `key`'s text."""
    turn.goto(MENU)
    return Reply(turn.t(key, **values), menu_buttons(turn))


def consent_buttons(turn: Turn) -> tuple[tuple[Button, ...], ...]:
    return (
        (turn.button("btn_consent", CONSENT_YES), turn.button("btn_consent_info", CONSENT_INFO)),
    )


def back_to_menu(turn: Turn) -> tuple[Button, ...]:
    return (turn.button("btn_menu", TO_MENU),)


def bind_buttons(turn: Turn) -> tuple[tuple[Button, ...], ...]:
    return ((turn.button("btn_bind", BIND_START),), back_to_menu(turn))


def submit_button(turn: Turn, account: str) -> Button:
    """«Передать показания» for one account: the submission opens for it at once."""
    return turn.button("btn_submit", f"{SUBMIT_FOR}{account}")
