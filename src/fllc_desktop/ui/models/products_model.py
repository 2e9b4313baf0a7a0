"""One server page of products as a table; sorting asks the server (the page is only a window)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from fllc_desktop.api import Page

JsonObject = dict[str, Any]
AnyIndex = QModelIndex | QPersistentModelIndex
LOW_STOCK_COLOUR = "#fdecea"  # the products screen's legend says what it means
LOW_STOCK_BRUSH = QBrush(QColor(LOW_STOCK_COLOUR))


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    title: str
    numeric: bool = False
    sortable: bool = True  # the server sorts by this field


COLUMNS = (
    Column("sku", "SKU"),
    Column("name", "Name"),
    Column("barcode", "Barcode", sortable=False),
    Column("price", "Price", numeric=True),
    Column("quantity_on_hand", "On hand", numeric=True),
    Column("quantity_available", "Available", numeric=True, sortable=False),  # on hand - reserved
    Column("reorder_point", "Reorder at", numeric=True, sortable=False),
)


def available(product: JsonObject) -> int:
    """On hand - reserved (by open orders), from the product as last heard: a live stock event
    changes on hand, the reservations come with the product."""
    return int(product.get("quantity_on_hand") or 0) - int(product.get("quantity_reserved") or 0)


def is_low_stock(product: JsonObject) -> bool:
    return int(product.get("quantity_on_hand") or 0) <= int(product.get("reorder_point") or 0)


class ProductTableModel(QAbstractTableModel):
    sig_sort_requested = Signal(str)  # a server sort key: "name" or "-name"
    sig_sort_refused = Signal(int)  # a column the server cannot sort by

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[JsonObject] = []
        self.page = 1
        self.pages = 1
        self.total = 0
        self.sort_key: str | None = None

    # -- the page ---------------------------------------------------------------------------------
    def set_page(self, page: Page) -> None:
        self.beginResetModel()
        self._rows = [dict(item) for item in page.items]
        self.page, self.pages, self.total = page.page, max(1, page.pages), page.total
        self.endResetModel()

    def product_at(self, row: int) -> JsonObject | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, product_id: Any) -> int | None:
        for row, product in enumerate(self._rows):
            if product.get("id") == product_id:
                return row
        return None

    def update_product(self, product: JsonObject) -> bool:
        """Replace the fields of a shown product (a live event or a saved edit); False if not shown."""
        row = self.row_of(product.get("id"))
        if row is None:
            return False
        self._rows[row].update(product)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        return True

    def set_quantity(self, product_id: Any, quantity: int) -> bool:
        return self.update_product({"id": product_id, "quantity_on_hand": quantity})

    def remove_product(self, product_id: Any) -> bool:
        row = self.row_of(product_id)
        if row is None:
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.total = max(0, self.total - 1)
        self.endRemoveRows()
        return True

    # -- QAbstractTableModel ----------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        return None

    def data(self, index: AnyIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        product, column = self._rows[index.row()], COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = available(product) if column.field == "quantity_available" else product.get(column.field)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and is_low_stock(product):
            return LOW_STOCK_BRUSH
        if role == Qt.ItemDataRole.ToolTipRole and is_low_stock(product):
            return "At or below its reorder point"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not COLUMNS[column].sortable:
            self.sig_sort_refused.emit(column)
            return
        field = COLUMNS[column].field
        self.sort_key = f"-{field}" if order == Qt.SortOrder.DescendingOrder else field
        self.sig_sort_requested.emit(self.sort_key)
