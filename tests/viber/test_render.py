"""Replies as Viber messages: keyboards, limits, the sender, pictures."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import ViberSettings
from bot.viber.render import (
    SHARE_PHONE_TRACKING,
    TEXT_LIMIT,
    render_messages,
    render_welcome,
    sender_of,
    split_text,
)
from dialogs.replies import Button, Picture, Reply

SENDER = {"name": "Мосэнергосбыт"}


def no_pictures(png: bytes) -> str | None:
    return None


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = message["keyboard"]["Buttons"]
    return buttons


def test_sender_name_is_cut_to_28_characters_and_empty_avatar_left_out() -> None:
    long_name = "Мосэнергосбыт — показания электроэнергии"
    assert sender_of(ViberSettings.model_construct(name=long_name, avatar="")) == {
        "name": long_name[:28]
    }
    with_avatar = ViberSettings(name="Бот", avatar="https://example.org/a.jpg")
    assert sender_of(with_avatar) == {"name": "Бот", "avatar": "https://example.org/a.jpg"}


def test_buttons_become_a_reply_keyboard_with_action_bodies() -> None:
    reply = Reply(
        "Проверьте", ((Button("Всё верно, передать", "sub:ok"), Button("Исправить", "sub:fix")),)
    )
    [message] = render_messages([reply], SENDER, no_pictures)
    assert message["type"] == "text"
    assert message["sender"] == SENDER
    keyboard = message["keyboard"]
    assert (keyboard["Type"], keyboard["DefaultHeight"]) == ("keyboard", False)
    assert [
        (b["ActionType"], b["ActionBody"], b["Columns"], b["Rows"], b["Silent"])
        for b in keyboard["Buttons"]
    ] == [
        ("reply", "act:sub:ok", 3, 1, True),
        ("reply", "act:sub:fix", 3, 1, True),
    ]
    assert "min_api_version" not in message
    assert "tracking_data" not in message


@pytest.mark.parametrize(
    ("labels", "columns"),
    [
        pytest.param(["Меню"], [6], id="one fills the row"),
        pytest.param(["Да", "Нет", "Назад"], [2, 2, 2], id="three short"),
        pytest.param(["1", "2", "3", "4"], [2, 2, 1, 1], id="keypad digits stay one row"),
        pytest.param(["Один", "Два", "Три", "Четыре"], [2, 2, 2, 6], id="four words wrap"),
        pytest.param(["Передать показания"] * 3, [3, 3, 6], id="long labels two a row"),
        pytest.param(["Очень длинная надпись на кнопке, да"], [6], id="very long alone"),
    ],
)
def test_each_visual_row_shares_six_columns(labels: list[str], columns: list[int]) -> None:
    reply = Reply("?", (tuple(Button(label, f"a{i}") for i, label in enumerate(labels)),))
    [message] = render_messages([reply], SENDER, no_pictures)
    assert [b["Columns"] for b in buttons_of(message)] == columns


def test_request_contact_adds_share_phone_and_needs_api_level_3() -> None:
    reply = Reply(
        "Номер счёта?", ((Button("Главное меню", "menu"),),), request_contact="Поделиться номером"
    )
    [message] = render_messages([reply], SENDER, no_pictures)
    share, menu = buttons_of(message)
    assert (share["ActionType"], share["Text"], share["Columns"]) == (
        "share-phone",
        "Поделиться номером",
        6,
    )
    assert menu["ActionBody"] == "act:menu"
    assert message["min_api_version"] == 3
    assert message["tracking_data"] == SHARE_PHONE_TRACKING


def test_labels_are_shown_as_written() -> None:
    reply = Reply("?", ((Button("<b>Т1 & Т2</b>", "x"),),))
    [message] = render_messages([reply], SENDER, no_pictures)
    assert buttons_of(message)[0]["Text"] == "&lt;b&gt;Т1 &amp; Т2&lt;/b&gt;"


def test_a_message_without_buttons_keeps_the_keyboard_of_its_batch() -> None:
    replies = [Reply("Выберите", ((Button("Меню", "menu"),),)), Reply("и ещё текст")]
    first, second = render_messages(replies, SENDER, no_pictures)
    assert second["keyboard"] == first["keyboard"]


def test_long_text_is_split_at_line_breaks_within_the_limit() -> None:
    line = "Т1 день 45 230 → 230 кВт·ч\n"
    text = line * 600  # about 16 000 characters
    pieces = split_text(text)
    assert len(pieces) == 3
    assert all(len(piece) <= TEXT_LIMIT for piece in pieces)
    assert "\n".join(pieces) == text  # only the line breaks it was cut at are gone
    assert split_text("x" * (TEXT_LIMIT + 5)) == ["x" * TEXT_LIMIT, "xxxxx"]


def test_a_picture_is_a_picture_message_with_a_public_url() -> None:
    published: list[bytes] = []

    def publish(png: bytes) -> str:
        published.append(png)
        return "https://bot.example.org/viber/media/abc.png"

    reply = Reply("История", ((Button("Меню", "menu"),),), picture=Picture(b"png", "кВт·ч"))
    text, picture = render_messages([reply], SENDER, publish)
    assert text["text"] == "История"
    assert picture == {
        "type": "picture",
        "text": "кВт·ч",
        "media": "https://bot.example.org/viber/media/abc.png",
        "sender": SENDER,
        "keyboard": text["keyboard"],
    }
    assert published == [b"png"]


@pytest.mark.parametrize("origin", [True, False])
def test_a_text_that_is_the_pictures_caption_is_shown_once(origin: bool) -> None:
    def publish(png: bytes) -> str | None:
        return "https://bot.example.org/viber/media/abc.png" if origin else None

    chart = Reply("Расход по месяцам", ((Button("Меню", "menu"),),),
                  picture=Picture(b"png", "Расход по месяцам"))  # fmt: skip
    [message] = render_messages([chart], SENDER, publish)
    assert message["text"] == "Расход по месяцам"
    assert message["type"] == ("picture" if origin else "text")
    assert buttons_of(message)[0]["ActionBody"] == "act:menu"


def test_without_a_public_origin_the_caption_goes_as_text() -> None:
    reply = Reply("", picture=Picture(b"png", "Расход по месяцам"))
    [message] = render_messages([reply], SENDER, no_pictures)
    assert (message["type"], message["text"]) == ("text", "Расход по месяцам")


def test_welcome_is_one_message_with_the_last_keyboard() -> None:
    replies = [
        Reply("Здравствуйте!"),
        Reply("Нужно согласие.", ((Button("Согласен", "consent:yes"),),)),
        Reply("", picture=Picture(b"png")),
    ]
    welcome = render_welcome(replies, SENDER)
    assert welcome is not None
    assert welcome["text"] == "Здравствуйте!\n\nНужно согласие."
    assert buttons_of(welcome)[0]["ActionBody"] == "act:consent:yes"
    assert "receiver" not in welcome
    assert render_welcome([], SENDER) is None
