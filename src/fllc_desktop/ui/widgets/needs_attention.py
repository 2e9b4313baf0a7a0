"""Ops the server rejected or found in conflict: each with the server's reason, Retry and Discard.

Nothing leaves this list silently: Retry puts the op back in line (the sync controller is woken);
Discard asks for confirmation and is recorded in the outbox (state ``discarded`` with a note), never
deleted. The panel shows only the signed-in user's ops.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.floor.views import DISCARD_NOTE, PendingOp
from fllc_desktop.ui.widgets.messages import confirm

NAME = "needs_attention"
TOUCH_HEIGHT_PX = 56


class AttentionSource(Protocol):
    """The signed-in user's outbox, as far as this panel needs it (``ScanDesk`` has it)."""

    def needs_attention(self) -> list[PendingOp]: ...
    def retry(self, op_id: uuid.UUID) -> None: ...
    def discard(self, op_id: uuid.UUID, note: str = DISCARD_NOTE) -> None: ...


class NeedsAttentionPanel(QWidget):
    sig_changed = Signal()
    """An op was retried or discarded (the status bar re-counts)."""

    def __init__(
        self,
        source: AttentionSource,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(NAME)
        self._source = source
        self.entries: list[PendingOp] = []
        self.confirm_box: QMessageBox | None = None
        self.title = QLabel("Needs attention", self)
        self.title.setObjectName(f"{NAME}_title")
        font = self.title.font()
        font.setPointSize(18)
        font.setBold(True)
        self.title.setFont(font)
        self.empty = QLabel("Nothing needs attention: every change was accepted by the server.", self)
        self.empty.setObjectName(f"{NAME}_empty")
        self.table = _table(self)
        self.retry_button = _button("Retry", f"{NAME}_retry", self)
        self.discard_button = _button("Discard…", f"{NAME}_discard", self)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.discard_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.retry_button.clicked.connect(self.on_retry_button_clicked)
        self.discard_button.clicked.connect(self.on_discard_button_clicked)
        self.reload()

    def reload(self) -> None:
        selected = self.selected()
        self.entries = self._source.needs_attention()
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            for column, text in enumerate(self._row(entry)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
            if selected is not None and entry.op_id == selected.op_id:
                self.table.selectRow(row)
        self.empty.setVisible(not self.entries)
        self.title.setText(f"Needs attention ({len(self.entries)})" if self.entries else "Needs attention")
        self._update_buttons()

    def selected(self) -> PendingOp | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        return self.entries[min(rows)] if rows and min(rows) < len(self.entries) else None

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def on_retry_button_clicked(self) -> None:
        entry = self.selected()
        if entry is not None:
            self._source.retry(entry.op_id)
            self.reload()
            self.sig_changed.emit()

    def on_discard_button_clicked(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        text = (
            f"Discard “{entry.description}”? It will never be sent to the server. "
            "The discard is recorded on this tablet."
        )
        self.confirm_box = confirm(
            self, f"{NAME}_confirm_discard", "Discard this change?", text, lambda: self._discard(entry)
        )

    def _discard(self, entry: PendingOp) -> None:
        self._source.discard(entry.op_id, DISCARD_NOTE)
        self.reload()
        self.sig_changed.emit()

    def _row(self, entry: PendingOp) -> Sequence[str]:
        when = entry.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        return [when, entry.description, entry.reason]

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.retry_button.setEnabled(chosen)
        self.discard_button.setEnabled(chosen)


def _table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, 3, parent)
    table.setObjectName(f"{NAME}_table")
    table.setHorizontalHeaderLabels(["When", "What", "Server's reason"])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(True)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(48)
    header = table.horizontalHeader()
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
    table.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return table


def _button(text: str, name: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setMinimumHeight(TOUCH_HEIGHT_PX)
    button.setMinimumWidth(140)
    return button
