"""A bar chart of monthly consumption as PNG bytes, drawn with Pillow.

Labels are digits only ("11.26", "230", "-300"): Pillow's built-in font has no Cyrillic, and
the words — what each colour means — go in the message caption, which every channel renders in
the resident's language. Months billed on readings are blue, months billed on an estimate grey,
and a month of recalculation orange, drawn as the volume that month billed after taking the
estimates back: above the zero line when more was charged, below it when some was taken off.
"""

from __future__ import annotations

import enum
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 640, 320
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_SIDE = 30, 34, 16
TEXT_COLOUR = (40, 40, 40)


class BarKind(enum.Enum):
    ACTUAL = (33, 101, 179)  # billed on a reading
    ESTIMATED = (160, 170, 185)  # billed on an estimate (average or normative), not a reading
    RECALCULATION = (230, 126, 34)  # readings after estimates: the estimates taken back


class Bar(NamedTuple):
    label: str  # "11.26"
    kwh: Decimal
    kind: BarKind = BarKind.ACTUAL


def consumption_chart(bars: Sequence[Bar]) -> bytes:
    """PNG of one bar per month, oldest first; an empty chart for no bars."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=13)
    top = max((bar.kwh for bar in bars), default=Decimal(0))
    bottom = min((bar.kwh for bar in bars), default=Decimal(0))
    top, bottom = max(top, Decimal(0)), min(bottom, Decimal(0))
    span = top - bottom
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    # the zero line sits as far up as the largest value taken off needs
    baseline = HEIGHT - MARGIN_BOTTOM - (float(-bottom / span) * plot_height if span else 0)
    draw.line((MARGIN_SIDE, baseline, WIDTH - MARGIN_SIDE, baseline), fill=TEXT_COLOUR)
    if bars and span > 0:
        slot = (WIDTH - 2 * MARGIN_SIDE) / len(bars)
        for index, bar in enumerate(bars):
            left = MARGIN_SIDE + index * slot + slot * 0.15
            right = MARGIN_SIDE + (index + 1) * slot - slot * 0.15
            height = float(bar.kwh / span) * plot_height
            upper, lower = (
                (baseline - height, baseline) if height >= 0 else (baseline, baseline - height)
            )
            draw.rectangle((left, upper, right, lower), fill=bar.kind.value)
            centre = (left + right) / 2
            draw.text((centre, HEIGHT - MARGIN_BOTTOM + 4), bar.label, fill=TEXT_COLOUR,
                      font=font, anchor="ma")  # fmt: skip
            amount = f"{bar.kwh.quantize(Decimal(1))}"
            if height >= 0:
                draw.text((centre, upper - 3), amount, fill=TEXT_COLOUR, font=font, anchor="md")
            else:
                draw.text((centre, lower + 3), amount, fill=TEXT_COLOUR, font=font, anchor="ma")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
