"""The one label template: where the name, the SKU and price, the bars and the code under them go on a
label of a given size. The PDF (``labels.pdf``) and the ZPL (``labels.zpl``) both draw from it, so a
label looks the same on an office printer's sheet and on a label printer's roll.

Everything here is in millimetres from the label's top-left corner; each output converts to its own
units (points, printer dots).
"""

from __future__ import annotations

from dataclasses import dataclass

INCH = 25.4  # mm

QUIET_MODULES = 10
"""Blank modules each side of the bars (EAN-13 needs 11 on the left with the first digit outside,
Code 128 ten): without them a scanner cannot find where the symbol starts."""
MAX_MODULE_MM = 0.33  # EAN-13 at 100 % magnification
MIN_MODULE_MM = 0.19  # below this a hand scanner at arm's length misses bars


@dataclass(frozen=True, slots=True)
class LabelStock:
    """A kind of label paper: a sheet of ``columns`` x ``rows`` labels, or a roll (one label a page)."""

    key: str
    title: str
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int = 1
    rows: int = 1
    left: float = 0.0
    top: float = 0.0
    pitch_x: float = 0.0
    """Distance between the left edges of neighbouring labels (0: the label width)."""
    pitch_y: float = 0.0

    @property
    def is_roll(self) -> bool:
        return self.columns == self.rows == 1

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin(self, index: int) -> tuple[float, float]:
        """Top-left corner (mm from the page's top-left) of the label at ``index`` on its page."""
        row, column = divmod(index % self.per_page, self.columns)
        return (
            self.left + column * (self.pitch_x or self.label_width),
            self.top + row * (self.pitch_y or self.label_height),
        )


STOCKS: dict[str, LabelStock] = {
    stock.key: stock
    for stock in (
        LabelStock("a4", "A4 sheet, 3 x 8 (70 x 37 mm)", 210, 297, 70, 37, columns=3, rows=8, top=0.5),
        LabelStock(
            "letter",
            "Letter sheet, 3 x 10 (2.625 x 1 in)",
            8.5 * INCH,
            11 * INCH,
            2.625 * INCH,
            1 * INCH,
            columns=3,
            rows=10,
            left=0.1875 * INCH,
            top=0.5 * INCH,
            pitch_x=2.75 * INCH,
        ),
        LabelStock(
            "roll-2.25x1.25", "Roll, 2.25 x 1.25 in", 2.25 * INCH, 1.25 * INCH, 2.25 * INCH, 1.25 * INCH
        ),
        LabelStock("roll-2x1", "Roll, 2 x 1 in", 2 * INCH, 1 * INCH, 2 * INCH, 1 * INCH),
    )
}
DEFAULT_STOCK = "a4"
ROLL_STOCKS = tuple(key for key, stock in STOCKS.items() if stock.is_roll)


def stock_named(key: str) -> LabelStock:
    try:
        return STOCKS[key]
    except KeyError:
        raise ValueError(f"unknown label size {key!r}; one of {', '.join(STOCKS)}") from None


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in mm from the label's top-left corner."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class LabelLayout:
    name: Box
    """The product's name, one line in bold (its height is the text's cap-to-descender height)."""
    line: Box
    """The SKU on the left, the price (when shown) on the right."""
    bars: Box
    text: Box
    """The encoded code in plain digits/letters, centred under the bars."""

    def module(self, modules: int) -> float:
        """The narrow bar's width (mm) for a symbol of ``modules`` modules, quiet zones included;
        raises ValueError when the code is too long to scan on this label."""
        width = min(MAX_MODULE_MM, self.bars.width / (modules + 2 * QUIET_MODULES))
        if width < MIN_MODULE_MM:
            raise ValueError(f"the code is too long for a {self.bars.width + 2 * self.name.x:.0f} mm label")
        return width


def layout_for(width: float, height: float) -> LabelLayout:
    """The template at one label size: a margin, the name, the SKU/price line, the bars, the code."""
    pad = max(1.5, min(3.0, height * 0.08))
    name_size = max(2.4, min(3.4, height * 0.12))
    line_size = name_size * 0.85
    text_size = name_size * 0.8
    inner = width - 2 * pad
    name = Box(pad, pad, inner, name_size)
    line = Box(pad, name.y + name.height + 0.6, inner, line_size)
    text = Box(pad, height - pad - text_size, inner, text_size)
    bars_top = line.y + line.height + 1.0
    bars = Box(pad, bars_top, inner, text.y - 1.0 - bars_top)
    return LabelLayout(name=name, line=line, bars=bars, text=text)
