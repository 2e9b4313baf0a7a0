"""Input widgets that speak the wire's types: ids from combo boxes, decimal strings for money."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QComboBox, QLineEdit, QSpinBox, QWidget

MONEY_PATTERN = r"^\d{0,9}(\.\d{0,2})?$"


class IdComboBox(QComboBox):
    """A choice of entity by name whose value is its id (None for "none")."""

    def __init__(self, name: str, none_text: str = "—", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._none_text = none_text
        self.set_entities([])

    def set_entities(self, entities: Iterable[dict[str, Any]], label_key: str = "name") -> None:
        current = self.value()
        self.blockSignals(True)
        self.clear()
        self.addItem(self._none_text, None)
        for entity in entities:
            self.addItem(str(entity.get(label_key) or entity.get("id")), entity.get("id"))
        self.set_value(current)
        self.blockSignals(False)

    def value(self) -> int | None:
        data = self.currentData()
        return int(data) if data is not None else None

    def set_value(self, entity_id: Any) -> None:
        index = self.findData(entity_id) if entity_id is not None else 0
        self.setCurrentIndex(max(0, index))


class MoneyEdit(QLineEdit):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setValidator(QRegularExpressionValidator(QRegularExpression(MONEY_PATTERN), self))
        self.setPlaceholderText("0.00")

    def value(self) -> str:
        text = self.text().strip() or "0"
        return text if "." in text else f"{text}.00"


def count_box(name: str, maximum: int = 10_000_000, parent: QWidget | None = None) -> QSpinBox:
    box = QSpinBox(parent)
    box.setObjectName(name)
    box.setRange(0, maximum)
    box.setAccelerated(True)
    return box
