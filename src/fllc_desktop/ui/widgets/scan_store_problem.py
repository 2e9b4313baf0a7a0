"""Shown instead of a scan screen when the local database cannot be opened (locked by another
window, a full disk, a read-only folder): what happened, what to do, and a way to try again."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

NAME = "scan_store_problem"


class StoreProblemView(QWidget):
    def __init__(
        self, title: str, message: str, retry: Callable[[], str | None], parent: QWidget | None = None
    ) -> None:
        """``retry`` tries to open the database again: None on success, else the new problem."""
        super().__init__(parent)
        self.setObjectName(NAME)
        self._retry = retry
        self.title = QLabel(title, self)
        self.title.setObjectName(f"{NAME}_title")
        font = self.title.font()
        font.setPointSize(20)
        font.setBold(True)
        self.title.setFont(font)
        self.message = QLabel(message, self)
        self.message.setObjectName(f"{NAME}_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton("Try again", self)
        self.retry_button.setObjectName(f"{NAME}_retry")
        self.retry_button.setMinimumHeight(56)
        self.retry_button.clicked.connect(self.on_retry_button_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def on_retry_button_clicked(self) -> None:
        problem = self._retry()
        if problem is None:
            self.title.setText("The local database is open again")
            self.message.setText("Sign out and sign in again to use the scan screens.")
            self.retry_button.hide()
        else:
            self.message.setText(problem)
