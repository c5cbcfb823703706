"""Every relative link and #anchor in the README and docs/ leads somewhere, as on the forge."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.docs.markdown import ROOT, anchors, documents, links

EXTERNAL = ("http://", "https://", "mailto:", "tel:")


def _broken_links(document: Path, root: Path = ROOT) -> list[str]:
    text = document.read_text(encoding="utf-8")
    broken = []
    for line, target in links(text):
        if target.startswith(EXTERNAL):
            continue
        where = f"{document.relative_to(root)}:{line}: {target}"
        path_part, _, anchor = target.partition("#")
        if path_part.startswith("/"):
            broken.append(f"{where}: an absolute path; link relative to the document")
            continue
        resolved = (document.parent / unquote(path_part)).resolve() if path_part else document
        if not resolved.is_relative_to(root):
            broken.append(f"{where}: leads outside the repository")
            continue
        if not resolved.exists():
            broken.append(f"{where}: no such file")
            continue
        if anchor:
            if resolved.suffix != ".md":
                broken.append(f"{where}: an anchor into a file that is not Markdown")
            elif unquote(anchor) not in anchors(resolved.read_text(encoding="utf-8")):
                broken.append(f"{where}: no heading with anchor #{anchor} in {resolved.name}")
    return broken


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(document: Path) -> None:
    assert _broken_links(document) == []


def test_every_page_under_docs_is_reachable_from_the_readme() -> None:
    reached: set[Path] = set()
    queue = [ROOT / "README.md"]
    while queue:
        page = queue.pop()
        if page in reached:
            continue
        reached.add(page)
        for _, target in links(page.read_text(encoding="utf-8")):
            path_part = target.partition("#")[0]
            if target.startswith(EXTERNAL) or not path_part.endswith(".md"):
                continue
            linked = (page.parent / unquote(path_part)).resolve()
            if linked.exists():
                queue.append(linked)
    orphans = [str(p.relative_to(ROOT)) for p in documents() if p.resolve() not in reached]
    assert orphans == [], "no link from README.md leads to these: link them from docs/README.md"


def test_the_checker_sees_a_broken_anchor_a_missing_file_and_a_way_out(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    page = root / "docs" / "probe.md"
    page.parent.mkdir()
    page.write_text(
        "# Probe\n\n## A heading\n\n[ok](#a-heading) [bad](#nowhere) [gone](missing.md)\n"
        "[out](../../outside.md) `[in code](#ignored)`\n",
        encoding="utf-8",
    )
    broken = _broken_links(page, root)
    assert [entry.split(": ", 2)[1] for entry in broken] == [
        "#nowhere",
        "missing.md",
        "../../outside.md",
    ]
