"""Typing a code by hand, for a damaged label: a big field and a big Enter button."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

TOUCH_HEIGHT_PX = 56


class ManualEntry(QWidget):
    sig_code_entered = Signal(str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.field = QLineEdit(self)
        self.field.setObjectName(f"{name}_field")
        self.field.setPlaceholderText("Damaged label? Type the barcode or SKU here")
        self.field.setMinimumHeight(TOUCH_HEIGHT_PX)
        self.field.setClearButtonEnabled(True)
        font = self.field.font()
        font.setPointSize(16)
        self.field.setFont(font)
        self.button = QPushButton("Enter code", self)
        self.button.setObjectName(f"{name}_submit")
        self.button.setMinimumHeight(TOUCH_HEIGHT_PX)
        self.button.setMinimumWidth(140)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.button)
        self.field.returnPressed.connect(self.on_field_return_pressed)
        self.button.clicked.connect(self.on_field_return_pressed)

    def on_field_return_pressed(self) -> None:
        code = self.field.text().strip()
        if code:
            self.field.clear()
            self.sig_code_entered.emit(code)
