"""What every operator CSV import shares on the command line: `--encoding` and
`--ignore-unknown-columns`, the check that the whole file is text in that encoding before a row
is taken, and the exit codes (docs/operators/commands.md).

Exit codes: 0 when every row was taken, 1 when the file was read but some rows were rejected
(the others are applied), 2 when the file cannot be read at all (missing, wrong encoding, wrong
header). A scheduled job can tell the three apart.
"""

from __future__ import annotations

import argparse
import codecs
from pathlib import Path
from typing import TextIO

EXIT_ALL_TAKEN = 0
EXIT_ROWS_REJECTED = 1
EXIT_UNREADABLE = 2

DEFAULT_ENCODING = "utf-8"
_CHUNK = 1 << 20
CP1251_HINT = (
    "if it was saved in Windows-1251 (a spreadsheet's plain «CSV» in the Russian locale), "
    "add --encoding cp1251"
)


class FileRefused(ValueError):
    """The file cannot be imported at all; the message says why, for the operator."""


def exit_code(rejected: int) -> int:
    """0 when no row was rejected, else 1."""
    return EXIT_ROWS_REJECTED if rejected else EXIT_ALL_TAKEN


def add_csv_options(parser: argparse.ArgumentParser) -> None:
    """`--encoding` and `--ignore-unknown-columns`, as every import takes them."""
    parser.add_argument(
        "--encoding",
        default=DEFAULT_ENCODING,
        metavar="NAME",
        help="the file's encoding: utf-8 (default; a BOM is tolerated) or cp1251",
    )
    parser.add_argument(
        "--ignore-unknown-columns",
        action="store_true",
        help="import without the columns this command does not know (default: refuse the file)",
    )


def codec_of(encoding: str) -> str:
    """The codec a file in `encoding` is opened with (UTF-8 skips a BOM); FileRefused when
    Python knows no such encoding."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise FileRefused(f"unknown --encoding {encoding!r} (utf-8 or cp1251)") from None
    return "utf-8-sig" if name in ("utf-8", "utf-8-sig") else name


def check_encoding(path: Path, encoding: str) -> str:
    """Read the whole file once and refuse it (FileRefused, naming the line) unless it is text
    in `encoding`; the codec to open it with otherwise. A file given as a single-byte Russian
    encoding that is in fact UTF-8 with Cyrillic letters is refused too: every byte decodes in
    cp1251, so only this check tells «лицевой» from «Р»РёС†РµРІРѕР№»."""
    codec = codec_of(encoding)
    decoder = codecs.getincrementaldecoder(codec)("strict")
    utf8 = None if codec == "utf-8-sig" else codecs.getincrementaldecoder("utf-8")("strict")
    non_ascii = False
    line = 1
    try:
        with path.open("rb") as raw:
            while chunk := raw.read(_CHUNK):
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    at = line + chunk.count(b"\n", 0, max(exc.start - pending, 0))
                    hint = CP1251_HINT if codec == "utf-8-sig" else "check --encoding"
                    raise FileRefused(
                        f"line {at}: not {_shown(encoding)} text; {hint}; nothing was imported"
                    ) from None
                line += chunk.count(b"\n")
                if utf8 is not None:
                    non_ascii = non_ascii or not chunk.isascii()
                    try:
                        utf8.decode(chunk)
                    except UnicodeDecodeError:
                        utf8 = None  # not UTF-8: the encoding given may well be right
            decoder.decode(b"", final=True)
            if utf8 is not None:
                utf8.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileRefused(
            f"line {line}: the file ends inside a character: not {_shown(encoding)} text; "
            "nothing was imported"
        ) from None
    except OSError as exc:
        raise FileRefused(f"cannot read: {exc.strerror or exc}") from None
    if utf8 is not None and non_ascii:
        raise FileRefused(
            f"the file is UTF-8 text, not {_shown(encoding)}: drop --encoding {encoding}; "
            "nothing was imported"
        )
    return codec


def open_checked(path: Path, encoding: str) -> tuple[TextIO, str]:
    """The file opened for reading once `check_encoding` has passed it, and its codec. A byte
    that changed meanwhile is still caught: it decodes as a lone surrogate, and its row is
    rejected."""
    codec = check_encoding(path, encoding)
    try:
        text = path.open(encoding=codec, errors="surrogateescape", newline="")
    except OSError as exc:
        raise FileRefused(f"cannot read: {exc.strerror or exc}") from None
    return text, codec


def _shown(encoding: str) -> str:
    return "UTF-8" if codecs.lookup(encoding).name == "utf-8" else encoding
