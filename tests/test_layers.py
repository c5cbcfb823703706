"""The layers, checked on every build rather than stated: each rule below reads the imports of
every module (those inside functions and under TYPE_CHECKING included) and names the module and
line that breaks it.

- `billing_core` imports nothing of ours;
- `storage` imports only `billing_core`;
- `dialogs` imports nothing of `bot` and no messenger or HTTP library;
- a channel adapter (`bot/telegram`, `bot/viber`, `bot/max`, `bot/console.py`) never imports
  `storage`, and of `dialogs` only the channel contract: events, replies, the handler protocol,
  the typed-text parser, the texts and the per-resident throttle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = ("billing_core", "storage", "dialogs", "bot")
MESSENGERS = ("aiogram", "viberbot", "aiohttp", "maxapi", "requests", "httpx")
CHANNELS = ("bot.telegram", "bot.viber", "bot.max", "bot.console")
CONTRACT = (
    "dialogs.events",
    "dialogs.replies",
    "dialogs.channel",
    "dialogs.typed",
    "dialogs.texts",
    "dialogs.throttle",
)


def imports_of(source: str, module: str) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in `source`, relative ones resolved."""
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            yield node.lineno, base
            for alias in node.names:  # `from dialogs import engine` imports dialogs.engine
                yield node.lineno, f"{base}.{alias.name}"


def within(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def broken_rules(module: str, imported: str) -> list[str]:
    """Why `module` may not import `imported` (none when it may)."""
    broken = []
    if (
        within(module, "billing_core")
        and within(imported, *OURS)
        and not within(imported, "billing_core")
    ):
        broken.append("billing_core imports nothing of ours")
    if within(module, "storage") and within(imported, "dialogs", "bot"):
        broken.append("storage imports only billing_core")
    if within(module, "dialogs") and within(imported, "bot"):
        broken.append("dialogs imports nothing of bot")
    if within(module, "dialogs") and within(imported, *MESSENGERS):
        broken.append("dialogs imports no messenger or HTTP library")
    if within(module, *CHANNELS):
        if within(imported, "storage"):
            broken.append("a channel never imports storage")
        if (
            within(imported, "dialogs")
            and imported != "dialogs"
            and not within(imported, *CONTRACT)
        ):
            broken.append("a channel imports only the channel contract of dialogs")
    return broken


def modules() -> Iterator[tuple[str, Path]]:
    for package in OURS:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            name = ".".join(relative.parts)
            yield name.removesuffix(".__init__"), path


def violations() -> list[str]:
    found = []
    for module, path in modules():
        for line, imported in imports_of(path.read_text(encoding="utf-8"), module):
            for rule in broken_rules(module, imported):
                found.append(f"{path.relative_to(ROOT)}:{line}: {imported}: {rule}")
    return found


def test_every_module_keeps_to_its_layer() -> None:
    assert len(list(modules())) > 100  # the walk finds the code it is meant to check
    assert violations() == []


@pytest.mark.parametrize(
    ("module", "source", "rule"),
    [
        ("billing_core.bills", "from storage.base import Storage", "billing_core imports"),
        ("storage.sqlite", "from dialogs.events import ChatRef", "storage imports only"),
        ("storage.sqlite", "def f():\n    import bot.app", "storage imports only"),
        ("dialogs.engine", "from bot.config import Settings", "dialogs imports nothing of bot"),
        ("dialogs.flows.general", "from ..engine import x\nimport aiogram", "no messenger"),
        ("bot.telegram.handlers.text", "from storage.base import Storage", "never imports"),
        ("bot.max.webhook", "from storage import base", "never imports storage"),
        ("bot.viber.webhook", "from dialogs.engine import DialogEngine", "only the channel"),
        ("bot.console", "from dialogs import engine", "only the channel contract"),
    ],
)
def test_a_broken_rule_is_found(module: str, source: str, rule: str) -> None:
    found = [
        r for _, imported in imports_of(source, module) for r in broken_rules(module, imported)
    ]
    assert any(rule in r for r in found), found


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("storage.sqlite", "from billing_core.models import Account\nfrom storage.chats import X"),
        ("dialogs.engine", "from storage.base import Storage\nfrom .flows import general"),
        ("bot.telegram.handlers.text", "from dialogs.typed import parse_typed\nimport aiogram"),
        ("bot.app", "from storage.base import open_storage\nfrom dialogs.engine import E"),
    ],
)
def test_what_the_layers_allow_passes(module: str, source: str) -> None:
    assert [r for _, i in imports_of(source, module) for r in broken_rules(module, i)] == []
