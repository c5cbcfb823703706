"""Both catalogues say the same things: same keys, same placeholders."""

from __future__ import annotations

import string

import pytest

from dialogs.texts import CATALOGUES, plural_key, say


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_both_locales_have_the_same_keys() -> None:
    assert set(CATALOGUES["ru"]) == set(CATALOGUES["en"])


@pytest.mark.parametrize("key", sorted(CATALOGUES["ru"]))
def test_both_locales_use_the_same_placeholders(key: str) -> None:
    assert _placeholders(CATALOGUES["ru"][key]) == _placeholders(CATALOGUES["en"][key])


def test_unknown_locale_falls_back_to_russian() -> None:
    assert say("de", "btn_consent") == "Согласен"


@pytest.mark.parametrize(
    ("n", "suffix"),
    [(1, "_1"), (2, "_2"), (4, "_2"), (5, "_5"), (11, "_5"), (21, "_1"), (22, "_2")],
)
def test_russian_plural_classes(n: int, suffix: str) -> None:
    assert plural_key("days", n) == f"days{suffix}"
