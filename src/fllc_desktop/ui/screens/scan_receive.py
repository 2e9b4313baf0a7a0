"""Receive: every product scan is one intake op, committed to the outbox before the screen says so.

The flow on the floor: pick (or scan) the location once; set a quantity on the keypad when a box
holds more than one (default 1; a GS1 count pre-fills it); scan. Each scan is saved as its own op,
so ten scans are ten ops in order; scanning the same item again adds one more to its line. The lot
and expiry fields are for the next scan and stay for more scans of that product
(``fllc_desktop.floor.receiving``); a GS1 lot or expiry fills them. Goods past their expiry date get
their own colour and sound, or are refused when the site's settings say so. A scan that books
nothing clears the card, the fields and "Receive again", so nothing points at the previous product.
"Receive again" books the current item once more with the keypad quantity (touch only), and "Undo
last" takes back the last op while it is unsent. Scans kept from before a restart that are still
unsent are listed in the session, so no one scans them again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.domain.commands import CommandKind
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.floor.receiving import FIELDS_CAPTION, BadExpiryError, BatchFields, BatchValues, ExpiryState
from fllc_desktop.floor.views import Meaning, PendingOp, ProductRow, Resolved
from fllc_desktop.scanning.burst import Scan
from fllc_desktop.ui.dialogs.label_dialog import Labelled, ReceiptLabeller
from fllc_desktop.ui.screens.scan_base import TOUCH_HEIGHT_PX, ScanScreen
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
    kinds = (CommandKind.STOCK_INTAKE,)

    def __init__(
        self,
        desk: ScanDesk,
        router: ScanRouter | None = None,
        sounds: ScanSounds | None = None,
        parent: QWidget | None = None,
        *,
        labeller: ReceiptLabeller | None = None,
    ) -> None:
        super().__init__(KEY, desk, router, sounds, parent)
        self.labeller = labeller
        """Prints one label per item received, when this device's settings name a label printer."""
        if labeller is not None:
            labeller.setParent(self)
            labeller.sig_failed.connect(self.on_labeller_sig_failed)
        self.current: ProductRow | None = None
        self.last_op_ids: list[uuid.UUID] = []
        self._lines: dict[tuple[int, int | None], _Line] = {}
        self.batch = BatchFields()
        self._build()
        self.refresh()
        self._show_kept(desk.kept_ops(CommandKind.STOCK_INTAKE))

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        self.location = LocationPicker(f"{KEY}_location", parent=self)
        self.card = ProductCard(f"{KEY}_product", parent=self)
        self.lot = _field(f"{KEY}_lot", "Lot / batch", self)
        self.expiry = _field(f"{KEY}_expiry", "YYYY-MM-DD", self)
        self.lot.textEdited.connect(self.on_batch_field_edited)
        self.expiry.textEdited.connect(self.on_batch_field_edited)
        self.keypad = NumericKeypad(f"{KEY}_quantity", self)
        self.again_button = self.touch_button("Receive again", f"{KEY}_again")
        self.undo_button = self.touch_button("Undo last", f"{KEY}_undo")
        self.session = _session_table(self)
        self.again_button.clicked.connect(self.on_again_button_clicked)
        self.undo_button.clicked.connect(self.on_undo_button_clicked)
        self.lay_out_columns(self._left_column(), self._right_column(), above=[self.location])
        self._update_buttons()

    def _left_column(self) -> QVBoxLayout:
        form = QHBoxLayout()  # one row, so that the screen fits an 800 px tablet
        for text, field in (("Lot", self.lot), ("Expiry", self.expiry)):
            label = QLabel(text, self)
            label.setBuddy(field)
            form.addWidget(label)
            form.addWidget(field, 1)
        caption = QLabel(FIELDS_CAPTION, self)
        caption.setObjectName(f"{KEY}_batch_caption")
        caption.setProperty("role", "muted")
        caption.setWordWrap(True)
        column = QVBoxLayout()
        column.addWidget(self.card)
        column.addWidget(caption)
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
        self.location.set_locations(self.desk.locations(), self.desk.default_location_id)

    # ------------------------------------------------------------------ scans

    def handle(self, scan: Scan, resolved: Resolved) -> None:
        if resolved.meaning is Meaning.PRODUCT and resolved.product is not None:
            self._receive_scanned(resolved)
        elif resolved.meaning is Meaning.LOCATION and resolved.location is not None:
            self.location.set_location(int(resolved.location["id"]))
            self.feedback.show_ok(f"Location {resolved.location['code']}", "The next scans go here.")
        elif resolved.meaning is Meaning.PURCHASE_ORDER:
            self._forget_current("Nothing received: that was a purchase order")
            self.feedback.show_warning(
                "That is a purchase order", "To receive against it, open “Receive PO” and scan it there."
            )
        else:
            self._forget_current("Nothing received for the last scan")
            self.explain_problem(resolved)

    def refused_by_server(self, ops: list[PendingOp]) -> None:
        """Not received after all: off the session list, and off the card and "Receive again"."""
        for op in ops:
            if op.product_id is None:
                continue
            self._take_from_session(op.product_id, op.location_id, op.quantity or 0)
            if self.current is not None and self.current.id == op.product_id:
                self._forget_current("NOT received: the server refused the last one")

    def explain_fragment(self, text: str) -> None:
        """A scan cut off: the card and "Receive again" no longer point at the previous product
        (the fragment may have been another one). The lot and expiry stay: the person scans the
        same item again, and they never go with another product they were not typed for."""
        self._forget_current("Nothing received for the last scan", keep_fields=True)
        super().explain_fragment(text)

    def _receive_scanned(self, resolved: Resolved) -> None:
        product = resolved.product
        assert product is not None
        decoded = resolved.decoded
        try:
            values = self.batch.for_scan(product.id, decoded)
        except BadExpiryError as exc:
            self._show_batch()
            self._forget_current("Nothing received: fix the expiry date and scan again", keep_fields=True)
            self.feedback.show_error("NOT saved — check the expiry date", str(exc))
            return
        self._show_batch()
        quantity = self.keypad.value() or decoded.count or 1
        self._receive(product, quantity, values, warnings=decoded.warnings)

    def _receive(
        self, product: ProductRow, quantity: int, values: BatchValues, *, warnings: tuple[str, ...] = ()
    ) -> None:
        check = self.desk.check_expiry(values.expiry)
        if check.refused:
            self._forget_current(f"NOT received: {product.name} is expired")
            self.feedback.show_expired(f"NOT received — {product.name} is expired", check.message)
            return
        location_id = self.location.location_id()
        entry = self.desk.receive(
            product.id, quantity, location_id=location_id, lot=values.lot, expiry=values.expiry
        )
        # Committed: only now tell the person (and label the items).
        if self.labeller is not None:
            self.labeller.label_received(
                Labelled(product.sku, product.name, product.barcode, product.price), quantity
            )
        self.batch.booked(product.id)
        self.current = product
        self.last_op_ids.append(entry.op_id)
        self.keypad.clear()
        total = self._add_to_session(product, quantity, location_id)
        self._show_current(product)
        title = f"+{quantity}  {product.name}"
        saved = f"{self.saved_text} · {self.location.location_text()} · {total} received in this session"
        lines = [f"{saved} · {values.text}" if values.text else saved]  # one line: the screen fits 800 px
        if check.state is ExpiryState.EXPIRED:
            self.feedback.show_expired(f"{title} — EXPIRED", "\n".join([*lines, check.message]))
        elif check.state is ExpiryState.NEAR or warnings:
            self.feedback.show_warning(title, "\n".join([*lines, check.message or warnings[0]]))
        else:
            self.feedback.show_ok(title, "\n".join(lines))
        self._update_buttons()

    def on_labeller_sig_failed(self, reason: str) -> None:
        self.feedback.show_warning("Received — but the label was not printed", reason)

    def _forget_current(self, text: str, *, keep_fields: bool = False) -> None:
        """A scan booked nothing: the card, "Receive again" and the lot/expiry no longer point at
        the previous product."""
        self.current = None
        self.card.clear(text)
        if not keep_fields:
            self.batch.clear()
            self._show_batch()
        self._update_buttons()

    def _show_batch(self) -> None:
        self.lot.setText(self.batch.lot)
        self.expiry.setText(self.batch.expiry)

    def on_batch_field_edited(self, _text: str) -> None:
        self.batch.edit(self.lot.text(), self.expiry.text())

    def catalog_changed(self) -> None:
        """Sync settled ops or pulled changes: show the current product as it is now."""
        if self.current is not None:
            product = self.desk.product(self.current.id)
            if product is None:
                self._forget_current("The product was deleted on the server")
                return
            self.current = product
            self._show_current(product)

    def _show_kept(self, kept: list[PendingOp]) -> None:
        """Scans saved before a restart and not sent yet: in the session list, and said once."""
        for op in kept:
            if op.product_id is None or op.quantity is None:
                continue
            product = self.desk.product(op.product_id)
            name = product.name if product is not None else f"Product {op.product_id}"
            self._add_to_session_row(op.product_id, name, op.quantity, op.location_id, kept=True)
        self.announce_kept(kept, "scan")

    def _show_current(self, product: ProductRow) -> None:
        shown = self.desk.shown_quantity(product)
        codes = f"SKU {product.sku}" + (f" · {product.barcode}" if product.barcode else "")
        self.card.show_product(product.name, codes, shown.text, pending=bool(shown.pending))

    def _add_to_session(self, product: ProductRow, quantity: int, location_id: int | None) -> int:
        return self._add_to_session_row(product.id, product.name, quantity, location_id)

    def _add_to_session_row(
        self, product_id: int, name: str, quantity: int, location_id: int | None, *, kept: bool = False
    ) -> int:
        key = (product_id, location_id)
        line = self._lines.get(key)
        if line is None:
            line = _Line(self.session.rowCount(), 0)
            self._lines[key] = line
            self.session.insertRow(line.row)
            shown = f"{name} (kept from before)" if kept else name
            self.session.setItem(line.row, 0, QTableWidgetItem(shown))
            self.session.setItem(line.row, 2, QTableWidgetItem(self.location.text_for(location_id)))
        line.quantity += quantity
        item = QTableWidgetItem(str(line.quantity))
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.session.setItem(line.row, 1, item)
        self.session.scrollToItem(item)
        return line.quantity

    # ------------------------------------------------------------------ touch actions

    def on_again_button_clicked(self) -> None:
        if self.current is not None and not self.busy:
            try:
                values = self.batch.for_scan(self.current.id)
            except BadExpiryError as exc:
                self.feedback.show_error("NOT saved — check the expiry date", str(exc))
                return
            self._receive(self.current, self.keypad.value() or 1, values)

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
        undone = self.desk.undo(self.last_op_ids.pop())
        if undone is None:
            self.feedback.show_warning("Too late to undo", "That scan was already sent to the server.")
        else:
            quantity = undone.quantity or 0
            if undone.product_id is not None:
                self._take_from_session(undone.product_id, undone.location_id, quantity)
            self.feedback.show_ok(f"Undone: -{quantity}", "The last scan will not be sent.")
        self._update_buttons()

    def _take_from_session(self, product_id: int, location_id: int | None, quantity: int) -> None:
        line = self._lines.get((product_id, location_id))
        if line is not None:
            line.quantity -= quantity
            self.session.setItem(line.row, 1, QTableWidgetItem(str(line.quantity)))

    def after_barcode_assigned(self, code: str, product: ProductRow) -> None:
        try:
            values = self.batch.for_scan(product.id)
        except BadExpiryError:
            values = BatchValues(self.batch.lot.strip() or None, None)
        self._receive(product, self.keypad.value() or 1, values)
        if self.current is not None and self.current.id == product.id:
            self.feedback.show_ok(f"+1  {product.name}", f"Barcode {code} assigned; the item was received.")

    def _update_buttons(self) -> None:
        self.again_button.setEnabled(self.current is not None)
        self.undo_button.setEnabled(bool(self.last_op_ids))


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
