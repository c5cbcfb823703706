"""The conversations the README and docs/residents.md show are the bot's own: each block marked
`<!-- transcript -->` is replayed through the console channel on the demo accounts, at the
moment it was taken, and must come out as printed. `<!-- transcript after: a | b -->` first
sends the lines the block leaves out."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import DEFAULTS_FILE, load_settings
from bot.console import run_console
from bot.demo import seed_demo
from bot.wiring import dialog_config
from dialogs.engine import DialogEngine
from storage.base import open_storage
from tests.docs.markdown import ROOT, Block, blocks

# When the transcripts were taken with `make run`: the demo's history and every date follow it.
TAKEN = datetime(2026, 12, 2, 3, 36, tzinfo=ZoneInfo("Europe/Moscow"))
PAGES = [ROOT / "README.md", ROOT / "docs" / "residents.md"]


def transcripts() -> list[tuple[str, Block]]:
    found = []
    for page in PAGES:
        for block in blocks(page.read_text(encoding="utf-8")):
            if block.comment is not None and block.comment.startswith("transcript"):
                first = block.code.splitlines()[0]
                found.append((f"{page.relative_to(ROOT)}: {first}", block))
    return found


def _before(block: Block) -> list[str]:
    assert block.comment is not None
    _, _, after = block.comment.partition("after:")
    return [line.strip() for line in after.split("|") if line.strip()]


def _same_sizes(text: str) -> str:
    # A chart's size in bytes depends on the PNG encoder's version, not on the conversation.
    return re.sub(r"\(picture: \d+ bytes\)", "(picture: N bytes)", text)


async def replay(block: Block, folder: Path) -> str:
    """What the console prints for the block's lines, from the block's first line on."""
    typed = [line[2:] for line in block.code.splitlines() if line.startswith("> ")]
    storage = await open_storage(f"sqlite:///{folder}/demo.sqlite3")
    try:
        await seed_demo(storage, now=TAKEN)
        engine = DialogEngine(storage, dialog_config(load_settings(DEFAULTS_FILE)), lambda: TAKEN)
        out = io.StringIO()
        script = "\n".join([*_before(block), *typed, ""])
        await run_console(engine, "resident", None, io.StringIO(script), out, picture_dir=None)
    finally:
        await storage.close()
    printed = out.getvalue()
    return printed[printed.index(f"> {typed[0]}\n") :]


def test_the_readme_and_the_residents_page_show_transcripts() -> None:
    assert {name.split(":")[0] for name, _ in transcripts()} == {"README.md", "docs/residents.md"}


@pytest.mark.parametrize(("name", "block"), transcripts(), ids=[n for n, _ in transcripts()])
async def test_a_transcript_is_what_the_bot_says(name: str, block: Block, tmp_path: Path) -> None:
    printed = await replay(block, tmp_path)
    expected = _same_sizes(block.code).rstrip()
    assert _same_sizes(printed).rstrip() == expected, f"{name}: the bot now prints\n{printed}"
