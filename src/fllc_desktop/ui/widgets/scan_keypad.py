"""A numeric keypad for quantities on a touchscreen: big digit keys, backspace, clear."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSizePolicy, QWidget

KEY_SIZE_PX = 64
MAX_DIGITS = 7  # up to 9,999,999: the server's limit is 1,000,000 per op
_KEY_NAMES = {"C": "clear", "<": "back"}
_LAYOUT = ("7", "8", "9", "4", "5", "6", "1", "2", "3", "C", "0", "<")


class NumericKeypad(QWidget):
    """Typed digits make a whole number; empty means "not set" (``value()`` is None)."""

    sig_value_changed = Signal(object)  # int | None

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._digits = ""
        self.display = QLabel("", self)
        self.display.setObjectName(f"{name}_display")
        self.display.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.display.setMinimumHeight(KEY_SIZE_PX)
        font = self.display.font()
        font.setPointSize(24)
        font.setBold(True)
        self.display.setFont(font)
        grid = QGridLayout(self)
        grid.setSpacing(6)
        grid.addWidget(self.display, 0, 0, 1, 3)
        for index, key in enumerate(_LAYOUT):
            grid.addWidget(self._key(name, key), 1 + index // 3, index % 3)
        self._refresh()

    def value(self) -> int | None:
        return int(self._digits) if self._digits else None

    def clear(self) -> None:
        self._set_digits("")

    def set_value(self, value: int | None) -> None:
        self._set_digits("" if value is None else str(value)[:MAX_DIGITS])

    def press(self, key: str) -> None:
        """A key by its label: a digit, ``C`` (clear) or ``<`` (backspace)."""
        if key == "C":
            self._set_digits("")
        elif key == "<":
            self._set_digits(self._digits[:-1])
        elif key.isdigit() and len(self._digits) < MAX_DIGITS:
            self._set_digits((self._digits + key).lstrip("0"))

    def _key(self, name: str, key: str) -> QPushButton:
        label = {"C": "Clear", "<": "\u232b"}.get(key, key)
        button = QPushButton(label, self)
        button.setObjectName(f"{name}_key_{_KEY_NAMES.get(key, key)}")
        button.setMinimumSize(KEY_SIZE_PX, KEY_SIZE_PX)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a tap must not steal the scan focus
        font = button.font()
        font.setPointSize(20)
        button.setFont(font)
        button.clicked.connect(lambda: self.press(key))
        return button

    def _set_digits(self, digits: str) -> None:
        if digits != self._digits:
            self._digits = digits
            self._refresh()
            self.sig_value_changed.emit(self.value())

    def _refresh(self) -> None:
        self.display.setText(self._digits or "—")
