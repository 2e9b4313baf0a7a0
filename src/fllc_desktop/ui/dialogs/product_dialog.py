"""Create or edit a product. The dialog keeps what was typed until the server has said yes."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from fllc_desktop.ui.widgets.form import ErrorForm
from fllc_desktop.ui.widgets.inputs import IdComboBox, MoneyEdit, count_box

JsonObject = dict[str, Any]
EDITABLE = (
    "sku",
    "barcode",
    "name",
    "description",
    "category_id",
    "supplier_id",
    "unit_cost",
    "price",
    "reorder_point",
    "reorder_quantity",
)


class ProductDialog(QDialog):
    sig_save_requested = Signal(dict)  # the fields to send (all for a new product, changes for an edit)

    def __init__(
        self,
        product: JsonObject | None,
        categories: list[JsonObject],
        suppliers: list[JsonObject],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dialog_product")
        self.original: JsonObject = dict(product or {})
        self.setWindowTitle(f"Edit {self.original['sku']}" if product else "New product")
        self.form = ErrorForm("product_form", self)
        self._build_fields(categories, suppliers)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("product_save")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setObjectName("product_cancel")
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self.load(self.original)
        self.resize(480, self.sizeHint().height())

    @property
    def is_new(self) -> bool:
        return "id" not in self.original

    def _build_fields(self, categories: list[JsonObject], suppliers: list[JsonObject]) -> None:
        self.sku = QLineEdit(self)
        self.barcode = QLineEdit(self)
        self.name = QLineEdit(self)
        self.description = QPlainTextEdit(self)
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(64)
        self.category = IdComboBox("field_category_id", parent=self)
        self.category.set_entities(categories)
        self.supplier = IdComboBox("field_supplier_id", parent=self)
        self.supplier.set_entities(suppliers)
        self.unit_cost = MoneyEdit("field_unit_cost", self)
        self.price = MoneyEdit("field_price", self)
        self.reorder_point = count_box("field_reorder_point", parent=self)
        self.reorder_quantity = count_box("field_reorder_quantity", parent=self)
        for key, label, widget in (
            ("sku", "&SKU", self.sku),
            ("barcode", "&Barcode", self.barcode),
            ("name", "&Name", self.name),
            ("description", "&Description", self.description),
            ("category_id", "&Category", self.category),
            ("supplier_id", "Su&pplier", self.supplier),
            ("unit_cost", "Unit &cost", self.unit_cost),
            ("price", "&Price", self.price),
            ("reorder_point", "&Reorder point", self.reorder_point),
            ("reorder_quantity", "Reorder &quantity", self.reorder_quantity),
        ):
            self.form.add_field(key, label, widget)

    def set_lookups(self, categories: list[JsonObject], suppliers: list[JsonObject]) -> None:
        """The lists arrived after the dialog opened: fill them, keeping or restoring the choice."""
        for box, entities, key in (
            (self.category, categories, "category_id"),
            (self.supplier, suppliers, "supplier_id"),
        ):
            box.set_entities(entities)
            if box.value() is None:
                box.set_value(self.original.get(key))

    def load(self, product: JsonObject) -> None:
        self.sku.setText(str(product.get("sku") or ""))
        self.barcode.setText(str(product.get("barcode") or ""))
        self.name.setText(str(product.get("name") or ""))
        self.description.setPlainText(str(product.get("description") or ""))
        self.category.set_value(product.get("category_id"))
        self.supplier.set_value(product.get("supplier_id"))
        self.unit_cost.setText(str(product.get("unit_cost") or ""))
        self.price.setText(str(product.get("price") or ""))
        self.reorder_point.setValue(int(product.get("reorder_point") or 0))
        self.reorder_quantity.setValue(int(product.get("reorder_quantity") or 0))

    def values(self) -> JsonObject:
        return {
            "sku": self.sku.text().strip(),
            "barcode": self.barcode.text().strip() or None,
            "name": self.name.text().strip(),
            "description": self.description.toPlainText(),
            "category_id": self.category.value(),
            "supplier_id": self.supplier.value(),
            "unit_cost": self.unit_cost.value(),
            "price": self.price.value(),
            "reorder_point": self.reorder_point.value(),
            "reorder_quantity": self.reorder_quantity.value(),
        }

    def changes(self) -> JsonObject:
        """For an edit: only the fields the user changed (so a conflict shows just those)."""
        values = self.values()
        if self.is_new:
            return values
        return {key: value for key, value in values.items() if not _same(key, value, self.original.get(key))}

    def on_buttons_accepted(self) -> None:
        missing = {key: ["is required"] for key in ("sku", "name") if not self.values()[key]}
        if missing:
            self.form.show_errors(missing)
            return
        changes = self.changes()
        if not changes:
            self.accept()
            return
        self.set_busy(True)
        self.sig_save_requested.emit(changes)

    def set_busy(self, busy: bool) -> None:
        self.save_button.setEnabled(not busy)
        self.save_button.setText("Saving…" if busy else "Save")

    def show_errors(self, errors: dict[str, list[str]], general: str = "") -> None:
        self.set_busy(False)
        self.form.show_errors(errors, general)
        if not errors:
            self.save_button.setFocus()  # it lost the focus while disabled
        self.adjustSize()

    def rebase(self, current: JsonObject) -> None:
        """Keep the user's changes but base them on the server's newer version."""
        self.original = dict(current)


NUMERIC = frozenset({"unit_cost", "price", "reorder_point", "reorder_quantity"})


def _same(key: str, value: Any, original: Any) -> bool:
    if value in (None, "") or original in (None, ""):
        return value in (None, "") and original in (None, "")
    if key in NUMERIC:
        try:
            return Decimal(str(value)) == Decimal(str(original))
        except InvalidOperation:
            return False
    return str(value) == str(original)
