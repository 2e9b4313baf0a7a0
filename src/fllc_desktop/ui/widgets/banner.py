"""A one-line message across the top of the window: offline, a refusal, a notice. Never a dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from fllc_desktop.ui.theme import icon


class Banner(QFrame):
    """``kind`` is ``offline``, ``error`` or ``info``; the stylesheet colours it by that property."""

    sig_closed = Signal()

    def __init__(self, name: str, kind: str, *, closable: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("kind", kind)
        self._icon = QLabel(self)
        self._icon.setPixmap(icon(kind).pixmap(20, 20))
        self._text = QLabel(self)
        self._text.setObjectName(f"{name}_text")
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        if closable:
            close = QPushButton("Dismiss", self)
            close.setObjectName(f"{name}_dismiss")
            close.clicked.connect(self.on_dismiss_clicked)
            layout.addWidget(close)
        self.hide()

    @property
    def text(self) -> str:
        return self._text.text()

    def show_message(self, message: str) -> None:
        self._text.setText(message)
        self.show()

    def on_dismiss_clicked(self) -> None:
        self.hide()
        self.sig_closed.emit()
