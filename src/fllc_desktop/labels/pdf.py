"""Sheets of labels as PDF (reportlab), with the bars drawn as vectors so they print sharp."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from fllc_desktop.labels.product_label import ProductLabel


@dataclass(frozen=True)
class LabelSheet:
    """A sheet of self-adhesive labels; the default is a common A4 3 x 8 (70 x 37 mm) sheet."""

    page_size: tuple[float, float] = A4
    columns: int = 3
    rows: int = 8
    label_width: float = 70 * mm
    label_height: float = 37 * mm
    left: float = 0.0
    top: float = 0.5 * mm

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin(self, index: int) -> tuple[float, float]:
        """Lower-left corner of the label at ``index`` on its page."""
        row, column = divmod(index % self.per_page, self.columns)
        x = self.left + column * self.label_width
        y = self.page_size[1] - self.top - (row + 1) * self.label_height
        return x, y


def write_labels_pdf(labels: Sequence[ProductLabel], out: BinaryIO, sheet: LabelSheet | None = None) -> None:
    """Draw ``labels`` onto as many sheets as they need. Every barcode is checked before drawing."""
    sheet = sheet or LabelSheet()
    patterns = [label.bar_pattern() for label in labels]  # fail before writing anything
    canvas = Canvas(out, pagesize=sheet.page_size, pageCompression=0)
    canvas.setTitle("FLLC Warehouse labels")
    for index, (label, pattern) in enumerate(zip(labels, patterns, strict=True)):
        if index and index % sheet.per_page == 0:
            canvas.showPage()
        _draw_label(canvas, label, pattern, sheet, index)
    canvas.showPage()
    canvas.save()


def _draw_label(canvas: Canvas, label: ProductLabel, pattern: str, sheet: LabelSheet, index: int) -> None:
    x, y = sheet.origin(index)
    pad = 3 * mm
    top = y + sheet.label_height - pad
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawString(x + pad, top - 9, _fit(canvas, label.name, sheet.label_width - 2 * pad, 9))
    canvas.setFont("Helvetica", 8)
    price = f"{label.price:.2f}" if label.price is not None else ""
    canvas.drawString(x + pad, top - 19, label.sku)
    canvas.drawRightString(x + sheet.label_width - pad, top - 19, price)
    bars_height = sheet.label_height - 2 * pad - 19 - 12
    _draw_bars(
        canvas, pattern, x=x + pad, y=y + pad + 9, width=sheet.label_width - 2 * pad, height=bars_height
    )
    canvas.drawCentredString(x + sheet.label_width / 2, y + pad, label.human_readable)


def _draw_bars(canvas: Canvas, pattern: str, *, x: float, y: float, width: float, height: float) -> None:
    module = min(width / len(pattern), 0.33 * mm)  # 0.33 mm is EAN-13 at 100 %
    start = x + (width - module * len(pattern)) / 2
    for position, bit in enumerate(pattern):
        if bit == "1":
            canvas.rect(start + position * module, y, module, height, stroke=0, fill=1)


def _fit(canvas: Canvas, text: str, width: float, size: float) -> str:
    """``text`` shortened with an ellipsis until it fits ``width`` in bold at ``size`` points."""
    while text and canvas.stringWidth(text, "Helvetica-Bold", size) > width:
        text = text[:-2] + "…" if len(text) > 1 else ""
    return text
