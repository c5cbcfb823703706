"""The consumption chart tells readings, estimates and recalculations apart by colour."""

from __future__ import annotations

import io
from decimal import Decimal

from PIL import Image

from dialogs.chart import Bar, BarKind, consumption_chart


def rows_of(image: Image.Image, colour: tuple[int, int, int]) -> list[int]:
    rgb = image.convert("RGB")
    width, height = rgb.size
    return sorted(
        {y for y in range(height) for x in range(width) if rgb.getpixel((x, y)) == colour}
    )


def test_each_kind_has_its_colour_and_a_credit_hangs_below_zero() -> None:
    png = consumption_chart([
        Bar("09.26", Decimal(280), BarKind.ACTUAL),
        Bar("10.26", Decimal(150), BarKind.ESTIMATED),
        Bar("11.26", Decimal(-300), BarKind.RECALCULATION),
    ])  # fmt: skip
    image = Image.open(io.BytesIO(png))
    actual = rows_of(image, BarKind.ACTUAL.value)
    estimated = rows_of(image, BarKind.ESTIMATED.value)
    recalculated = rows_of(image, BarKind.RECALCULATION.value)
    assert actual
    assert estimated
    assert recalculated
    # the estimate's bar stands on the same zero line as the reading's, and is lower
    assert estimated[-1] == actual[-1]
    assert estimated[0] > actual[0]
    # 300 kWh taken off: the orange bar starts where the others end, and goes down
    assert recalculated[0] >= actual[-1]
    assert recalculated[-1] - recalculated[0] > (actual[-1] - actual[0]) // 2


def test_a_charged_recalculation_stands_up() -> None:
    png = consumption_chart([Bar("11.26", Decimal(50), BarKind.RECALCULATION),
                             Bar("12.26", Decimal(100), BarKind.ACTUAL)])  # fmt: skip
    image = Image.open(io.BytesIO(png))
    assert (
        rows_of(image, BarKind.RECALCULATION.value)[-1] == rows_of(image, BarKind.ACTUAL.value)[-1]
    )
