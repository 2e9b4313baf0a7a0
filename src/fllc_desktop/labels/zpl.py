"""ZPL II for Zebra-compatible label printers (203, 300 or 600 dpi): one ``^XA … ^XZ`` block a label,
drawn from the same template as the PDF (``labels.template``).

Every field's data goes through ``^FH`` hex escapes: anything but letters, digits and a few plain
punctuation marks is sent as ``_XX`` bytes of its UTF-8, so no product name can end a field or a
label (``^FS``, ``^XZ``) or reach the printer's host commands (``~``)."""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass

from fllc_desktop.labels.product_label import ProductLabel
from fllc_desktop.labels.template import INCH, ROLL_STOCKS, STOCKS, Box, LabelLayout, LabelStock, layout_for

DPIS = (203, 300, 600)
PLAIN = frozenset(string.ascii_letters + string.digits + " .,:;/()#+-=*'")
"""Characters sent as they are; every other one becomes ``_XX`` escapes."""
CODE128_REFUSED = frozenset("^>~")
"""Code 128 data the printer reads as subset switches even after ^FH (its invocation codes)."""
AVERAGE_CHAR = 0.6  # the scalable font 0's average character width per dot of its height


@dataclass(frozen=True)
class ZplLayout:
    stock: LabelStock = STOCKS["roll-2x1"]
    dpi: int = 203

    def __post_init__(self) -> None:
        if self.dpi not in DPIS:
            raise ValueError(f"label printers here print at {', '.join(map(str, DPIS))} dpi, not {self.dpi}")
        if not self.stock.is_roll:
            raise ValueError(f"ZPL is for label rolls ({', '.join(ROLL_STOCKS)}), not {self.stock.key}")

    def dots(self, mm: float) -> int:
        return round(mm / INCH * self.dpi)


def zpl_field_text(text: str) -> str:
    """Text for a ``^FH_`` field: whatever is not plain becomes hex escapes of its UTF-8 bytes."""
    return "".join(c if c in PLAIN else "".join(f"_{b:02X}" for b in c.encode()) for c in text)


def label_zpl(
    label: ProductLabel, layout: ZplLayout | None = None, copies: int = 1, *, show_price: bool = True
) -> str:
    """One label (``copies`` times: ``^PQ``). Raises ValueError when its code cannot be printed."""
    layout = layout or ZplLayout()
    stock = layout.stock
    template = layout_for(stock.label_width, stock.label_height)
    price = f"{label.price:.2f}" if show_price and label.price is not None else ""
    lines = [
        "^XA",
        "^CI28",  # field data is UTF-8
        f"^PW{layout.dots(stock.label_width)}",
        f"^LL{layout.dots(stock.label_height)}",
        _text(layout, template.name, label.name, bold=True),
        _text(layout, template.line, label.sku),
        *([_text(layout, template.line, price, justify="R", bold=True)] if price else []),
        _bars(layout, label, template),
        _text(layout, template.text, label.human_readable, justify="C"),
        f"^PQ{copies}",
        "^XZ",
    ]
    return "\n".join(lines) + "\n"


def labels_zpl(
    labels: Iterable[tuple[ProductLabel, int]], layout: ZplLayout | None = None, *, show_price: bool = True
) -> str:
    """One print job: each (label, copies) pair one label format."""
    return "".join(label_zpl(label, layout, copies, show_price=show_price) for label, copies in labels)


def _text(layout: ZplLayout, box: Box, text: str, *, justify: str = "L", bold: bool = False) -> str:
    height = layout.dots(box.height) + (2 if bold else 0)
    width = layout.dots(box.width)
    limit = max(1, int(width / (height * AVERAGE_CHAR)))
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "..."
    return (
        f"^FO{layout.dots(box.x)},{layout.dots(box.y)}^A0N,{height},{height}"
        f"^FB{width},1,0,{justify}^FH_^FD{zpl_field_text(text)}^FS"
    )


def _bars(layout: ZplLayout, label: ProductLabel, template: LabelLayout) -> str:
    ean13 = label.ean13
    if ean13 is None and CODE128_REFUSED & set(label.code128):
        raise ValueError(f"{label.code128!r} has ^, > or ~, which a label printer's Code 128 cannot carry")
    modules = 95 if ean13 else 11 * (len(label.code128) + 3) + 2  # subset B: start, check, stop
    module = max(1, int(template.module(modules) / INCH * layout.dpi))  # whole dots, never wider
    box = template.bars
    width = modules * module
    left = layout.dots(box.x) + max(0, (layout.dots(box.width) - width) // 2)
    height = layout.dots(box.height)
    if ean13 is not None:
        symbol = f"^BEN,{height},N,N^FD{ean13[:12]}^FS"  # the printer adds the check digit
    else:
        symbol = f"^BCN,{height},N,N,N^FH_^FD{zpl_field_text(label.code128)}^FS"
    return f"^FO{left},{layout.dots(box.y)}^BY{module},3,{height}{symbol}"
