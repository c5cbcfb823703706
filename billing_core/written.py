"""Readings as people write them: zone labels («Т1 12345 Т2 6789», «т1=52000», «день: 46 720,
ночь: 21 800»), units («46720 кВт», «46720кВт*ч», "46720 kWh") and spaces inside numbers.

`read_labelled` reads a line whose values carry zone labels, in any order and any subset of the
meter's registers; `strip_units` leaves the numbers of a line without labels for
`billing_core.readings.parse_value` and `read_line`. Both raise `ReadingRejected` and nothing
else.
"""

from __future__ import annotations

import re

from billing_core.models import Meter, MeterKind, Readings, Register
from billing_core.readings import ReadingRejected, RejectionReason, parse_value

# A unit after a number: кВт, кВт·ч, кВт*ч, кВтч, квт.ч, кВт/ч, kWh, kW h, with an optional dot.
_UNIT = re.compile(
    r"(?:квт|kw)(?:\s*[·*.⋅/\-]?\s*(?:час(?:а|ов)?|ч|hours?|hrs?|h))?\.?(?!\w)", re.IGNORECASE
)

# Zone labels, longest first so that «полупик» is not read as «пик». Each names a zone by what
# the supplier calls it; which register that is depends on the meter (`_REGISTER_OF`).
_LABEL = re.compile(
    r"(?<!\w)(?:"
    r"(?P<t>[тt]\s?(?P<n>[1-3]))(?!\d)"
    r"|(?P<half>полупик\w*|п/пик\w*|half[\s-]?peak|semi[\s-]?peak|shoulder)"
    r"|(?P<night>ночь|ночн\w*|night|off[\s-]?peak)"
    r"|(?P<peak>пик\w*|peak)"
    r"|(?P<day>день|дневн\w*|day(?:time)?)"
    r")(?!\w)",
    re.IGNORECASE,
)

_REGISTER_OF: dict[MeterKind, dict[str, Register]] = {
    MeterKind.SINGLE: {"1": Register.T1},
    MeterKind.TWO_ZONE: {
        "1": Register.T1,
        "2": Register.T2,
        "day": Register.T1,
        "night": Register.T2,
    },
    MeterKind.THREE_ZONE: {
        "1": Register.T1,
        "2": Register.T2,
        "3": Register.T3,
        "peak": Register.T1,
        "night": Register.T2,
        "half": Register.T3,
    },
}

# What may stand between a label and its number, or after the number: «т1 = 52000,», «день: …;».
_PUNCTUATION = " \t\n\u00a0=:–—-,;.()"


def strip_units(text: str) -> str:
    """The line with every unit of energy taken out: «46720кВт*ч» → «46720»."""
    return " ".join(_UNIT.sub(" ", text).split())


def has_labels(text: str) -> bool:
    return _LABEL.search(_plain(text)) is not None


# Zones named in words, as `labels_of` tells a line's way of naming them: for an example in it.
_ZONE_WORDS: dict[tuple[str, MeterKind], tuple[str, ...]] = {
    ("ru", MeterKind.TWO_ZONE): ("день", "ночь"),
    ("ru", MeterKind.THREE_ZONE): ("пик", "ночь", "полупик"),
    ("en", MeterKind.TWO_ZONE): ("day", "night"),
    ("en", MeterKind.THREE_ZONE): ("peak", "night", "half-peak"),
}


def labels_of(text: str) -> str | None:
    """How a line names zones, by its first label: "ru" (день, ночь, пик…), "en" (day, night,
    peak…), "code" (Т1, T1); None when it names none."""
    label = _LABEL.search(_plain(text))
    if label is None:
        return None
    if label.group("t"):
        return "code"
    return "en" if label.group(0).isascii() else "ru"


def zone_words(kind: MeterKind, way: str | None) -> tuple[str, ...] | None:
    """The meter's zones named in the words of `way` ("ru", "en"); None for another way."""
    return _ZONE_WORDS.get((way or "", kind))


def readings_part(text: str) -> str:
    """The readings a message carries after its words («хочу передать день 46720 ночь 21800» →
    «день 46720 ночь 21800»), in lower case: from the first number, or from the first label that
    a number follows; "" without a number."""
    plain = _plain(text)
    labels = list(_LABEL.finditer(plain))
    inside = {i for label in labels for i in range(label.start(), label.end())}
    digits = (i for i, ch in enumerate(plain) if ch.isdigit() and i not in inside)
    start = next(digits, None)
    if start is None:
        return ""
    for label in labels:
        if label.start() >= start:
            break
        if plain[label.end() : start].strip(_PUNCTUATION) == "":
            start = label.start()
            break
    return plain[start:].strip()


def without_labels(text: str) -> str:
    """The line with its zone labels taken out (in lower case)."""
    return _LABEL.sub(" ", _plain(text))


def read_labelled(text: str, meter: Meter) -> Readings | None:
    """The values of a line with zone labels, by register; None when the line has no label.

    Raises ReadingRejected: NOT_A_ZONE (with `text` the label) for a zone the meter does not
    have or one named twice, DIGITS_BEFORE_LABEL for a number before the first label, and
    what `parse_value` raises for a value (EMPTY when a label has no number)."""
    plain = _plain(strip_units(text))
    labels = list(_LABEL.finditer(plain))
    if not labels:
        return None
    if any(ch.isdigit() for ch in plain[: labels[0].start()]):
        raise ReadingRejected(RejectionReason.NOT_A_ZONE, text=text.strip()[:20])
    registers = _REGISTER_OF[meter.kind]
    values: Readings = {}
    for label, following in zip(labels, [*labels[1:], None], strict=True):
        zone = label.group("n") or label.lastgroup or ""
        register = registers.get(zone)
        if register is None or register in values:
            raise ReadingRejected(RejectionReason.NOT_A_ZONE, text=label.group(0))
        end = following.start() if following is not None else len(plain)
        value = plain[label.end() : end].strip(_PUNCTUATION)
        values[register] = parse_value(value, meter, register)
    return values


def _plain(text: str) -> str:
    return text.casefold().replace("ё", "е")
