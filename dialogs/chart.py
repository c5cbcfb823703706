"""A bar chart of monthly consumption as PNG bytes, drawn with Pillow.

Labels are digits only ("11.26", "230"): Pillow's built-in font has no Cyrillic, and the words
go in the message caption, which every channel renders in the resident's language.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 640, 320
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_SIDE = 30, 34, 16
BAR_COLOUR = (33, 101, 179)
ESTIMATE_COLOUR = (160, 170, 185)  # billed on an estimate, not on a reading
TEXT_COLOUR = (40, 40, 40)


def consumption_chart(bars: Sequence[tuple[str, Decimal, bool]]) -> bytes:
    """PNG of one bar per (label, kWh, estimated), oldest first; an empty chart for no bars."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=13)
    top = max((kwh for _, kwh, _ in bars), default=Decimal(0))
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    baseline = HEIGHT - MARGIN_BOTTOM
    draw.line((MARGIN_SIDE, baseline, WIDTH - MARGIN_SIDE, baseline), fill=TEXT_COLOUR)
    if bars and top > 0:
        slot = (WIDTH - 2 * MARGIN_SIDE) / len(bars)
        for index, (label, kwh, estimated) in enumerate(bars):
            left = MARGIN_SIDE + index * slot + slot * 0.15
            right = MARGIN_SIDE + (index + 1) * slot - slot * 0.15
            height = float(max(kwh, Decimal(0)) / top) * plot_height
            colour = ESTIMATE_COLOUR if estimated else BAR_COLOUR
            draw.rectangle((left, baseline - height, right, baseline), fill=colour)
            centre = (left + right) / 2
            draw.text((centre, baseline + 4), label, fill=TEXT_COLOUR, font=font, anchor="ma")
            amount = f"{kwh.quantize(Decimal(1))}"
            draw.text(
                (centre, baseline - height - 3), amount, fill=TEXT_COLOUR, font=font, anchor="md"
            )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
