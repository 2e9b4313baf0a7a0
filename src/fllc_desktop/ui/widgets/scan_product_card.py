"""The product a scan found, in big type: name, SKU and barcode, quantity on hand (marked when it
includes changes not synced yet), and for Lookup the stock per location and the recent movements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

JsonObject = dict[str, Any]
_PENDING_COLOUR = "#8a4b00"  # the on-hand figure includes changes waiting to sync


class ProductCard(QFrame):
    def __init__(self, name: str, *, with_stock_tables: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = _label(f"{name}_name", 18, bold=True, parent=self)
        self.codes = _label(f"{name}_codes", 12, parent=self)
        self.on_hand = _label(f"{name}_on_hand", 16, bold=True, parent=self)
        self.extra = _label(f"{name}_extra", 13, parent=self)
        self.note = _label(f"{name}_note", 12, parent=self)
        self.note.setProperty("role", "muted")
        layout = QVBoxLayout(self)
        for label in (self.title, self.codes, self.on_hand, self.extra):
            layout.addWidget(label)
        self.levels: QTableWidget | None = None
        self.movements: QTableWidget | None = None
        if with_stock_tables:
            self.levels = _table(f"{name}_levels", ["Location", "Quantity"], self)
            self.movements = _table(f"{name}_movements", ["When", "Change", "Reason", "Location"], self)
            layout.addWidget(
                _label(f"{name}_levels_title", 13, bold=True, text="Stock per location", parent=self)
            )
            layout.addWidget(self.levels)
            layout.addWidget(
                _label(f"{name}_movements_title", 13, bold=True, text="Recent movements", parent=self)
            )
            layout.addWidget(self.movements, 1)
        layout.addWidget(self.note)
        self.clear("Scan a product")

    def clear(self, text: str) -> None:
        self.title.setText(text)
        for label in (self.codes, self.on_hand, self.extra, self.note):
            label.clear()
        for table in (self.levels, self.movements):
            if table is not None:
                table.setRowCount(0)

    def show_product(self, title: str, codes: str, on_hand: str, *, pending: bool, extra: str = "") -> None:
        self.title.setText(title)
        self.codes.setText(codes)
        self.on_hand.setText(f"On hand: {on_hand}")  # the caller says "(+N pending)"; the colour too
        if self.on_hand.property("pending") is not pending:  # a style sheet costs ~1 ms: only on change
            self.on_hand.setProperty("pending", pending)
            _style(self.on_hand, 16, bold=True, colour=_PENDING_COLOUR if pending else None)
        self.extra.setText(extra)
        self.note.clear()

    def show_note(self, text: str) -> None:
        self.note.setText(text)

    def show_levels(self, levels: Sequence[JsonObject]) -> None:
        rows = [
            [
                str(lv.get("location_code") or lv.get("location_name") or lv.get("location_id")),
                str(lv.get("quantity", "")),
            ]
            for lv in levels
        ]
        _fill(self.levels, rows)

    def show_movements(self, movements: Sequence[JsonObject], location_codes: dict[int, str]) -> None:
        rows = [
            [
                str(m.get("created_at", ""))[:16].replace("T", " "),
                f"{int(m.get('delta') or 0):+d}",
                str(m.get("reason") or ""),
                location_codes.get(int(m.get("location_id") or 0), str(m.get("location_id") or "")),
            ]
            for m in movements
        ]
        _fill(self.movements, rows)


def _label(name: str, points: int, *, bold: bool = False, text: str = "", parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    _style(label, points, bold=bold)
    return label


def _style(label: QLabel, points: int, *, bold: bool = False, colour: str | None = None) -> None:
    """Size in the label's own style sheet: the app's (QWidget { font-size: 10pt }) would win over
    a font set in code, and this card is read at arm's length on a tablet."""
    weight = 700 if bold else 400
    colour_rule = f" color: {colour};" if colour else ""
    label.setStyleSheet(f"font-size: {points}pt; font-weight: {weight};{colour_rule}")


def _table(name: str, headers: list[str], parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(36)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget | None, rows: list[list[str]]) -> None:
    if table is None:
        return
    table.setRowCount(len(rows))
    for row, values in enumerate(rows):
        for column, value in enumerate(values):
            table.setItem(row, column, QTableWidgetItem(value))
