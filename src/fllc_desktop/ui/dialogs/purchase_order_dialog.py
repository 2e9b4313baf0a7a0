"""Make a purchase order from scratch or edit a draft: supplier, receiving location, expected date,
notes and lines (a product by SKU or barcode, quantity, unit cost). The dialog says what to send;
the screen sends it and shows the server's refusal here until it says yes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api import Page
from fllc_desktop.api.errors import ApiError, ConflictError, ValidationError
from fllc_desktop.qt.services import CatalogService, Lookups, OrderEdit, ProductQuery
from fllc_desktop.ui.widgets.form import ErrorForm
from fllc_desktop.ui.widgets.inputs import IdComboBox, MoneyEdit

JsonObject = dict[str, Any]
MAX_QUANTITY = 1_000_000


class PurchaseOrderDialog(QDialog):
    sig_create_requested = Signal(dict)  # the body of POST /purchase-orders
    sig_edit_requested = Signal(object)  # an OrderEdit of this draft

    def __init__(
        self,
        catalog: CatalogService,
        lookups: Lookups,
        order: JsonObject | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dialog_purchase_order")
        self._catalog = catalog
        self.original: JsonObject = dict(order or {})
        self.setWindowTitle(f"Edit {self.original['number']}" if order else "New purchase order")
        self.lines: list[JsonObject] = [dict(line) for line in self.original.get("lines") or []]
        self.form = ErrorForm("po_form", self)
        self.supplier = IdComboBox("po_field_supplier", "— choose a supplier —", self)
        self.supplier.set_entities(lookups.suppliers)
        self.location = IdComboBox("po_field_location", "— the default location —", self)
        self.location.set_entities(lookups.locations, label_key="code")
        self.has_expected = QCheckBox("Expected on", self)
        self.has_expected.setObjectName("po_field_has_expected")
        self.expected = QDateEdit(QDate.currentDate().addDays(7), self)
        self.expected.setObjectName("po_field_expected_at")
        self.expected.setCalendarPopup(True)
        self.expected.setDisplayFormat("yyyy-MM-dd")
        self.has_expected.toggled.connect(self.expected.setEnabled)
        expected_row = QWidget(self)
        expected_layout = QHBoxLayout(expected_row)
        expected_layout.setContentsMargins(0, 0, 0, 0)
        expected_layout.addWidget(self.has_expected)
        expected_layout.addWidget(self.expected, 1)
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("po_field_notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(56)
        self.form.add_field("supplier_id", "&Supplier", self.supplier)
        self.form.add_field("location_id", "&Receive at", self.location)
        self.form.add_field("expected_at", "E&xpected", expected_row)
        self.form.add_field("notes", "&Notes", self.notes)
        self._build_lines()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("po_save")
        self.buttons.accepted.connect(self.on_save_clicked)
        self.buttons.rejected.connect(self.reject)
        # Enter in the product field adds the line; it must not press Save as well
        for button in (
            self.add_button,
            self.remove_button,
            self.save_button,
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel),
        ):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.supplier.currentIndexChanged.connect(lambda _index: self.form.clear_errors())
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self._lines_box, 1)
        layout.addWidget(self.buttons)
        self._load()
        self.resize(760, 620)

    def _build_lines(self) -> None:
        self._lines_box = QWidget(self)
        self.product_code = QLineEdit(self._lines_box)
        self.product_code.setObjectName("po_add_code")
        self.product_code.setPlaceholderText("SKU or barcode of a product to add")
        self.add_button = QPushButton("&Add line", self._lines_box)
        self.add_button.setObjectName("po_add_line")
        self.remove_button = QPushButton("&Remove line", self._lines_box)
        self.remove_button.setObjectName("po_remove_line")
        self.add_note = QLabel(self._lines_box)
        self.add_note.setObjectName("po_add_note")
        self.add_note.setProperty("role", "error")
        self.table = QTableWidget(0, 4, self._lines_box)
        self.table.setObjectName("po_edit_lines")
        self.table.setHorizontalHeaderLabels(["SKU", "Name", "Quantity", "Unit cost"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.total = QLabel(self._lines_box)
        self.total.setObjectName("po_edit_total")
        top = QHBoxLayout()
        top.addWidget(self.product_code, 1)
        top.addWidget(self.add_button)
        top.addWidget(self.remove_button)
        layout = QVBoxLayout(self._lines_box)
        layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("Lines", self._lines_box)
        heading.setProperty("role", "heading")
        layout.addWidget(heading)
        layout.addLayout(top)
        layout.addWidget(self.add_note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total)
        self.add_note.hide()
        self.add_button.clicked.connect(self.on_add_clicked)
        self.product_code.returnPressed.connect(self.on_add_clicked)
        self.remove_button.clicked.connect(self.on_remove_clicked)

    def _load(self) -> None:
        order = self.original
        self.supplier.set_value(order.get("supplier_id"))
        self.location.set_value(order.get("location_id"))
        expected = order.get("expected_at")
        self.has_expected.setChecked(bool(expected))
        self.expected.setEnabled(bool(expected))
        if expected:
            self.expected.setDate(QDate.fromString(str(expected), "yyyy-MM-dd"))
        self.notes.setPlainText(str(order.get("notes") or ""))
        self._show_lines()

    # -- lines ------------------------------------------------------------------------------------
    def _show_lines(self) -> None:
        self.table.setRowCount(len(self.lines))
        for row, line in enumerate(self.lines):
            self.table.setItem(row, 0, QTableWidgetItem(str(line.get("sku") or "")))
            self.table.setItem(row, 1, QTableWidgetItem(str(line.get("name") or "")))
            quantity = QSpinBox(self.table)
            quantity.setObjectName(f"po_line_quantity_{row}")
            quantity.setRange(1, MAX_QUANTITY)
            quantity.setValue(int(line.get("ordered_quantity") or 1))
            quantity.valueChanged.connect(lambda value, line=line: self._set(line, "ordered_quantity", value))
            self.table.setCellWidget(row, 2, quantity)
            cost = MoneyEdit(f"po_line_cost_{row}", self.table)
            cost.setText(str(line.get("unit_cost") or "0.00"))
            cost.textChanged.connect(
                lambda _text, line=line, cost=cost: self._set(line, "unit_cost", cost.value())
            )
            self.table.setCellWidget(row, 3, cost)
        self.table.resizeRowsToContents()
        self._show_total()

    def _set(self, line: JsonObject, key: str, value: Any) -> None:
        line[key] = value
        self._show_total()

    def _show_total(self) -> None:
        total = Decimal(0)
        for line in self.lines:
            try:
                total += Decimal(str(line.get("unit_cost") or 0)) * int(line.get("ordered_quantity") or 0)
            except InvalidOperation:
                continue
        count = len(self.lines)
        self.total.setText(f"{count} line{'s' if count != 1 else ''} · total {total:,.2f}")

    def on_add_clicked(self) -> None:
        code = self.product_code.text().strip()
        if not code:
            return
        self.add_button.setEnabled(False)
        self._catalog.search_products(ProductQuery(text=code, per_page=10)).then(
            lambda page: self.on_found(code, page), self.on_add_failed, self
        )

    def on_found(self, code: str, page: Page) -> None:
        self.add_button.setEnabled(True)
        exact = [p for p in page.items if code.lower() in {str(p.get("sku")).lower(), str(p.get("barcode"))}]
        product = exact[0] if exact else (page.items[0] if len(page.items) == 1 else None)
        if product is None:
            self.add_note.setText(f"No single product is {code!r}: type its SKU or barcode.")
            self.add_note.show()
            return
        self.add_note.hide()
        self.product_code.clear()
        existing = next((ln for ln in self.lines if ln.get("product_id") == product["id"]), None)
        if existing is not None:
            existing["ordered_quantity"] = int(existing.get("ordered_quantity") or 0) + 1
        else:
            suggested = max(1, int(product.get("reorder_quantity") or 0))
            self.lines.append(
                {
                    "product_id": product["id"],
                    "sku": product.get("sku"),
                    "name": product.get("name"),
                    "ordered_quantity": suggested,
                    "unit_cost": str(product.get("unit_cost") or "0.00"),
                }
            )
        self._show_lines()

    def on_add_failed(self, error: ApiError) -> None:
        self.add_button.setEnabled(True)
        self.add_note.setText(f"{error.title}: {error.message}")
        self.add_note.show()

    def on_remove_clicked(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.lines):
            del self.lines[row]
            self._show_lines()

    # -- saving -----------------------------------------------------------------------------------
    def header(self) -> JsonObject:
        expected = self.expected.date() if self.has_expected.isChecked() else None
        return {
            "supplier_id": self.supplier.value(),
            "location_id": self.location.value(),
            "notes": self.notes.toPlainText().strip(),
            "expected_at": dt.date(expected.year(), expected.month(), expected.day()).isoformat()
            if expected is not None
            else None,
        }

    def _line_body(self, line: JsonObject) -> JsonObject:
        return {
            "product_id": line["product_id"],
            "ordered_quantity": int(line["ordered_quantity"]),
            "unit_cost": str(line.get("unit_cost") or "0.00"),
        }

    def edit(self) -> OrderEdit:
        header = self.header()
        changed_header = {k: v for k, v in header.items() if v != self.original.get(k)}
        if changed_header.get("location_id", 0) is None or changed_header.get("expected_at", 0) is None:
            # the server's PATCH cannot clear these: leave them as they are
            changed_header = {k: v for k, v in changed_header.items() if v is not None}
        before = {line["id"]: line for line in self.original.get("lines") or []}
        kept = {line["id"]: line for line in self.lines if "id" in line}
        changed: dict[int, JsonObject] = {}
        for line_id, line in kept.items():
            old = before[line_id]
            diff: JsonObject = {}
            if int(line["ordered_quantity"]) != int(old.get("ordered_quantity") or 0):
                diff["ordered_quantity"] = int(line["ordered_quantity"])
            if str(line.get("unit_cost")) != str(old.get("unit_cost")):
                diff["unit_cost"] = str(line.get("unit_cost"))
            if diff:
                changed[int(line_id)] = diff
        return OrderEdit(
            version=int(self.original.get("version") or 1),
            header=changed_header,
            removed=[int(line_id) for line_id in before if line_id not in kept],
            changed=changed,
            added=[self._line_body(line) for line in self.lines if "id" not in line],
        )

    def on_save_clicked(self) -> None:
        header = self.header()
        if header["supplier_id"] is None:
            self.form.show_errors({"supplier_id": ["Choose the supplier to order from."]})
            return
        if not self.lines:
            self.form.show_errors({}, "Add at least one line.")
            return
        self.form.clear_errors()
        self.save_button.setEnabled(False)
        if "id" in self.original:
            self.sig_edit_requested.emit(self.edit())
        else:
            body = {k: v for k, v in header.items() if v not in (None, "")}
            body["lines"] = [self._line_body(line) for line in self.lines]
            self.sig_create_requested.emit(body)

    def show_refusal(self, error: ApiError) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, ValidationError):
            self.form.show_errors(error.field_errors, "" if error.field_errors else error.message)
        elif isinstance(error, ConflictError):
            self.form.show_errors(
                {}, "The order was changed elsewhere meanwhile: close this and open it again."
            )
        else:
            self.form.show_errors({}, f"{error.title}: {error.message}")
