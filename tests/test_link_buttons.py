"""A link button (the payment page) becomes each messenger's own kind of link, next to the
buttons that send an action back; the console prints it to open."""

from __future__ import annotations

import io
from typing import Any

from bot.console import render as console_render
from bot.max.render import render as max_render
from bot.telegram.render import inline_keyboard
from bot.viber.render import render_messages
from dialogs.replies import Button, Reply

URL = "https://pay.example.ru/pay?ls=1111122233&sum=700.00"
REPLY = Reply(
    "QR",
    ((Button("Оплатить онлайн", "pay:link", url=URL),), (Button("Главное меню", "m:menu"),)),
)


def test_telegram_opens_the_page_and_keeps_the_callback_of_the_others() -> None:
    markup = inline_keyboard(REPLY)
    assert markup is not None
    [[link], [menu]] = markup.inline_keyboard
    assert (link.text, link.url, link.callback_data) == ("Оплатить онлайн", URL, None)
    assert (menu.url, menu.callback_data) == (None, "m:menu")


def test_viber_opens_the_page_in_its_browser() -> None:
    [message] = render_messages([REPLY], {"name": "Бот"}, lambda png: None)
    buttons: list[dict[str, Any]] = message["keyboard"]["Buttons"]
    assert [(b["ActionType"], b["ActionBody"]) for b in buttons] == [
        ("open-url", URL),
        ("reply", "act:m:menu"),
    ]


def test_max_has_a_link_button() -> None:
    [outgoing] = max_render(REPLY)
    assert outgoing.keyboard is not None
    [[link], [menu]] = outgoing.keyboard.model_dump()["payload"]["buttons"]
    assert (link["type"], link["url"]) == ("link", URL)
    assert (menu["type"], menu["payload"]) == ("callback", "m:menu")


def test_the_console_prints_the_link_and_numbers_only_what_it_can_press() -> None:
    out = io.StringIO()
    shown = console_render([REPLY], out, None)
    assert f"[Оплатить онлайн: {URL}]" in out.getvalue()
    assert "[1] Главное меню" in out.getvalue()
    assert [b.action_id for b in shown] == ["m:menu"]
