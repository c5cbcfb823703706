"""The console channel (`meterbot chat`): one input line is one event, replies are printed.

Buttons are numbered `[1] Label`; typing the number or the exact label presses one.
`/contact +79991234567` shares a phone number as the sender's own; everything else is read as
every channel reads typed text (`dialogs.typed.parse_typed`). Works with piped input and stops
at its end; piped lines are echoed after `> ` so that a transcript reads as a conversation.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Protocol, TextIO

from dialogs.channel import DialogHandler
from dialogs.events import ChatRef, Choice, ContactShared, Inbound, Text
from dialogs.replies import Button, Reply
from dialogs.typed import parse_typed

CHANNEL = "console"


class ConsoleHandler(DialogHandler, Protocol):
    async def prefer_locale(self, chat: ChatRef, locale: str) -> None:
        """Set the chat's language before it speaks (`--lang`)."""
        ...


def parse_line(chat: ChatRef, line: str, buttons: list[Button], lang: str | None) -> Inbound:
    """The event one console line stands for, given the buttons last shown."""
    words = line.split()
    if words and words[0].casefold() == "/contact":
        return ContactShared(chat, " ".join(words[1:]), is_own=True)
    event = parse_typed(chat, line, buttons=buttons, language_hint=lang)
    if isinstance(event, Text):
        for number, button in enumerate(buttons, 1):
            if line == str(number):  # compared as text: a line of 5,000 digits is just text
                return Choice(chat, button.action_id)
    return event


def render(replies: list[Reply], out: TextIO, picture_dir: Path | None) -> list[Button]:
    """Print replies; return the buttons shown, in the order of their numbers."""
    shown: list[Button] = []
    for reply in replies:
        out.write(reply.text + "\n")
        if reply.picture is not None:
            size = len(reply.picture.png)
            if picture_dir is not None:
                picture_dir.mkdir(parents=True, exist_ok=True)
                handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 — kept on disk for the user
                    dir=picture_dir, prefix="picture-", suffix=".png", delete=False
                )
                with handle:
                    handle.write(reply.picture.png)
                out.write(f"(picture: {handle.name}, {size} bytes)\n")
            else:
                out.write(f"(picture: {size} bytes)\n")
        for row in reply.buttons:
            cells = []
            for button in row:
                if button.url:  # a terminal cannot press a link: it is printed to open
                    cells.append(f"[{button.label}: {button.url}]")
                    continue
                shown.append(button)
                cells.append(f"[{len(shown)}] {button.label}")
            out.write("  ".join(cells) + "\n")
        if reply.request_contact:
            out.write(f"({reply.request_contact}: /contact +79991234567)\n")
    out.write("\n")
    out.flush()
    return shown


async def run_console(
    engine: ConsoleHandler,
    user_id: str,
    lang: str | None,
    stdin: TextIO,
    stdout: TextIO,
    *,
    picture_dir: Path | None = None,
) -> int:
    """Talk to `engine` as console user `user_id` until the input ends."""
    chat = ChatRef(CHANNEL, user_id)
    if lang:
        await engine.prefer_locale(chat, lang)
    interactive = stdin.isatty()
    if interactive:
        stdout.write(
            "Console channel: type /start to begin, /help for commands, Ctrl-D to leave.\n"
        )
    buttons: list[Button] = []
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        if not interactive:
            stdout.write(f"> {line}\n")
        event = parse_line(chat, line, buttons, lang)
        replies = await engine.handle(event)
        buttons = render(replies, stdout, picture_dir)
    return 0
