"""Assign an unknown barcode to a product (users with products.modify): search, pick, assign."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.floor.views import ProductRow

TOUCH_HEIGHT_PX = 56
ProductSearch = Callable[[str], Sequence[ProductRow]]


class AssignBarcodeDialog(QDialog):
    """Non-blocking (``open()``): ``sig_assigned(product)`` when a product was chosen."""

    sig_assigned = Signal(object)  # ProductRow

    def __init__(self, barcode: str, search: ProductSearch, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scan_assign_dialog")
        self.setWindowTitle("Assign barcode to a product")
        self.barcode = barcode
        self._search = search
        self._products: list[ProductRow] = []
        intro = QLabel(f"Barcode <b>{barcode}</b> is not known. Find the product it belongs to:", self)
        intro.setWordWrap(True)
        self.query = QLineEdit(self)
        self.query.setObjectName("scan_assign_search")
        self.query.setPlaceholderText("SKU or name")
        self.query.setMinimumHeight(TOUCH_HEIGHT_PX)
        self.results = QListWidget(self)
        self.results.setObjectName("scan_assign_results")
        self.assign_button = _button("Assign", "scan_assign_confirm", self)
        self.cancel_button = _button("Cancel", "scan_assign_cancel", self)
        self.assign_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.assign_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.query)
        layout.addWidget(self.results, 1)
        layout.addLayout(buttons)
        self.resize(560, 520)
        self.query.textChanged.connect(self.on_query_text_changed)
        self.results.currentRowChanged.connect(self.on_results_current_row_changed)
        self.results.itemActivated.connect(lambda _item: self.on_assign_clicked())
        self.assign_button.clicked.connect(self.on_assign_clicked)
        self.cancel_button.clicked.connect(self.reject)

    def on_query_text_changed(self, text: str) -> None:
        self._products = list(self._search(text)) if text.strip() else []
        self.results.clear()
        for product in self._products:
            item = QListWidgetItem(f"{product.sku} — {product.name}")
            item.setSizeHint(QSize(0, 44))
            self.results.addItem(item)
        if self._products:
            self.results.setCurrentRow(0)

    def on_results_current_row_changed(self, row: int) -> None:
        self.assign_button.setEnabled(0 <= row < len(self._products))

    def on_assign_clicked(self) -> None:
        row = self.results.currentRow()
        if 0 <= row < len(self._products):
            self.sig_assigned.emit(self._products[row])
            self.accept()


def _button(text: str, name: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setMinimumHeight(TOUCH_HEIGHT_PX)
    button.setMinimumWidth(120)
    button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    return button
