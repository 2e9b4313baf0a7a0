"""ZPL II for Zebra-compatible label printers: one label per ``^XA … ^XZ`` block."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fllc_desktop.labels.product_label import ProductLabel


@dataclass(frozen=True)
class ZplLayout:
    dpi: int = 203
    width_mm: float = 50.0
    height_mm: float = 30.0
    module_dots: int = 2
    """Narrow bar width in dots (2 at 203 dpi is an EAN-13 of about 100% magnification)."""

    def dots(self, mm: float) -> int:
        return round(mm / 25.4 * self.dpi)


def zpl_field_text(text: str) -> str:
    """Text for a ``^FH_`` field: the characters ZPL treats as commands become hex escapes."""
    return "".join(f"_{ord(c):02X}" if c in "^~_" else c for c in text)


def label_zpl(label: ProductLabel, layout: ZplLayout | None = None, copies: int = 1) -> str:
    layout = layout or ZplLayout()
    margin = layout.dots(2)
    lines = [
        "^XA",
        "^CI28",
        f"^PW{layout.dots(layout.width_mm)}",
        f"^LL{layout.dots(layout.height_mm)}",
        f"^FO{margin},{margin}^A0N,24,24^FB{layout.dots(layout.width_mm) - 2 * margin},1,0,L^FH_"
        f"^FD{zpl_field_text(label.name)}^FS",
        f"^FO{margin},{margin + 28}^A0N,20,20^FH_^FD{zpl_field_text(_sku_and_price(label))}^FS",
        f"^FO{margin},{margin + 56}^BY{layout.module_dots}{_barcode_command(label, layout)}",
        f"^PQ{copies}",
        "^XZ",
    ]
    return "\n".join(lines) + "\n"


def labels_zpl(labels: Iterable[ProductLabel], layout: ZplLayout | None = None) -> str:
    return "".join(label_zpl(label, layout) for label in labels)


def _barcode_command(label: ProductLabel, layout: ZplLayout) -> str:
    height = layout.dots(layout.height_mm) - layout.dots(2) - 56 - 30
    ean13 = label.ean13
    if ean13 is not None:
        return f"^BEN,{height},Y,N^FD{ean13[:12]}^FS"  # the printer adds the check digit
    return f"^BCN,{height},Y,N,N^FH_^FD{zpl_field_text(label.sku)}^FS"


def _sku_and_price(label: ProductLabel) -> str:
    return f"{label.sku}   {label.price:.2f}" if label.price is not None else label.sku
