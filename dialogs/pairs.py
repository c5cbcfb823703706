"""An account number and a meter serial as residents type them: one of them, or both in one
message, with the words people put before them.

«1234567890 0012345», «12345 678 90 0012345», «л/с 1234567890 счётчик 0012345»,
«№ 0012345», «account 1234567890, serial 0012345», «счётчик 0012345 л/с 1234567890». Labels
say which number is which, in any order; without them the 10-digit number (spaces and hyphens
inside it allowed) is the account and the other one the serial. Reading text never decides
whether a pair is right: `billing_core.identifiers.same_serial` and the account on file do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from billing_core.identifiers import normalize_account, normalize_serial, to_ascii_digits

ACCOUNT = "account"
SERIAL = "serial"

# Words (and pairs of words) that name the number after them; matched after folding: lower
# case, «ё» as «е», the final dot dropped.
LABELS = {
    "л/с": ACCOUNT, "л/сч": ACCOUNT, "л.с": ACCOUNT, "лс": ACCOUNT, "лицевой": ACCOUNT,
    "лицевой счет": ACCOUNT, "лицевого счета": ACCOUNT, "лиц счет": ACCOUNT, "лиц": ACCOUNT,
    "account": ACCOUNT, "account number": ACCOUNT, "account no": ACCOUNT, "acc": ACCOUNT,
    "счетчик": SERIAL, "счетчика": SERIAL, "номер счетчика": SERIAL, "заводской номер": SERIAL,
    "зав": SERIAL, "зав номер": SERIAL, "зав №": SERIAL, "прибор учета": SERIAL, "пу": SERIAL,
    "serial": SERIAL, "serial number": SERIAL, "serial no": SERIAL, "meter": SERIAL,
    "meter number": SERIAL, "meter serial": SERIAL, "s/n": SERIAL, "sn": SERIAL,
}  # fmt: skip

ACCOUNT_GROUPS = (5, 3, 2)  # as bills print it: 12345-678-90
_SPLIT = re.compile(r"[\s,;:=]+")
_VALUE = re.compile(r"^[0-9a-z\-‐‑‒–—./_]*[0-9][0-9a-z\-‐‑‒–—./_]*$")


@dataclass(frozen=True, slots=True)
class TypedPair:
    account: str | None = None  # canonical: 10 digits
    serial: str | None = None  # canonical: as `normalize_serial` makes it
    account_labelled: bool = False  # the account was named as one («л/с …»)
    unread: bool = False  # numbers were typed that make neither an account nor a serial


def _tokens(text: str) -> list[str]:
    folded = to_ascii_digits(text).casefold().replace("ё", "е")
    for glued in ("№", "#"):  # «№0012345»
        folded = folded.replace(glued, f" {glued} ")
    folded = re.sub(r"^(л/сч?|лс)(?=\d)", r"\1 ", folded)  # «л/с1234567890»
    return [token.rstrip(".") or token for token in _SPLIT.split(folded) if token]


def read_pair(text: str) -> TypedPair:
    """The account and the serial in `text`, each None when it is not there."""
    segments: list[tuple[str | None, list[str]]] = [(None, [])]
    tokens = _tokens(text)
    i = 0
    while i < len(tokens):
        two = " ".join(tokens[i : i + 2])
        if two in LABELS and i + 1 < len(tokens):
            segments.append((LABELS[two], []))
            i += 2
            continue
        token = tokens[i]
        i += 1
        if token in LABELS:
            segments.append((LABELS[token], []))
        elif _VALUE.match(token):
            segments[-1][1].append(token)
        # Any other word («№», «номер», «вот») is left aside: only the numbers are read.
    return _resolve(segments)


def _resolve(segments: list[tuple[str | None, list[str]]]) -> TypedPair:
    account: str | None = None
    serial: str | None = None
    labelled = unread = False
    loose: list[str] = []
    for label, values in segments:
        if not values:
            continue
        if label == ACCOUNT:
            found, rest = _account_first(values)
            if found is None:
                unread = True
                continue
            account, labelled = found, True
            loose += rest
        elif label == SERIAL:
            values, account_after = _trailing_account(values)
            loose += account_after  # «счётчик 0012345 1234567890»
            serial = normalize_serial("".join(values))
            unread = unread or serial is None
        else:
            loose += values
    if loose and account is None:
        account, loose = _account_in(loose, serial is None)
    if loose and serial is None:
        serial = normalize_serial("".join(loose))
        unread = unread or serial is None
    elif loose:
        unread = True  # more numbers than a pair
    return TypedPair(account, serial, labelled, unread)


def _account_first(values: list[str]) -> tuple[str | None, list[str]]:
    """The account from the first values and what follows it: one value («1234567890»,
    «12345-678-90»), or the groups a bill prints («12345 678 90») — not any numbers that happen
    to make 10 digits together, as two readings may («46720 21100»)."""
    if not values:
        return None, values
    number = normalize_account(values[0])
    if number is not None:
        return number, values[1:]
    if [len(v) for v in values[:3]] == list(ACCOUNT_GROUPS):
        number = normalize_account("".join(values[:3]))
        if number is not None:
            return number, values[3:]
    return None, values


def _trailing_account(values: list[str]) -> tuple[list[str], list[str]]:
    """`values` split before an account number that ends them, when something comes first."""
    for start in (len(values) - 1, len(values) - 3):
        if start > 0:
            number, rest = _account_first(values[start:])
            if number is not None and not rest:
                return values[:start], values[start:]
    return values, []


def _account_in(values: list[str], serial_wanted: bool) -> tuple[str | None, list[str]]:
    """The account among unlabelled values: first, else (with a serial still to find) last."""
    number, rest = _account_first(values)
    if number is not None or not serial_wanted:
        return number, rest
    before, account = _trailing_account(values)
    if account:
        return _account_first(account)[0], before
    return None, values
