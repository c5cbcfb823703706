"""The configuration reference, config.example.toml and the settings the bot accepts agree: every
key of the example is documented, every documented key exists, and every key the bot accepts is
documented."""

from __future__ import annotations

import re
import tomllib
import typing
from pathlib import Path

from pydantic import BaseModel

from bot.config import Settings
from tests.docs.markdown import ROOT, code_span, sections, table_rows

REFERENCE = ROOT / "docs" / "operators" / "configuration.md"
EXAMPLE = ROOT / "config.example.toml"


def example_keys(path: Path = EXAMPLE) -> set[str]:
    """`section.key` for every key the example sets (array tables: the union of their keys)."""
    keys: set[str] = set()
    for section, value in tomllib.loads(path.read_text(encoding="utf-8")).items():
        tables = value if isinstance(value, list) else [value]
        for table in tables:
            keys.update(f"{section}.{key}" for key in table)
    return keys


def _model_of(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        model = _model_of(argument)
        if model is not None:
            return model
    return None


def accepted_keys() -> set[str]:
    """`section.key` for every key the settings model accepts, by the name written in TOML."""
    keys: set[str] = set()
    for section, field in Settings.model_fields.items():
        model = _model_of(field.annotation)
        assert model is not None, f"[{section}] is not a table of keys"
        keys.update(f"{section}.{sub.alias or name}" for name, sub in model.model_fields.items())
    return keys


def documented_keys(path: Path = REFERENCE) -> set[str]:
    """`section.key` for each table row under a `## [section]` or `## [[section]]` heading."""
    keys: set[str] = set()
    for heading, body in sections(path.read_text(encoding="utf-8")):
        match = re.fullmatch(r"`?\[\[?([a-z_]+)\]\]?`?", heading.strip())
        if not match:
            continue
        own_body = re.split(r"^#{1,6} ", body, flags=re.MULTILINE)[0]
        for row in table_rows(own_body):
            key = code_span(row[0])
            if key is not None:
                keys.add(f"{match.group(1)}.{key}")
    return keys


def test_every_key_of_the_example_is_in_the_reference() -> None:
    missing = example_keys() - documented_keys()
    assert missing == set(), f"add them to {REFERENCE.relative_to(ROOT)}"


def test_every_documented_key_is_one_the_bot_accepts() -> None:
    unknown = documented_keys() - accepted_keys()
    assert unknown == set(), "documented in the reference but unknown to bot/config.py"


def test_every_key_the_bot_accepts_is_documented() -> None:
    missing = accepted_keys() - documented_keys()
    assert missing == set(), f"add them to {REFERENCE.relative_to(ROOT)}"


def test_the_reader_of_the_reference_sees_sections_rows_and_nothing_else(tmp_path: Path) -> None:
    page = tmp_path / "configuration.md"
    page.write_text(
        "# Reference\n\n| key | meaning |\n|---|---|\n| `stray` | outside a section |\n\n"
        '## [http]\n\n| key | default | meaning |\n|---|---|---|\n| `host` | `"x"` | a |\n'
        "| `port` | `8080` | b |\n\nProse about `timeout`.\n\n"
        "## [[tariffs]]\n\n| key | default | meaning |\n|---|---|---|\n| `from` | — | c |\n",
        encoding="utf-8",
    )
    assert documented_keys(page) == {"http.host", "http.port", "tariffs.from"}
