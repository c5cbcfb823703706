"""Reading the project's Markdown as the code forge shows it: documents, links, headings' anchors,
fenced blocks and the tables the checks compare with the program."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?\s*\)")
_HTML_ANCHOR = re.compile(r"""<a\s+(?:name|id)=["']([^"']+)["']""")


def documents() -> list[Path]:
    """The README and every page under docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks."""
    lines: list[tuple[int, str]] = []
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def _strip_inline_code(line: str) -> str:
    return re.sub(r"`[^`]*`", "", line)


def links(text: str) -> list[tuple[int, str]]:
    """(line number, target) of every link and image outside code."""
    found: list[tuple[int, str]] = []
    for number, line in prose_lines(text):
        bare = _strip_inline_code(line)
        found += [(number, m.group(1)) for m in _LINK.finditer(bare)]
        found += [(number, m.group(1)) for m in _IMAGE.finditer(bare)]
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: the rendered text lower-cased, punctuation dropped (letters
    of any script, marks, digits, `-` and connectors such as `_` stay), each space a hyphen."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link shows its text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML shows nothing
    text = text.replace("`", "").replace("*", "")
    kept = []
    for char in text.strip().lower():
        category = unicodedata.category(char)
        if char in "- " or category[0] in "LNM" or category == "Pc":
            kept.append(char)
    return "".join(kept).replace(" ", "-")


def headings(text: str) -> list[tuple[int, str]]:
    """(level, text) of every ATX heading outside code."""
    found = []
    for _, line in prose_lines(text):
        match = _HEADING.match(line)
        if match:
            found.append((len(match.group(1)), match.group(2)))
    return found


def anchors(text: str) -> set[str]:
    """Every anchor a link may name in this document, numbered as GitHub numbers repeats."""
    seen: dict[str, int] = {}
    result: set[str] = set()
    for _, heading in headings(text):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    for _, line in prose_lines(text):
        result.update(_HTML_ANCHOR.findall(line))
    return result


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) for every heading, the body running to the next heading of the same or a
    higher level."""
    lines = text.splitlines()
    marks: list[tuple[int, int, str]] = []
    fenced = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING.match(line)
        if match:
            marks.append((index, len(match.group(1)), match.group(2)))
    result = []
    for position, (index, level, heading) in enumerate(marks):
        end = len(lines)
        for later_index, later_level, _ in marks[position + 1 :]:
            if later_level <= level:
                end = later_index
                break
        result.append((heading, "\n".join(lines[index + 1 : end])))
    return result


@dataclass(frozen=True)
class Block:
    """A fenced code block: its info string, its lines (indentation of a list item removed), the
    HTML comment just above it, if any, and that comment's marker (`<!-- tested: NAME -->`)."""

    info: str
    code: str
    marker: str | None
    comment: str | None = None


def blocks(text: str) -> list[Block]:
    found: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = re.match(r"^(\s*)(```|~~~)(.*)$", lines[index])
        if not opening:
            index += 1
            continue
        indent, fence, info = opening.group(1), opening.group(2), opening.group(3).strip()
        marker = comment = None
        previous = index - 1
        while previous >= 0 and not lines[previous].strip():
            previous -= 1
        if previous >= 0:
            html = re.match(r"^\s*<!--\s*(.*?)\s*-->\s*$", lines[previous])
            comment = html.group(1) if html else None
            tested = re.fullmatch(r"tested:\s*([\w-]+)", comment or "")
            marker = tested.group(1) if tested else None
        body = []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            line = lines[index]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            index += 1
        found.append(Block(info, "\n".join(body) + "\n", marker, comment))
        index += 1
    return found


def table_rows(body: str) -> list[list[str]]:
    """The cells of every table row in `body`, header and separator rows left out."""
    lines = [line.strip() for line in body.splitlines()]
    rows = []
    for index, line in enumerate(lines):
        if not line.startswith("|") or _is_separator(line):
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _is_separator(following):
            continue  # a header row
        rows.append(_cells(line))
    return rows


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


def _is_separator(line: str) -> bool:
    return line.startswith("|") and all(re.fullmatch(r":?-+:?", cell) for cell in _cells(line))


def code_span(cell: str) -> str | None:
    """The text of a cell that is one code span (`` `key` ``), else None."""
    match = re.fullmatch(r"`([^`]+)`", cell.strip())
    return match.group(1) if match else None
