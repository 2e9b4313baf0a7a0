"""Dialogs of the Customers and Orders screens: a customer (new or edited, with an address),
merging duplicates, and a return with what becomes of each line."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from fllc_desktop.ui.dialogs.user_dialogs import FormDialog

JsonObject = dict[str, Any]
ROW_PX = 44
ADDRESS_KEYS = ("line1", "line2", "city", "region", "postal_code", "country")


class CustomerDialog(FormDialog):
    """New customer, or an edit of ``customer``; the address fields add an address (optional)."""

    def __init__(self, customer: JsonObject | None = None, parent: QWidget | None = None) -> None:
        title = f"Edit {customer.get('name')}" if customer else "New customer"
        super().__init__("dialog_customer", title, "Save" if customer else "Create", parent)
        self.original = customer or {}
        self.name = self._line("name", "&Name", self.original.get("name"))
        self.email = self._line("email", "&Email", self.original.get("email"))
        self.phone = self._line("phone", "&Phone", self.original.get("phone"))
        self.form.add_section("Add an address (optional)" if customer else "Address (optional)")
        self.kind = QComboBox(self)
        self.kind.addItem("Shipping", "shipping")
        self.kind.addItem("Billing", "billing")
        self.form.add_field("kind", "&Kind", self.kind)
        self.address = {
            key: self._line(key, label, "US" if key == "country" else "")
            for key, label in (
                ("line1", "Street"),
                ("line2", "Line 2"),
                ("city", "&City"),
                ("region", "Region"),
                ("postal_code", "Post&code"),
                ("country", "Country"),
            )
        }
        self.address["country"].setMaxLength(2)
        self.resize(460, self.sizeHint().height())

    def _line(self, key: str, label: str, value: Any) -> QLineEdit:
        edit = QLineEdit("" if value is None else str(value), self)
        edit.setObjectName(f"customer_{key}")
        self.form.add_field(key, label, edit)
        return edit

    def address_values(self) -> JsonObject | None:
        values = {key: self.address[key].text().strip() for key in ADDRESS_KEYS}
        values["country"] = values["country"].upper()
        if not any(values[key] for key in ("line1", "city", "postal_code")):
            return None
        return {"kind": self.kind.currentData(), **values}

    def values(self) -> JsonObject:
        fields: JsonObject = {
            "name": self.name.text().strip(),
            "email": self.email.text().strip() or None,
            "phone": self.phone.text().strip() or None,
        }
        if self.original:  # an edit sends what changed
            fields = {k: v for k, v in fields.items() if v != self.original.get(k)}
        return fields

    def check(self, values: JsonObject) -> dict[str, list[str]]:
        if not self.name.text().strip():
            return {"name": ["a customer needs a name"]}
        address = self.address_values()
        if address is not None:
            missing = [key for key in ("line1", "city", "postal_code") if not address[key]]
            if missing:
                return {key: ["needed for an address"] for key in missing}
            if len(address["country"]) != 2:
                return {"country": ["two letters, e.g. US"]}
        return {}


class MergeDialog(FormDialog):
    """Keep ``keep``; tick the duplicates to fold into it."""

    def __init__(self, keep: JsonObject, candidates: list[JsonObject], parent: QWidget | None = None) -> None:
        super().__init__("dialog_merge", f"Merge duplicates into {keep.get('name')}", "Merge", parent)
        self.keep = keep
        self.candidates = [c for c in candidates if c.get("id") != keep.get("id")]
        self.form.add_section(
            "The ticked customers' orders, reviews and addresses move to "
            f"{keep.get('name')} (#{keep.get('id')}); the ticked customers are then removed."
        )
        self.table = QTableWidget(len(self.candidates), 3, self)
        self.table.setObjectName("merge_candidates")
        self.table.setHorizontalHeaderLabels(["Customer", "Email", "Phone"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, customer in enumerate(self.candidates):
            name = QTableWidgetItem(f"{customer.get('name')} (#{customer.get('id')})")
            name.setFlags(name.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            name.setCheckState(Qt.CheckState.Unchecked)
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, QTableWidgetItem(str(customer.get("email") or "")))
            self.table.setItem(row, 2, QTableWidgetItem(str(customer.get("phone") or "")))
        self.form.add_field("duplicate_ids", "Duplicates", self.table)
        self.table.itemChanged.connect(lambda _item: self.form.clear_errors())  # a tick answers it
        self.resize(620, 420)

    def _ticked(self, row: int) -> bool:
        item = self.table.item(row, 0)
        return item is not None and item.checkState() == Qt.CheckState.Checked

    def tick(self, customer_id: int) -> None:
        for row, customer in enumerate(self.candidates):
            item = self.table.item(row, 0)
            if customer.get("id") == customer_id and item is not None:
                item.setCheckState(Qt.CheckState.Checked)

    def values(self) -> JsonObject:
        ticked = [int(c["id"]) for row, c in enumerate(self.candidates) if self._ticked(row)]
        return {"duplicate_ids": ticked}

    def check(self, values: JsonObject) -> dict[str, list[str]]:
        return {} if values["duplicate_ids"] else {"duplicate_ids": ["tick at least one duplicate"]}


class ReturnDialog(FormDialog):
    """Units coming back per line, and for each: back to stock, or damaged (written off)."""

    def __init__(self, order: JsonObject, parent: QWidget | None = None) -> None:
        super().__init__("dialog_return", f"Return on {order.get('number')}", "Book the return", parent)
        self.order = order
        self.items = list(order.get("items") or [])
        self.table = QTableWidget(len(self.items), 4, self)
        self.table.setObjectName("return_lines")
        self.table.setHorizontalHeaderLabels(["Product", "Sold", "Returned", "What becomes of it"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.quantities: list[QSpinBox] = []
        self.dispositions: list[QComboBox] = []
        for row, item in enumerate(self.items):
            self.table.setItem(row, 0, QTableWidgetItem(f"{item.get('sku')} · {item.get('name')}"))
            self.table.setItem(row, 1, QTableWidgetItem(str(item.get("quantity"))))
            spin = QSpinBox(self.table)
            spin.setObjectName(f"return_quantity_{row}")
            spin.setRange(0, int(item.get("quantity") or 0))
            spin.setValue(int(item.get("quantity") or 0))
            self.table.setCellWidget(row, 2, spin)
            box = QComboBox(self.table)
            box.setObjectName(f"return_disposition_{row}")
            box.addItem("Back to stock", "restock")
            box.addItem("Damaged: write off", "damaged")
            self.table.setCellWidget(row, 3, box)
            self.quantities.append(spin)
            self.dispositions.append(box)
        rows = max([ROW_PX, *(w.sizeHint().height() + 6 for w in [*self.quantities, *self.dispositions])])
        self.table.verticalHeader().setDefaultSectionSize(rows)  # the spin boxes and choices fit
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.form.add_field("lines", "Lines", self.table)
        self.note = QLineEdit(self)
        self.note.setObjectName("return_note")
        self.note.setPlaceholderText("Why it came back (optional)")
        self.form.add_field("note", "&Note", self.note)
        self.resize(720, 380)

    def values(self) -> JsonObject:
        lines = [
            {
                "item_id": int(item["id"]),
                "quantity": self.quantities[row].value(),
                "disposition": self.dispositions[row].currentData(),
            }
            for row, item in enumerate(self.items)
            if self.quantities[row].value() > 0
        ]
        return {"lines": lines, "note": self.note.text().strip()}

    def check(self, values: JsonObject) -> dict[str, list[str]]:
        return {} if values["lines"] else {"lines": ["return at least one unit"]}
