"""A table that shows one record (a JSON object) per row: which record is selected, and selecting
one by a field's value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from PySide6.QtWidgets import QTableWidget

R = TypeVar("R", bound=Mapping[str, Any])


def selected_record(table: QTableWidget, records: Sequence[R]) -> R | None:
    """The record of the table's current row while a row is selected; None otherwise."""
    row = table.currentRow()
    return records[row] if 0 <= row < len(records) and table.selectedItems() else None


def select_record(table: QTableWidget, records: Sequence[R], field: str, value: object) -> bool:
    """Select the first row whose record has `value` in `field`; False when there is none."""
    for row, record in enumerate(records):
        if record.get(field) == value:
            table.selectRow(row)
            return True
    return False
