"""Print labels: the chosen products (or locations), copies of each, a label size, and where they go —
an office printer (Qt's print dialog), a PDF file, or a network label printer on the allow-list (ZPL,
sent by the server). One template (``labels.template``) makes both the PDF and the ZPL."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRect, QSize, QSizeF, Signal
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api.errors import ApiError
from fllc_desktop.labels.pdf import write_labels_pdf
from fllc_desktop.labels.product_label import ProductLabel
from fllc_desktop.labels.template import DEFAULT_STOCK, STOCKS, LabelStock
from fllc_desktop.labels.zpl import ZplLayout, labels_zpl
from fllc_desktop.qt.services import LabelsService

JsonObject = dict[str, Any]
MAX_COPIES = 999
PRINT_DPI = 300  # pages are rendered for the printer at this resolution (bars stay sharp at 0.19 mm+)
OUTPUTS = ("printer", "pdf", "zpl")
NO_PRINTERS = "No label printers yet: an admin adds them in Settings (label_printers)."


def product_label(product: JsonObject) -> ProductLabel:
    price = product.get("price")
    return ProductLabel(
        sku=str(product.get("sku") or ""),
        name=str(product.get("name") or ""),
        barcode=str(product["barcode"]) if product.get("barcode") else None,
        price=None if price in (None, "") else Decimal(str(price)),
    )


class PrintLabelsDialog(QDialog):
    """``labels``: what to print, one row each; ``labels_service`` lists the allowed label printers
    and sends ZPL to them."""

    sig_done = Signal(str)  # what happened, in words

    def __init__(
        self,
        labels: Sequence[ProductLabel],
        labels_service: LabelsService,
        parent: QWidget | None = None,
        *,
        title: str = "Print labels",
        show_price: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("print_labels_dialog")
        self.setWindowTitle(title)
        self.labels = list(labels)
        self._service = labels_service
        self.printers: list[JsonObject] = []
        self.table = self._build_table()
        self.size_box = QComboBox(self)
        self.size_box.setObjectName("labels_size")
        for key, stock in STOCKS.items():
            self.size_box.addItem(stock.title, key)
        self.size_box.setCurrentIndex(list(STOCKS).index(DEFAULT_STOCK))
        self.show_price = QCheckBox("Show the &price", self)
        self.show_price.setObjectName("labels_show_price")
        self.show_price.setChecked(show_price)
        self.show_price.setEnabled(any(label.price is not None for label in self.labels))
        self.outputs = QButtonGroup(self)
        self.output_buttons: dict[str, QRadioButton] = {}
        for index, (key, text) in enumerate(
            (("printer", "P&rinter…"), ("pdf", "Save as P&DF…"), ("zpl", "&Label printer (ZPL)"))
        ):
            button = QRadioButton(text, self)
            button.setObjectName(f"labels_output_{key}")
            self.outputs.addButton(button, index)
            self.output_buttons[key] = button
        self.output_buttons["printer"].setChecked(True)
        self.zpl_printer = QComboBox(self)
        self.zpl_printer.setObjectName("labels_zpl_printer")
        self.zpl_hint = QLabel(NO_PRINTERS, self)
        self.zpl_hint.setObjectName("labels_zpl_hint")
        self.zpl_hint.setProperty("role", "muted")
        self.zpl_hint.setWordWrap(True)
        self.status = QLabel(self)
        self.status.setObjectName("labels_status")
        self.status.setWordWrap(True)
        self.print_button = QPushButton("&Print", self)
        self.print_button.setObjectName("labels_print")
        self.print_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("labels_cancel")
        self._lay_out()
        self._connect()
        self.set_printers([])
        self._service.printers().then(self.set_printers, self.on_printers_error, self)

    # -- building ---------------------------------------------------------------------------------
    def _build_table(self) -> QTableWidget:
        table = QTableWidget(len(self.labels), 3, self)
        table.setObjectName("labels_table")
        table.setHorizontalHeaderLabels(["Name", "Code", "Copies"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, label in enumerate(self.labels):
            table.setItem(row, 0, QTableWidgetItem(label.name))
            table.setItem(row, 1, QTableWidgetItem(label.human_readable))
            copies = QSpinBox(table)
            copies.setObjectName(f"labels_copies_{row}")
            copies.setRange(0, MAX_COPIES)
            copies.setValue(1)
            table.setCellWidget(row, 2, copies)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # spin boxes fit
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        return table

    def _lay_out(self) -> None:
        options = QFormLayout()
        options.addRow("Label &size", self.size_box)
        options.addRow("", self.show_price)
        output_box = QVBoxLayout()
        for key in OUTPUTS:
            output_box.addWidget(self.output_buttons[key])
        zpl_row = QHBoxLayout()
        zpl_row.setContentsMargins(24, 0, 0, 0)
        zpl_row.addWidget(self.zpl_printer, 1)
        zpl_row.addWidget(self.zpl_hint, 1)
        output_box.addLayout(zpl_row)
        options.addRow("Send to", output_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(options)
        layout.addLayout(buttons)
        self.resize(620, 480)

    def _connect(self) -> None:
        self.print_button.clicked.connect(self.on_print_clicked)
        self.cancel_button.clicked.connect(self.reject)
        self.outputs.idToggled.connect(lambda *_args: self._update())
        self.size_box.currentIndexChanged.connect(lambda *_args: self._update())

    # -- state ------------------------------------------------------------------------------------
    def set_printers(self, printers: list[JsonObject]) -> None:
        self.printers = printers
        self.zpl_printer.clear()
        for printer in printers:
            self.zpl_printer.addItem(f"{printer['name']} ({printer.get('dpi', 203)} dpi)", printer["name"])
        self.output_buttons["zpl"].setEnabled(bool(printers))
        self.output_buttons["zpl"].setToolTip("" if printers else NO_PRINTERS)
        self.zpl_printer.setVisible(bool(printers))
        self.zpl_hint.setVisible(not printers)
        self.zpl_hint.setText(NO_PRINTERS)
        self._update()

    def on_printers_error(self, error: ApiError) -> None:
        self.set_printers([])
        unavailable = f"Label printers unavailable: {error.title.lower()}"
        self.output_buttons["zpl"].setToolTip(unavailable)
        self.zpl_hint.setText(unavailable)

    def output(self) -> str:
        return OUTPUTS[self.outputs.checkedId()]

    def set_output(self, key: str) -> None:
        self.output_buttons[key].setChecked(True)

    def stock(self) -> LabelStock:
        return STOCKS[str(self.size_box.currentData())]

    def set_stock(self, key: str) -> None:
        self.size_box.setCurrentIndex(list(STOCKS).index(key))

    def set_copies(self, row: int, copies: int) -> None:
        self._copies_box(row).setValue(copies)

    def _copies_box(self, row: int) -> QSpinBox:
        widget = self.table.cellWidget(row, 2)
        assert isinstance(widget, QSpinBox)
        return widget

    def copies(self) -> list[tuple[ProductLabel, int]]:
        return [(label, self._copies_box(row).value()) for row, label in enumerate(self.labels)]

    def _update(self) -> None:
        zpl = self.output() == "zpl"
        self.zpl_printer.setEnabled(zpl and bool(self.printers))
        if zpl and not self.stock().is_roll:
            self.set_stock("roll-2x1")  # a label printer prints rolls
        self.print_button.setText("&Save…" if self.output() == "pdf" else "&Print")

    # -- the outputs ------------------------------------------------------------------------------
    def pdf_bytes(self) -> bytes:
        out = io.BytesIO()
        repeated = [label for label, copies in self.copies() for _ in range(copies)]
        write_labels_pdf(repeated, out, self.stock(), show_price=self.show_price.isChecked())
        return out.getvalue()

    def zpl(self) -> str:
        printer = self._chosen_printer()
        layout = ZplLayout(self.stock(), int(printer.get("dpi") or 203))
        wanted = [(label, copies) for label, copies in self.copies() if copies]
        return labels_zpl(wanted, layout, show_price=self.show_price.isChecked())

    def _chosen_printer(self) -> JsonObject:
        name = self.zpl_printer.currentData()
        return next(printer for printer in self.printers if printer["name"] == name)

    def on_print_clicked(self) -> None:
        if sum(copies for _label, copies in self.copies()) == 0:
            self.say("Nothing to print: every row has 0 copies.")
            return
        try:
            if self.output() == "pdf":
                self.ask_and_save_pdf()
            elif self.output() == "zpl":
                self.send_zpl()
            else:
                self.ask_and_print()
        except ValueError as exc:  # a code the label cannot carry, a code too long for its size
            self.say(f"Not printed: {exc}")

    def ask_and_save_pdf(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, "Save labels", "labels.pdf", "PDF (*.pdf)")
        if path:
            self.save_pdf(path)

    def save_pdf(self, path: str) -> None:
        Path(path).write_bytes(self.pdf_bytes())
        self.finish(f"Labels saved to {path}")

    def ask_and_print(self) -> None:
        printer = self.make_printer()
        if QPrintDialog(printer, self).exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def make_printer(self) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        stock = self.stock()
        size = QPageSize(QSizeF(stock.page_width, stock.page_height), QPageSize.Unit.Millimeter, stock.title)
        printer.setPageSize(size)
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        printer.setFullPage(True)  # the template places every label itself
        return printer

    def print_to(self, printer: QPrinter) -> int:
        """Paint the labels' PDF onto ``printer``, page by page; the number of pages."""
        pages = render_pdf_to(self.pdf_bytes(), printer)
        self.finish(f"{pages} page(s) of labels sent to {printer.printerName() or 'the printer'}")
        return pages

    def send_zpl(self) -> None:
        name = str(self.zpl_printer.currentData())
        zpl = self.zpl()
        self.print_button.setEnabled(False)
        self.say(f"Sending to {name}…")
        self._service.print_zpl(name, zpl).then(self.on_zpl_sent, self.on_zpl_refused, self)

    def on_zpl_sent(self, answer: JsonObject) -> None:
        self.print_button.setEnabled(True)
        self.finish(f"{answer.get('labels')} label(s) sent to {answer.get('printer')}")

    def on_zpl_refused(self, error: ApiError) -> None:
        self.print_button.setEnabled(True)
        self.say(f"Not printed: {error.message}")

    def say(self, text: str) -> None:
        self.status.setText(text)

    def finish(self, text: str) -> None:
        self.say(text)
        self.sig_done.emit(text)
        self.accept()


