"""Buttons and replies that several conversations share: the main menu, consent, navigation.

Action ids are stable short strings (Telegram allows 64 bytes of callback data): `m:<item>` for
the menu, `<area>:<verb>[:<account>]` elsewhere.
"""

from __future__ import annotations

from dialogs.replies import Button, Reply
from dialogs.turn import Turn

MENU = "menu"
CONSENT_YES = "consent:yes"
CONSENT_INFO = "consent:info"

_MENU_ITEMS = (
    ("btn_submit", "m:submit"),
    ("btn_bill", "m:bill"),
    ("btn_history", "m:history"),
    ("btn_accounts", "m:accounts"),
    ("btn_reminders", "m:remind"),
    ("btn_outages", "m:outages"),
    ("btn_offices", "m:offices"),
    ("btn_faq", "m:faq"),
)


def rows(*buttons: Button, per_row: int = 2) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def menu_buttons(turn: Turn) -> tuple[tuple[Button, ...], ...]:
    return rows(*(turn.button(key, action) for key, action in _MENU_ITEMS))


def menu_reply(turn: Turn, key: str = "menu_prompt", /, **values: object) -> Reply:
    """Back to the main menu: the state resets and the menu is shown under `key`'s text."""
    turn.goto(MENU)
    return Reply(turn.t(key, **values), menu_buttons(turn))


def consent_buttons(turn: Turn) -> tuple[tuple[Button, ...], ...]:
    return (
        (turn.button("btn_consent", CONSENT_YES), turn.button("btn_consent_info", CONSENT_INFO)),
    )


def back_to_menu(turn: Turn) -> tuple[Button, ...]:
    return (turn.button("btn_menu", MENU),)


def bind_buttons(turn: Turn) -> tuple[tuple[Button, ...], ...]:
    return ((turn.button("btn_bind", "bind:start"),), back_to_menu(turn))
