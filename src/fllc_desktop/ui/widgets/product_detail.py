"""The products screen's detail panel: stock per location and the movement history."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.ui.models.products_model import available

JsonObject = dict[str, Any]
MOVEMENT_COLUMNS = (
    ("created_at", "When"),
    ("delta", "Change"),
    ("reason", "Reason"),
    ("location_code", "Location"),
    ("lot", "Lot"),
)


class ProductDetail(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("products_detail")
        self.title = QLabel("Select a product to see its stock.", self)
        self.title.setObjectName("detail_title")
        self.title.setWordWrap(True)
        self.summary = QLabel(self)
        self.summary.setObjectName("detail_summary")
        self.summary.setProperty("role", "muted")
        self.summary.setWordWrap(True)
        self.levels = _table("detail_levels", ["Location", "Quantity"], self)
        self.movements = _table("detail_movements", [title for _key, title in MOVEMENT_COLUMNS], self)
        header = self.movements.horizontalHeader()  # all columns fit the panel: none is cut off
        header.setMinimumSectionSize(36)
        header.setStretchLastSection(False)
        for column, (key, _title) in enumerate(MOVEMENT_COLUMNS):
            fixed = key in ("created_at", "delta", "lot")
            mode = QHeaderView.ResizeMode.ResizeToContents if fixed else QHeaderView.ResizeMode.Stretch
            header.setSectionResizeMode(column, mode)
        self.movements.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.movements.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.action_row = QHBoxLayout()
        self.action_row.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addLayout(self.action_row)
        layout.addWidget(_heading("Stock per location", self))
        layout.addWidget(self.levels, 1)
        layout.addWidget(_heading("Movements", self))
        layout.addWidget(self.movements, 2)
        self.locations: dict[Any, JsonObject] = {}

    def add_action(self, button: QWidget) -> None:
        """A button about the shown product (the screen enables it while one is shown)."""
        self.action_row.addWidget(button)

    def show_product(self, product: JsonObject | None) -> None:
        self.levels.setRowCount(0)
        self.movements.setRowCount(0)
        if product is None:
            self.title.setText("Select a product to see its stock.")
            self.summary.clear()
            return
        self.title.setText(f"{product.get('name')}  ·  {product.get('sku')}")
        self.summary.setText(
            f"On hand {product.get('quantity_on_hand', 0)} · available {available(product)}"
            f" ({product.get('quantity_reserved') or 0} reserved)"
            f" · reorder at {product.get('reorder_point', 0)}"
            f" · price {product.get('price', '')} · barcode {product.get('barcode') or '—'}"
        )

    def show_loading(self) -> None:
        self.summary.setText(self.summary.text().split("  (")[0] + "  (loading stock…)")

    def show_stock(self, levels: list[JsonObject], movements: list[JsonObject]) -> None:
        self.summary.setText(self.summary.text().split("  (")[0])
        _fill(self.levels, [(self._location_name(level), level.get("quantity")) for level in levels])
        rows = [tuple(self._movement_value(m, key) for key, _title in MOVEMENT_COLUMNS) for m in movements]
        _fill(self.movements, rows)

    def show_unavailable(self, message: str) -> None:
        self.summary.setText(self.summary.text().split("  (")[0] + f"  ({message})")

    def _location_name(self, row: JsonObject) -> str:
        location = self.locations.get(row.get("location_id"), {})
        return str(row.get("location_code") or location.get("code") or row.get("location_id"))

    def _movement_value(self, movement: JsonObject, key: str) -> Any:
        if key == "location_code":
            return self._location_name(movement)
        if key == "created_at":  # "12-03 14:05": recent movements, and the panel stays narrow
            return str(movement.get(key) or "").replace("T", " ")[5:16]
        if key == "delta":
            delta = int(movement.get("delta") or 0)
            return f"+{delta}" if delta > 0 else str(delta)
        return movement.get(key)


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setProperty("role", "heading")
    return label


def _table(name: str, headers: list[str], parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
    table.setWordWrap(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[tuple[Any, ...]]) -> None:
    table.setRowCount(len(rows))
    for row, values in enumerate(rows):
        for column, value in enumerate(values):
            table.setItem(row, column, QTableWidgetItem("" if value is None else str(value)))
