"""Labels as PDF (reportlab): sheets for office printers or one label a page for a roll, drawn from
the template in ``labels.template`` with the bars as vectors so they print sharp."""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from fllc_desktop.labels.product_label import ProductLabel
from fllc_desktop.labels.template import DEFAULT_STOCK, STOCKS, Box, LabelStock, layout_for

BOLD = "Helvetica-Bold"
REGULAR = "Helvetica"
FONT_EM = 0.72  # Helvetica's cap-to-descender height per point of font size


def write_labels_pdf(
    labels: Sequence[ProductLabel],
    out: BinaryIO,
    stock: LabelStock | None = None,
    *,
    show_price: bool = True,
) -> None:
    """Draw ``labels`` (repeat a label for copies) onto as many pages as they need. Every barcode
    is built before anything is written, so a bad one leaves ``out`` empty."""
    stock = stock or STOCKS[DEFAULT_STOCK]
    layout = layout_for(stock.label_width, stock.label_height)
    patterns = [label.bar_pattern() for label in labels]
    modules = [layout.module(len(pattern)) for pattern in patterns]  # too long: refused here too
    canvas = Canvas(out, pagesize=(stock.page_width * mm, stock.page_height * mm), pageCompression=0)
    canvas.setTitle("FLLC Warehouse labels")
    for index, label in enumerate(labels):
        if index and index % stock.per_page == 0:
            canvas.showPage()
        left, top = stock.origin(index)
        drawer = _LabelDrawer(canvas, stock, left, top)
        drawer.text(label.name, layout.name, BOLD)
        drawer.text(label.sku, layout.line, REGULAR)
        if show_price and label.price is not None:
            drawer.text(f"{label.price:.2f}", layout.line, BOLD, align="right")
        drawer.bars(patterns[index], layout.bars, modules[index])
        drawer.text(label.human_readable, layout.text, REGULAR, align="centre")
    canvas.showPage()
    canvas.save()


class _LabelDrawer:
    """Draws template boxes (mm from the label's top-left) onto the page (points from bottom-left)."""

    def __init__(self, canvas: Canvas, stock: LabelStock, left: float, top: float) -> None:
        self.canvas = canvas
        self.page_height = stock.page_height
        self.left = left
        self.top = top

    def _x(self, x: float) -> float:
        return float((self.left + x) * mm)

    def _bottom(self, box: Box) -> float:
        return float((self.page_height - self.top - box.y - box.height) * mm)

    def text(self, text: str, box: Box, font: str, *, align: str = "left") -> None:
        size = box.height * mm / FONT_EM
        self.canvas.setFont(font, size)
        baseline = self._bottom(box) + size * 0.21  # the descender below the baseline
        text = _fit(self.canvas, text, font, size, box.width * mm)
        if align == "right":
            self.canvas.drawRightString(self._x(box.x + box.width), baseline, text)
        elif align == "centre":
            self.canvas.drawCentredString(self._x(box.x + box.width / 2), baseline, text)
        else:
            self.canvas.drawString(self._x(box.x), baseline, text)

    def bars(self, pattern: str, box: Box, module: float) -> None:
        start = box.x + (box.width - module * len(pattern)) / 2  # the quiet zones either side
        bottom = self._bottom(box)
        position = 0
        for run in _runs(pattern):
            if run[0] == "1":
                self.canvas.rect(
                    self._x(start + position * module), bottom, len(run) * module * mm, box.height * mm, 0, 1
                )
            position += len(run)


def _runs(pattern: str) -> list[str]:
    """``"1101"`` → ``["11", "0", "1"]``: a wide bar is one rectangle, not touching thin ones."""
    runs: list[str] = []
    for bit in pattern:
        if runs and runs[-1][0] == bit:
            runs[-1] += bit
        else:
            runs.append(bit)
    return runs


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis until it fits ``width`` at ``size`` points."""
    if canvas.stringWidth(text, font, size) <= width:
        return text
    while text and canvas.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…" if text else ""
