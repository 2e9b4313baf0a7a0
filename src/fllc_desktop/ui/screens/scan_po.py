"""Receive against a purchase order: pick an open order (or scan its number), scan its goods.

Each line shows ordered, received (including this user's receipts not synced yet) and a progress
bar. A scan of a product on the order books a ``po.receive`` op for its line; a scan that would take
a line past its ordered quantity asks first, and scans keep queueing while the question is open.
After a restart the screen says how many receipts were kept unsent from before, opens the order they
belong to, and marks their lines ("kept from before") until they are sent.

When the supplier sent a ship notice (EDI 856), its cartons are listed under the lines; scanning a
carton's SSCC-18 label (GS1 AI 00) receives its whole contents with one op, with the same
over-receipt question when a line would go past its ordered quantity.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHeaderView,
    QMessageBox,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.domain.commands import CommandKind
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.floor.receiving import ExpiryState
from fllc_desktop.floor.views import Carton, Meaning, PoLine, Resolved
from fllc_desktop.scanning.burst import Scan
from fllc_desktop.ui.screens.scan_base import TOUCH_HEIGHT_PX, ScanScreen
from fllc_desktop.ui.screens.scan_routing import ScanRouter
from fllc_desktop.ui.widgets.scan_feedback import ScanSounds
from fllc_desktop.ui.widgets.scan_keypad import NumericKeypad
from fllc_desktop.ui.widgets.scan_location import LocationPicker

KEY = "scan_po_receive"
RECEIVABLE = frozenset({"submitted", "partially_received", "open", "ordered"})
JsonObject = dict[str, Any]


class ReceivePoScreen(ScanScreen):
    kinds = (CommandKind.PO_RECEIVE,)

    def __init__(
        self,
        desk: ScanDesk,
        router: ScanRouter | None = None,
        sounds: ScanSounds | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(KEY, desk, router, sounds, parent)
        self.order: JsonObject | None = None
        self.lines: list[PoLine] = []
        self.over_receipt_box: QMessageBox | None = None
        self.kept = desk.kept_ops(CommandKind.PO_RECEIVE)
        self.cartons: list[Carton] = []
        self._build()
        self.refresh()
        self._show_kept()

    def _build(self) -> None:
        self.orders = QComboBox(self)
        self.orders.setObjectName(f"{KEY}_order")
        self.orders.setMinimumHeight(TOUCH_HEIGHT_PX)
        self.orders.currentIndexChanged.connect(self.on_orders_current_index_changed)
        self.location = LocationPicker(f"{KEY}_location", "The order's location", self)
        self.table = _lines_table(self)
        self.carton_table = _cartons_table(self)
        self.keypad = NumericKeypad(f"{KEY}_quantity", self)
        layout = QGridLayout(self)
        layout.addLayout(self.feedback_block(), 0, 0, 1, 2)
        layout.addWidget(self.orders, 1, 0, 1, 2)
        layout.addWidget(self.location, 2, 0, 1, 2)
        left = QVBoxLayout()
        left.addWidget(self.table, 3)
        left.addWidget(self.carton_table, 2)
        layout.addLayout(left, 3, 0)
        right = QVBoxLayout()
        right.addWidget(self.keypad)
        right.addStretch(1)
        layout.addLayout(right, 3, 1)
        layout.addWidget(self.manual, 4, 0, 1, 2)
        layout.setColumnStretch(0, 3)
        layout.setColumnStretch(1, 1)

    def refresh(self) -> None:
        self.location.set_locations(self.desk.locations())
        chosen = self.order["id"] if self.order else None
        self.orders.blockSignals(True)
        self.orders.clear()
        self.orders.addItem("Choose an open purchase order, or scan its number", None)
        for order in self.desk.open_purchase_orders():
            if str(order.get("status")) in RECEIVABLE:
                self.orders.addItem(f"{order.get('number')} · {order.get('status')}", order)
        self.orders.blockSignals(False)
        index = next((i for i in range(1, self.orders.count()) if self.orders.itemData(i)["id"] == chosen), 0)
        self.orders.setCurrentIndex(index)
        self._load_lines()

    def catalog_changed(self) -> None:
        """Sync sent receipts or pulled the order: show its lines as they are now."""
        if self.over_receipt_box is None:
            self._load_lines()

    def _show_kept(self) -> None:
        """Receipts saved before a restart and not sent yet: their order opened, said once."""
        if not self.kept:
            return
        numbers = {int(o["id"]): str(o.get("number")) for o in self.desk.open_purchase_orders()}
        orders = dict.fromkeys(numbers.get(op.purchase_order_id or 0, "?") for op in self.kept)
        latest = self.kept[-1].purchase_order_id
        if self.order is None and latest is not None:
            self.open_order({"id": latest})
        self.announce_kept(self.kept, "receipt", f"Order {', '.join(orders)}. ")

    def _kept_quantity(self, line: PoLine) -> int:
        """Of the line's pending receipts, how many units were kept from before the restart."""
        kept = sum(op.quantity or 0 for op in self.kept if op.line_id == line.id)
        return min(kept, line.pending)

    # ------------------------------------------------------------------ the order

    def on_orders_current_index_changed(self, index: int) -> None:
        data = self.orders.itemData(index)
        self.order = dict(data) if isinstance(data, dict) else None
        self._load_lines()

    def open_order(self, order: JsonObject) -> bool:
        for index in range(1, self.orders.count()):
            if self.orders.itemData(index)["id"] == order["id"]:
                self.orders.setCurrentIndex(index)
                return True
        return False

    def _load_lines(self) -> None:
        self.lines = self.desk.purchase_order_lines(int(self.order["id"])) if self.order else []
        self.table.setRowCount(len(self.lines))
        for row, line in enumerate(self.lines):
            self._show_line(row, line)
        self._load_cartons()

    def _load_cartons(self) -> None:
        self.cartons = self.desk.cartons(int(self.order["id"])) if self.order else []
        self.carton_table.setVisible(bool(self.cartons))
        self.carton_table.setRowCount(len(self.cartons))
        for row, carton in enumerate(self.cartons):
            contents = ", ".join(f"{c.quantity} x {c.sku}" for c in carton.contents)
            for column, value in enumerate((carton.sscc, contents, str(carton.units), carton.state)):
                self.carton_table.setItem(row, column, QTableWidgetItem(value))

    def _show_line(self, row: int, line: PoLine) -> None:
        values = [line.sku, line.name, str(line.ordered), _received_text(line, self._kept_quantity(line))]
        for column, value in enumerate(values):
            self.table.setItem(row, column, QTableWidgetItem(value))
        bar = self.table.cellWidget(row, 4)
        if not isinstance(bar, QProgressBar):  # one bar per row, kept across reloads
            bar = QProgressBar(self.table)
            self.table.setCellWidget(row, 4, bar)
        bar.setObjectName(f"{KEY}_progress_{line.id}")
        bar.setRange(0, max(1, line.ordered))
        bar.setValue(min(line.received_total, max(1, line.ordered)))
        bar.setFormat(f"{line.received_total}/{line.ordered}")

    # ------------------------------------------------------------------ scans

    def handle(self, scan: Scan, resolved: Resolved) -> None:
        if resolved.meaning is Meaning.PURCHASE_ORDER and resolved.purchase_order is not None:
            self._scanned_order(resolved.purchase_order)
        elif resolved.meaning is Meaning.LOCATION and resolved.location is not None:
            self.location.set_location(int(resolved.location["id"]))
            self.feedback.show_ok(f"Location {resolved.location['code']}", "The next receipts go here.")
        elif resolved.meaning is Meaning.PRODUCT and resolved.product is not None:
            self._scanned_product(resolved)
        elif resolved.meaning is Meaning.CARTON and resolved.carton is not None:
            self._scanned_carton(resolved.carton)
        else:
            self.explain_problem(resolved)

    def _scanned_order(self, order: JsonObject) -> None:
        if self.open_order(order):
            self.feedback.show_ok(f"Order {order.get('number')}", f"{len(self.lines)} lines. Scan the goods.")
        else:
            self.feedback.show_error(
                f"Order {order.get('number')} cannot be received", f"Its status is {order.get('status')}."
            )

    def _scanned_product(self, resolved: Resolved) -> None:
        product = resolved.product
        assert product is not None
        if self.order is None:
            self.feedback.show_error("Choose a purchase order first", "Pick it above or scan its number.")
            return
        row, line = self._line_of(product.id)
        if line is None:
            self.feedback.show_error(
                f"{product.name} is not on this order", f"Order {self.order.get('number')}"
            )
            return
        quantity = self.keypad.value() or resolved.decoded.count or 1
        if line.would_over_receive(quantity):
            self._ask_over_receipt(row, line, quantity, resolved)
        else:
            self._receive(row, line, quantity, resolved)

    def _scanned_carton(self, carton: Carton) -> None:
        if self.order is None or int(self.order["id"]) != carton.purchase_order_id:
            order = next(
                (o for o in self.desk.open_purchase_orders() if o.get("id") == carton.purchase_order_id), None
            )
            if order is None or not self.open_order(order):
                self.feedback.show_error(f"Carton {carton.sscc}", "Its purchase order cannot be received.")
                return
        if carton.received or carton.pending:
            self.feedback.show_error(f"Carton {carton.sscc} is received already", carton.state.capitalize())
            return
        lines = {line.id: (row, line) for row, line in enumerate(self.lines)}
        over = [
            (lines[c.line_id][1], c.quantity)
            for c in carton.contents
            if c.line_id in lines and lines[c.line_id][1].would_over_receive(c.quantity)
        ]
        if over:
            text = "\n".join(_over_text(line, quantity) for line, quantity in over)
            self._ask(text, f"Over-receipt: carton {carton.sscc}", lambda: self._receive_carton(carton))
        else:
            self._receive_carton(carton)

    def _receive_carton(self, carton: Carton) -> None:
        self.desk.receive_carton(carton, location_id=self.location.location_id())
        # Committed: only now tell the person.
        for content in carton.contents:
            for row, line in enumerate(self.lines):
                if line.id == content.line_id:
                    self.lines[row] = replace(line, pending=line.pending + content.quantity)
                    self._show_line(row, self.lines[row])
        self._load_cartons()
        self.feedback.show_ok(
            f"Carton {carton.sscc}: +{carton.units}",
            f"{self.saved_text} · " + ", ".join(f"{c.quantity} x {c.sku}" for c in carton.contents),
        )

    def _line_of(self, product_id: int) -> tuple[int, PoLine | None]:
        candidates = [(row, line) for row, line in enumerate(self.lines) if line.product_id == product_id]
        open_ones = [(row, line) for row, line in candidates if line.remaining > 0]
        found = open_ones or candidates
        return found[0] if found else (-1, None)

    def _ask_over_receipt(self, row: int, line: PoLine, quantity: int, resolved: Resolved) -> None:
        self._ask(
            _over_text(line, quantity),
            f"Over-receipt: {line.name}",
            lambda: self._receive(row, line, quantity, resolved),
            f"{line.name}: nothing was booked.",
        )

    def _ask(self, text: str, title: str, receive: Any, refused: str = "Nothing was booked.") -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "More than ordered", text, parent=self)
        box.setObjectName(f"{KEY}_over_receipt")
        yes = box.addButton("Receive anyway", QMessageBox.ButtonRole.AcceptRole)
        yes.setObjectName(f"{KEY}_over_receipt_yes")
        no = box.addButton("Do not receive", QMessageBox.ButtonRole.RejectRole)
        no.setObjectName(f"{KEY}_over_receipt_no")
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        self.over_receipt_box = box
        self.feedback.show_warning(title, text)

        def on_box_finished(_result: int) -> None:
            self.over_receipt_box = None
            if box.clickedButton() is yes:
                receive()
            else:
                self.feedback.show_warning("Not received", refused)
            self.set_busy(False)

        box.finished.connect(on_box_finished)
        self.set_busy(True)
        box.open()

    def _receive(self, row: int, line: PoLine, quantity: int, resolved: Resolved) -> None:
        decoded = resolved.decoded
        check = self.desk.check_expiry(decoded.expiry)
        if check.refused:
            self.feedback.show_expired(f"NOT received — {line.name} is expired", check.message)
            return
        self.desk.receive_po_line(
            line, quantity, location_id=self.location.location_id(), lot=decoded.lot, expiry=decoded.expiry
        )
        # Committed: only now tell the person.
        updated = replace(line, pending=line.pending + quantity)
        self.lines[row] = updated
        self._show_line(row, updated)
        self.keypad.clear()
        title = f"+{quantity}  {line.name}"
        detail = f"{self.saved_text} · {updated.received_total} of {updated.ordered} received"
        if check.state is ExpiryState.EXPIRED:
            self.feedback.show_expired(f"{title} — EXPIRED", f"{detail}\n{check.message}")
        elif check.state is ExpiryState.NEAR:
            self.feedback.show_warning(title, f"{detail}\n{check.message}")
        else:
            self.feedback.show_ok(title, detail)


def _received_text(line: PoLine, kept: int = 0) -> str:
    if not line.pending:
        return str(line.received)
    from_before = f" · {kept} kept from before" if kept else ""
    return f"{line.received_total} (+{line.pending} pending{from_before})"


def _over_text(line: PoLine, quantity: int) -> str:
    return (
        f"{line.name}: {line.ordered} ordered, {line.received_total} received. "
        f"Receiving {quantity} more makes {line.received_total + quantity}, "
        f"{line.received_total + quantity - line.ordered} more than ordered."
    )


def _cartons_table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, 4, parent)
    table.setObjectName(f"{KEY}_cartons")
    table.setHorizontalHeaderLabels(["Carton (SSCC)", "Contents", "Units", "State"])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    for column in (0, 2, 3):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setDefaultSectionSize(40)
    table.setVisible(False)
    return table


def _lines_table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, 5, parent)
    table.setObjectName(f"{KEY}_lines")
    table.setHorizontalHeaderLabels(["SKU", "Product", "Ordered", "Received", "Progress"])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(44)
    table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    # "3 (+3 pending · 3 kept from before)" on one line: the name column gives way
    table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
    return table