def render_pdf_to(pdf: bytes, printer: QPrinter) -> int:
    """Each page of ``pdf`` as an image at ``PRINT_DPI`` painted to fill ``printer``'s page; the
    number of pages."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "labels.pdf"
        path.write_bytes(pdf)
        document = QPdfDocument()
        document.load(str(path))
        count = document.pageCount()
        painter = QPainter()
        if not painter.begin(printer):
            document.close()
            raise ValueError("the printer could not be opened")
        try:
            for page in range(count):
                if page:
                    printer.newPage()
                points = document.pagePointSize(page)
                pixels = QSize(
                    round(points.width() / 72 * PRINT_DPI), round(points.height() / 72 * PRINT_DPI)
                )
                target = printer.pageLayout().fullRectPixels(printer.resolution())
                painter.drawImage(QRect(0, 0, target.width(), target.height()), document.render(page, pixels))
        finally:
            painter.end()
            document.close()
    return count


@dataclass(frozen=True, slots=True)
class Labelled:
    """What a receipt label needs of a product (the local catalog's row has these)."""

    sku: str
    name: str
    barcode: str | None
    price: Decimal | None


class ReceiptLabeller(QObject):
    """One label per item received on this device: ZPL of the received quantity to the device's
    ``receive_label_printer`` (a printer on the server's allow-list, at its dpi, on a 2 x 1 in roll).
    The receipt is committed before; a label that cannot be printed (offline, printer off, no longer
    allowed) is reported by ``sig_failed`` and never takes the receipt back."""

    sig_printed = Signal(str)
    sig_failed = Signal(str)

    def __init__(self, service: LabelsService, printer: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.printer = printer
        self._dpi: int | None = None
        self.stock = STOCKS["roll-2x1"]

    def label_received(self, product: Labelled, quantity: int) -> None:
        label = ProductLabel(product.sku, product.name, product.barcode, product.price)
        if self._dpi is not None:
            self._send(label, quantity)
            return

        def on_printers(printers: list[JsonObject]) -> None:
            entry = next(
                (p for p in printers if str(p.get("name")).casefold() == self.printer.casefold()), None
            )
            if entry is None:
                self.sig_failed.emit(f"{self.printer} is not on the label printers' allow-list")
                return
            self._dpi = int(entry.get("dpi") or 203)
            self._send(label, quantity)

        self._service.printers().then(on_printers, self._on_error, self)

    def _send(self, label: ProductLabel, quantity: int) -> None:
        try:
            zpl = labels_zpl([(label, quantity)], ZplLayout(self.stock, self._dpi or 203))
        except ValueError as exc:
            self.sig_failed.emit(str(exc))
            return
        self._service.print_zpl(self.printer, zpl).then(
            lambda answer: self.sig_printed.emit(f"{quantity} label(s) sent to {answer.get('printer')}"),
            self._on_error,
            self,
        )

    def _on_error(self, error: ApiError) -> None:
        self._dpi = None  # ask for the allow-list again next time: it may have changed
        self.sig_failed.emit(error.message)
