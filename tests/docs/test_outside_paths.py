"""The repository speaks of itself alone: no document, comment or docstring points at a file a
reader who clones it does not have. Facts are cited by their public source instead."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.markdown import ROOT, documents

# Notes that were never part of the repository, by the names they went by.
OUTSIDE_NOTES = re.compile(
    r"\bFACTS\b|\b(?:INTERFACES|CONVERSATIONS|STYLE|LAYOUT)\.md\b|\.\./shared\b|/work/"
)
# A relative path climbing out of a folder, as written in prose or code.
CLIMBING = re.compile(r"(?<![\w.])((?:\.\./)+[\w.@-][\w./@-]*)")

SKIPPED_FOLDERS = {".git", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis"}
SOURCE_SUFFIXES = {".py", ".toml", ".sql", ".md", ".yaml", ".yml", ".conf", ".service", ".csv"}
SOURCE_NAMES = {"Dockerfile", "Makefile", "run"}
THIS_FILE = Path(__file__).resolve()


def _project_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if any(part in SKIPPED_FOLDERS or part.endswith(".egg-info") for part in relative.parts):
            continue
        if path.is_file() and (path.suffix in SOURCE_SUFFIXES or path.name in SOURCE_NAMES):
            files.append(path)
    return sorted(files)


def outside_references(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    text = path.read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path.relative_to(root)}:{number}"
        found += [f"{where}: {m.group(0)}" for m in OUTSIDE_NOTES.finditer(line)]
        for match in CLIMBING.finditer(line):
            climbed = match.group(1).rstrip(".")  # a sentence's full stop is not the path's
            if not (path.parent / climbed).resolve().is_relative_to(root):
                found.append(f"{where}: {climbed}")
    return found


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_document_names_a_path_outside_the_repository(document: Path) -> None:
    assert outside_references(document) == []


def test_no_comment_or_docstring_cites_notes_outside_the_repository() -> None:
    files = [path for path in _project_files() if path.resolve() != THIS_FILE]
    assert [ref for path in files for ref in outside_references(path)] == []


def test_the_check_sees_a_climbing_path_and_a_notes_file(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    (root / "docs").mkdir()
    page = root / "docs" / "page.md"
    page.write_text(
        "See ../README.md and ../../other/notes.md.\nRates as in " + "FAC" + "TS §4.\n",
        encoding="utf-8",
    )
    assert outside_references(page, root) == [
        "docs/page.md:1: ../../other/notes.md",
        "docs/page.md:2: " + "FAC" + "TS",
    ]
