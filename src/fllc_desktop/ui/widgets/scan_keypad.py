"""A numeric keypad for quantities on a touchscreen: big digit keys, backspace, clear, and above
them the quantity the next scan will take, in large figures (when nothing is typed: the default,
greyed)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSizePolicy, QWidget

KEY_SIZE_PX = 56  # above the 44 px touch minimum, and four rows fit a 800 px tablet screen
KEY_MIN_PX = 44  # the touch minimum: keys give way down to it when banners need the height
MAX_DIGITS = 7  # up to 9,999,999: the server's limit is 1,000,000 per op
_KEY_NAMES = {"C": "clear", "<": "back"}
_LAYOUT = ("7", "8", "9", "4", "5", "6", "1", "2", "3", "C", "0", "<")
# In the widget's own style sheet: the app's (QWidget { font-size: 10pt }, 11pt for touch buttons)
# would win over a font set in code.
_STYLE = """
QLabel[part="display"] {
    font-size: 40pt; font-weight: 700; color: #1d2433; background: #ffffff;
    border: 2px solid #d5dae3; border-radius: 10px; padding: 0 18px;
}
QLabel[part="display"][typed="false"] { color: #8a93a6; }
QLabel[part="caption"] { font-size: 11pt; color: #5b6478; }
QPushButton { font-size: 22pt; font-weight: 600; }
QPushButton[part="edit"] { font-size: 14pt; }
"""


class NumericKeypad(QWidget):
    """Typed digits make a whole number; empty means "not set" (``value()`` is None)."""

    sig_value_changed = Signal(object)  # int | None

    def __init__(self, name: str, parent: QWidget | None = None, *, default: int = 1) -> None:
        """``default``: what a scan takes when nothing is typed (shown greyed)."""
        super().__init__(parent)
        self.setObjectName(name)
        self.setStyleSheet(_STYLE)
        self._digits = ""
        self._default = default
        self.display = QLabel("", self)
        self.display.setObjectName(f"{name}_display")
        self.display.setProperty("part", "display")
        self.display.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.display.setMinimumHeight(64)
        self.caption = QLabel(self)
        self.caption.setObjectName(f"{name}_caption")
        self.caption.setProperty("part", "caption")
        self.caption.setWordWrap(True)
        self.setMinimumWidth(3 * KEY_SIZE_PX + 2 * 6 + 96)  # "Clear" and 7 digits fit
        grid = QGridLayout(self)
        grid.setSpacing(6)
        grid.addWidget(self.display, 0, 0, 1, 3)
        grid.addWidget(self.caption, 1, 0, 1, 3)
        for index, key in enumerate(_LAYOUT):
            grid.addWidget(self._key(name, key), 2 + index // 3, index % 3)
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
        button.setProperty("part", "digit" if key.isdigit() else "edit")
        # 56 px wide always; as tall while there is room (an offline banner and a long answer at
        # once squeezed 56 px keys over each other on an 800 px screen), never under 44 px
        button.setMinimumSize(KEY_SIZE_PX, KEY_MIN_PX)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a tap must not steal the scan focus
        button.clicked.connect(lambda: self.press(key))
        return button

    def _set_digits(self, digits: str) -> None:
        if digits != self._digits:
            self._digits = digits
            self._refresh()
            self.sig_value_changed.emit(self.value())

    def _refresh(self) -> None:
        typed = bool(self._digits)
        self.display.setText(f"{int(self._digits):,}" if typed else str(self._default))
        self.display.setProperty("typed", "true" if typed else "false")
        self.display.style().unpolish(self.display)
        self.display.style().polish(self.display)
        caption = (
            "Quantity for the next scan" if typed else f"Next scan: {self._default} unless you type another"
        )
        self.caption.setText(caption)
