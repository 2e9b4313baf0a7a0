"""Adjust a product's stock at one location (damaged, lost, found, a correction) or move some of
it to another location, from the Products screen's detail. The dialog says what to book; the screen
sends it and shows the server's refusal here."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from fllc_desktop.api.errors import ApiError, ValidationError
from fllc_desktop.ui.widgets.form import ErrorForm
from fllc_desktop.ui.widgets.inputs import IdComboBox

JsonObject = dict[str, Any]
REASONS = (
    ("damaged", "Damaged (removes stock)"),
    ("lost", "Lost (removes stock)"),
    ("found", "Found (adds stock)"),
    ("correction", "Correction (either way)"),
)
SIGNS = {"damaged": -1, "lost": -1, "found": 1}
LIMIT = 1_000_000


def _location_label(location: JsonObject, on_hand: dict[Any, int]) -> str:
    here = on_hand.get(location.get("id"))
    suffix = f"  ({here} here)" if here is not None else ""
    return f"{location.get('code')} · {location.get('name')}{suffix}"


class _StockDialog(QDialog):
    sig_book_requested = Signal(dict)  # the body of the REST write

    def __init__(self, name: str, title: str, product: JsonObject, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(f"{title} · {product.get('sku')}")
        self.product = product
        self.form = ErrorForm(f"{name}_form", self)
        self.note = QLineEdit(self)
        self.note.setObjectName("stock_field_note")
        self.note.setPlaceholderText("Optional: why")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("stock_book")
        self.buttons.accepted.connect(self.on_ok_clicked)
        self.buttons.rejected.connect(self.reject)

    def _finish_layout(self) -> None:
        self.form.add_field("note", "&Note", self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self.resize(460, self.sizeHint().height())

    def _locations(self, name: str, locations: list[JsonObject], on_hand: dict[Any, int]) -> IdComboBox:
        combo = IdComboBox(name, "— choose —", self)
        ordered = sorted(locations, key=lambda loc: (loc.get("id") not in on_hand, str(loc.get("code"))))
        combo.set_entities([{**loc, "label": _location_label(loc, on_hand)} for loc in ordered], "label")
        return combo

    def _with_note(self, body: JsonObject) -> JsonObject:
        note = self.note.text().strip()
        return {**body, "note": note} if note else body

    def on_ok_clicked(self) -> None:
        raise NotImplementedError

    def show_refusal(self, error: ApiError) -> None:
        self.ok_button.setEnabled(True)
        if isinstance(error, ValidationError):
            self.form.show_errors(error.field_errors, "" if error.field_errors else error.message)
        else:
            self.form.show_errors({}, f"{error.title}: {error.message}")


class AdjustStockDialog(_StockDialog):
    def __init__(
        self,
        product: JsonObject,
        locations: list[JsonObject],
        on_hand: dict[Any, int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("dialog_adjust_stock", "Adjust stock", product, parent)
        self.location = self._locations("stock_field_location", locations, on_hand)
        if on_hand:
            self.location.set_value(next(iter(sorted(on_hand, key=lambda k: -on_hand[k]))))
        self.reason = QComboBox(self)
        self.reason.setObjectName("stock_field_reason")
        for code, label in REASONS:
            self.reason.addItem(label, code)
        self.delta = QSpinBox(self)
        self.delta.setObjectName("stock_field_delta")
        self.delta.setRange(-LIMIT, LIMIT)
        self.delta.setValue(-1)
        for signal in (
            self.location.currentIndexChanged,
            self.reason.currentIndexChanged,
            self.delta.valueChanged,
        ):
            signal.connect(lambda *_args: self.form.clear_errors())  # an error is about what was there
        self.form.add_field("location_id", "&Location", self.location)
        self.form.add_field("reason_code", "&Reason", self.reason)
        self.form.add_field("delta", "&Change (units)", self.delta)
        self._finish_layout()

    def body(self) -> JsonObject:
        return self._with_note(
            {
                "product_id": self.product["id"],
                "location_id": self.location.value(),
                "reason_code": self.reason.currentData(),
                "delta": self.delta.value(),
            }
        )

    def problems(self) -> dict[str, list[str]]:
        body = self.body()
        found: dict[str, list[str]] = {}
        if body["location_id"] is None:
            found["location_id"] = ["Choose where the stock is."]
        sign = SIGNS.get(str(body["reason_code"]))
        if body["delta"] == 0:
            found["delta"] = ["A change of zero books nothing."]
        elif sign is not None and (body["delta"] > 0) != (sign > 0):
            direction = "negative" if sign < 0 else "positive"
            found["delta"] = [f"{self.reason.currentText().split(' (')[0]} must be {direction}."]
        return found

    def on_ok_clicked(self) -> None:
        problems = self.problems()
        if problems:
            self.form.show_errors(problems)
            return
        self.form.clear_errors()
        self.ok_button.setEnabled(False)
        self.sig_book_requested.emit(self.body())


class TransferStockDialog(_StockDialog):
    def __init__(
        self,
        product: JsonObject,
        locations: list[JsonObject],
        on_hand: dict[Any, int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("dialog_transfer_stock", "Transfer stock", product, parent)
        self.on_hand = on_hand
        self.source = self._locations(
            "stock_field_from", [loc for loc in locations if on_hand.get(loc.get("id"), 0) > 0], on_hand
        )
        if on_hand:
            self.source.set_value(next(iter(sorted(on_hand, key=lambda k: -on_hand[k]))))
        self.target = self._locations("stock_field_to", locations, on_hand)
        self.quantity = QSpinBox(self)
        self.quantity.setObjectName("stock_field_quantity")
        self.quantity.setRange(1, LIMIT)
        for signal in (
            self.source.currentIndexChanged,
            self.target.currentIndexChanged,
            self.quantity.valueChanged,
        ):
            signal.connect(lambda *_args: self.form.clear_errors())
        self.form.add_field("from_location_id", "&From", self.source)
        self.form.add_field("to_location_id", "&To", self.target)
        self.form.add_field("quantity", "&Quantity", self.quantity)
        self._finish_layout()

    def body(self) -> JsonObject:
        return self._with_note(
            {
                "product_id": self.product["id"],
                "from_location_id": self.source.value(),
                "to_location_id": self.target.value(),
                "quantity": self.quantity.value(),
            }
        )

    def problems(self) -> dict[str, list[str]]:
        body = self.body()
        found: dict[str, list[str]] = {}
        if body["from_location_id"] is None:
            found["from_location_id"] = ["Choose where the stock is now."]
        if body["to_location_id"] is None:
            found["to_location_id"] = ["Choose where it goes."]
        elif body["to_location_id"] == body["from_location_id"]:
            found["to_location_id"] = ["Choose another location than the one it is in."]
        available = self.on_hand.get(body["from_location_id"], 0)
        if body["from_location_id"] is not None and body["quantity"] > available:
            found["quantity"] = [f"Only {available} there."]
        return found

    def on_ok_clicked(self) -> None:
        problems = self.problems()
        if problems:
            self.form.show_errors(problems)
            return
        self.form.clear_errors()
        self.ok_button.setEnabled(False)
        self.sig_book_requested.emit(self.body())
