"""Receive: every product scan is one intake op, committed to the outbox before the screen says so.

The flow on the floor: pick (or scan) the location once; set a quantity on the keypad when a box
holds more than one (default 1; a GS1 count pre-fills it); scan. Each scan is saved as its own op,
so ten scans are ten ops in order; scanning the same item again adds one more to its line. Lot and
expiry from a GS1 barcode fill the fields and go with the op; a plain scan of the same product keeps
them (same batch), another product clears them. "Receive again" books the current item once more
with the keypad quantity (touch only), and "Undo last" takes back the last op while it is unsent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.scanning.burst import Scan
from fllc_desktop.store.catalog import ProductRow
from fllc_desktop.ui.screens.scan_base import TOUCH_HEIGHT_PX, ScanScreen
from fllc_desktop.ui.screens.scan_desk import Meaning, Resolved, ScanDesk
from fllc_desktop.ui.screens.scan_routing import ScanRouter
from fllc_desktop.ui.widgets.messages import confirm
from fllc_desktop.ui.widgets.scan_feedback import ScanSounds
from fllc_desktop.ui.widgets.scan_keypad import NumericKeypad
from fllc_desktop.ui.widgets.scan_location import LocationPicker
from fllc_desktop.ui.widgets.scan_product_card import ProductCard

KEY = "scan_receive"


@dataclass
class _Line:
    """One product received in this session, at one location."""

    row: int
    quantity: int


class ReceiveScreen(ScanScreen):
    def __init__(
        self,
        desk: ScanDesk,
        router: ScanRouter | None = None,
        sounds: ScanSounds | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(KEY, desk, router, sounds, parent)
        self.current: ProductRow | None = None
        self.last_op_ids: list[uuid.UUID] = []
        self._lines: dict[tuple[int, int | None], _Line] = {}
        self._build()
        self.refresh()

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        self.location = LocationPicker(f"{KEY}_location", parent=self)
        self.card = ProductCard(f"{KEY}_product", parent=self)
        self.lot = _field(f"{KEY}_lot", "Lot / batch", self)
        self.expiry = _field(f"{KEY}_expiry", "YYYY-MM-DD", self)
        self.keypad = NumericKeypad(f"{KEY}_quantity", self)
        self.again_button = self.touch_button("Receive again", f"{KEY}_again")
        self.undo_button = self.touch_button("Undo last", f"{KEY}_undo")
        self.session = _session_table(self)
        self.again_button.clicked.connect(self.on_again_button_clicked)
        self.undo_button.clicked.connect(self.on_undo_button_clicked)
        layout = QGridLayout(self)
        layout.addLayout(self.feedback_block(), 0, 0, 1, 2)
        layout.addWidget(self.location, 1, 0, 1, 2)
        layout.addLayout(self._left_column(), 2, 0)
        layout.addLayout(self._right_column(), 2, 1)
        layout.addWidget(self.manual, 3, 0, 1, 2)
        layout.setColumnStretch(0, 3)
        layout.setColumnStretch(1, 2)
        self._update_buttons()

    def _left_column(self) -> QVBoxLayout:
        form = QHBoxLayout()  # one row, so that the screen fits an 800 px tablet
        for text, field in (("Lot", self.lot), ("Expiry", self.expiry)):
            label = QLabel(text, self)
            label.setBuddy(field)
            form.addWidget(label)
            form.addWidget(field, 1)
        column = QVBoxLayout()
        column.addWidget(self.card)
        column.addLayout(form)
        column.addWidget(QLabel("Received in this session", self))
        column.addWidget(self.session, 1)
        return column

    def _right_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.addWidget(self.keypad, 1)  # its caption says what the figure is
        buttons = QHBoxLayout()  # one row, so that the screen fits an 800 px tablet
        buttons.addWidget(self.again_button)
        buttons.addWidget(self.undo_button)
        column.addLayout(buttons)
        return column

    def refresh(self) -> None:
        self.location.set_locations(self.desk.locations())

    # ------------------------------------------------------------------ scans

    def handle(self, scan: Scan, resolved: Resolved) -> None:
        if resolved.meaning is Meaning.PRODUCT and resolved.product is not None:
            self._receive_scanned(resolved)
        elif resolved.meaning is Meaning.LOCATION and resolved.location is not None:
            self.location.set_location(int(resolved.location["id"]))
            self.feedback.show_ok(f"Location {resolved.location['code']}", "The next scans go here.")
        elif resolved.meaning is Meaning.PURCHASE_ORDER:
            self.feedback.show_warning(
                "That is a purchase order", "To receive against it, open “Receive PO” and scan it there."
            )
        else:
            self.explain_problem(resolved)

    def _receive_scanned(self, resolved: Resolved) -> None:
        product = resolved.product
        assert product is not None
        decoded = resolved.decoded
        if self.current is None or product.id != self.current.id:
            self.lot.clear()
            self.expiry.clear()
        if decoded.lot:
            self.lot.setText(decoded.lot)
        if decoded.expiry:
            self.expiry.setText(decoded.expiry.isoformat())
        quantity = self.keypad.value() or decoded.count or 1
        self._receive(product, quantity, warnings=decoded.warnings)

    def _receive(self, product: ProductRow, quantity: int, *, warnings: tuple[str, ...] = ()) -> None:
        try:
            expiry = _date_or_none(self.expiry.text())
        except ValueError:
            self.feedback.show_error(
                "NOT saved — check the expiry date", "Write it as YYYY-MM-DD or clear it."
            )
            return
        location_id = self.location.location_id()
        entry = self.desk.receive(
            product.id, quantity, location_id=location_id, lot=self.lot.text().strip() or None, expiry=expiry
        )
        # Committed: only now tell the person.
        self.current = product
        self.last_op_ids.append(entry.command.op_id)
        self.keypad.clear()
        total = self._add_to_session(product, quantity, location_id)
        self._show_current(product)
        detail = f"Saved · {self.location.location_text()} · {total} received in this session"
        if warnings:
            self.feedback.show_warning(f"+{quantity}  {product.name}", f"{detail}\n{warnings[0]}")
        else:
            self.feedback.show_ok(f"+{quantity}  {product.name}", detail)
        self._update_buttons()

    def _show_current(self, product: ProductRow) -> None:
        shown = self.desk.shown_quantity(product)
        codes = f"SKU {product.sku}" + (f" · {product.barcode}" if product.barcode else "")
        self.card.show_product(product.name, codes, shown.text, pending=bool(shown.pending))

    def _add_to_session(self, product: ProductRow, quantity: int, location_id: int | None) -> int:
        key = (product.id, location_id)
        line = self._lines.get(key)
        if line is None:
            line = _Line(self.session.rowCount(), 0)
            self._lines[key] = line
            self.session.insertRow(line.row)
            self.session.setItem(line.row, 0, QTableWidgetItem(product.name))
            self.session.setItem(line.row, 2, QTableWidgetItem(self.location.location_text()))
        line.quantity += quantity
        item = QTableWidgetItem(str(line.quantity))
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.session.setItem(line.row, 1, item)
        self.session.scrollToItem(item)
        return line.quantity

    # ------------------------------------------------------------------ touch actions

    def on_again_button_clicked(self) -> None:
        if self.current is not None and not self.busy:
            self._receive(self.current, self.keypad.value() or 1)

    def on_undo_button_clicked(self) -> None:
        if not self.last_op_ids:
            return
        confirm(
            self,
            f"{KEY}_undo_confirm",
            "Undo the last scan?",
            "The last received item will not be sent to the server.",
            self._undo_last,
        )

    def _undo_last(self) -> None:
        op_id = self.last_op_ids.pop()
        entry = self.desk.store.outbox.entry(op_id)
        if not self.desk.undo(op_id) or entry is None:
            self.feedback.show_warning("Too late to undo", "That scan was already sent to the server.")
        else:
            quantity = int(entry.command.payload["quantity"])
            location_id = entry.command.payload.get("location_id")
            self._take_from_session(int(entry.command.payload["product_id"]), location_id, quantity)
            self.feedback.show_ok(f"Undone: -{quantity}", "The last scan will not be sent.")
        self._update_buttons()

    def _take_from_session(self, product_id: int, location_id: int | None, quantity: int) -> None:
        line = self._lines.get((product_id, location_id))
        if line is not None:
            line.quantity -= quantity
            self.session.setItem(line.row, 1, QTableWidgetItem(str(line.quantity)))

    def after_barcode_assigned(self, code: str, product: ProductRow) -> None:
        self._receive(product, self.keypad.value() or 1)
        self.feedback.show_ok(f"+1  {product.name}", f"Barcode {code} assigned; the item was received.")

    def _update_buttons(self) -> None:
        self.again_button.setEnabled(self.current is not None)
        self.undo_button.setEnabled(bool(self.last_op_ids))


def _date_or_none(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text.strip()) if text.strip() else None


def _field(name: str, placeholder: str, parent: QWidget) -> QLineEdit:
    field = QLineEdit(parent)
    field.setObjectName(name)
    field.setPlaceholderText(placeholder)
    field.setMinimumHeight(TOUCH_HEIGHT_PX)
    font = field.font()
    font.setPointSize(15)
    field.setFont(font)
    return field


def _session_table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, 3, parent)
    table.setObjectName(f"{KEY}_session")
    table.setHorizontalHeaderLabels(["Product", "Quantity", "Location"])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(40)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return table
