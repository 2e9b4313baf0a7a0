"""Single barcode images through python-barcode: SVG for screens and documents, PNG for anything else."""

from __future__ import annotations

import io

from barcode.writer import ImageWriter, SVGWriter

from fllc_desktop.labels.product_label import ProductLabel


def label_svg(label: ProductLabel) -> bytes:
    out = io.BytesIO()
    symbol = label.symbol()
    symbol.writer = SVGWriter()
    symbol.write(out)
    return out.getvalue()


def label_png(label: ProductLabel, dpi: int = 300) -> bytes:
    out = io.BytesIO()
    symbol = label.symbol()
    symbol.writer = ImageWriter()
    symbol.write(out, {"format": "PNG", "dpi": dpi})
    return out.getvalue()
