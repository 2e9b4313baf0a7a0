"""The location the scans go to: a big choice that a scanned location label also sets."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

TOUCH_HEIGHT_PX = 56


class LocationPicker(QWidget):
    sig_location_changed = Signal(object)  # int | None

    def __init__(self, name: str, none_text: str = "Default location", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        label = QLabel("Location", self)
        self.combo = QComboBox(self)
        self.combo.setObjectName(f"{name}_combo")
        self.combo.setMinimumHeight(TOUCH_HEIGHT_PX)
        self.combo.setMinimumWidth(260)
        font = self.combo.font()
        font.setPointSize(16)
        self.combo.setFont(font)
        label.setFont(font)
        self._none_text = none_text
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.combo, 1)
        self.combo.currentIndexChanged.connect(self.on_combo_current_index_changed)
        self.set_locations([])

    def set_locations(self, locations: Iterable[dict[str, Any]], default_id: int | None = None) -> None:
        """``default_id``: the location the "none" choice stands for (the site's default), named
        beside it so the worker knows where the scans go."""
        current = self.location_id()
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(self._none_text, None)
        for location in locations:
            self.combo.addItem(
                f"{location['code']} — {location.get('name') or ''}".strip(" —"), location["id"]
            )
            if location["id"] == default_id:
                self.combo.setItemText(0, f"{self._none_text} ({location['code']})")
        self.combo.blockSignals(False)
        self.set_location(current)

    def location_id(self) -> int | None:
        data = self.combo.currentData()
        return None if data is None else int(data)

    def location_text(self) -> str:
        return self.combo.currentText()

    def text_for(self, location_id: int | None) -> str:
        """How ``location_id`` is shown in the list (the default's words for None)."""
        index = self.combo.findData(location_id) if location_id is not None else 0
        return self.combo.itemText(index) if index >= 0 else f"Location {location_id}"

    def set_location(self, location_id: int | None) -> None:
        index = self.combo.findData(location_id) if location_id is not None else 0
        self.combo.setCurrentIndex(max(0, index))

    def on_combo_current_index_changed(self, _index: int) -> None:
        self.sig_location_changed.emit(self.location_id())
