"""`meterbot --help` and every command's `--help` agree with docs/operators/commands.md: the same
commands with the same one-line summaries, the same usage lines, and every option described."""

from __future__ import annotations

import argparse
import re

import pytest

from bot.cli import build_parser
from tests.docs.markdown import ROOT, blocks, code_span, sections, slug, table_rows

REFERENCE = ROOT / "docs" / "operators" / "commands.md"
Path_ = tuple[str, ...]


def _subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:  # type: ignore[type-arg]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def commands(
    parser: argparse.ArgumentParser, path: Path_ = ()
) -> dict[Path_, tuple[argparse.ArgumentParser, str]]:
    """Every command that does something (not a group of commands), with its summary."""
    found: dict[Path_, tuple[argparse.ArgumentParser, str]] = {}
    group = _subcommands(parser)
    if group is None:
        return found
    summaries = {choice.dest: choice.help or "" for choice in group._choices_actions}
    for name, sub in group.choices.items():
        if _subcommands(sub) is None:
            found[(*path, name)] = (sub, summaries[name])
        found.update(commands(sub, (*path, name)))
    return found


def _usage(parser: argparse.ArgumentParser) -> str:
    return " ".join(parser.format_usage().split())


def _documented_usages(text: str) -> set[str]:
    return {
        " ".join(line.split())
        for block in blocks(text)
        for line in block.code.splitlines()
        if line.startswith("usage: meterbot")
    }


def _words_to_describe(parser: argparse.ArgumentParser) -> list[str]:
    """What the section must name in code: each option's long flag, each positional's name or
    each of its choices."""
    words = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if action.option_strings:
            words.append(max(action.option_strings, key=len))
        elif action.choices:
            words += [str(choice) for choice in action.choices]
        else:
            words.append(action.metavar or action.dest)
    return words


@pytest.fixture
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    # argparse wraps usage to the terminal's width; the page writes each on one line.
    monkeypatch.setenv("COLUMNS", "500")


@pytest.fixture
def page() -> str:
    return REFERENCE.read_text(encoding="utf-8")


def test_the_summary_table_lists_every_command_with_its_help(page: str) -> None:
    intro = re.split(r"^## ", page, flags=re.MULTILINE)[0]
    table = {code_span(row[0]): row[1] for row in table_rows(intro) if code_span(row[0])}
    expected = {" ".join(path): summary for path, (_, summary) in commands(build_parser()).items()}
    assert table == expected


@pytest.mark.usefixtures("wide_terminal")
def test_every_usage_line_is_the_programs_own(page: str) -> None:
    parser = build_parser()
    expected = {_usage(parser)} | {_usage(sub) for sub, _ in commands(parser).values()}
    assert _documented_usages(page) == expected


@pytest.mark.usefixtures("wide_terminal")
@pytest.mark.parametrize("path", sorted(commands(build_parser())), ids=lambda path: " ".join(path))
def test_each_command_has_a_section_with_its_usage_and_options(page: str, path: Path_) -> None:
    sub, _ = commands(build_parser())[path]
    anchor = slug("meterbot " + " ".join(path))
    bodies = [body for heading, body in sections(page) if slug(heading) == anchor]
    assert len(bodies) == 1, f"one section headed `meterbot {' '.join(path)}`"
    body = bodies[0]
    assert _usage(sub) in _documented_usages(body)
    prose = "\n".join(line for line in body.splitlines() if not line.startswith("usage:"))
    undescribed = [word for word in _words_to_describe(sub) if f"`{word}" not in prose]
    assert undescribed == []


def test_no_section_describes_a_command_the_program_lacks(page: str) -> None:
    known = {slug("meterbot " + " ".join(path)) for path in commands(build_parser())}
    described = {
        slug(heading)
        for heading, _ in sections(page)
        if heading.strip("` ").startswith("meterbot ")
    }
    assert described - known == set()
