"""Scans kept from before a restart: the list a scan screen shows of its own ops that were saved on
this tablet before the app closed (or crashed) and were not sent yet, with each one's state as it
is sent — so no one scans them again. Hidden while there are none."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from fllc_desktop.floor.views import OpState, PendingOp

ROW_PX = 44
SHOWN_ROWS = 3  # more scroll: the screen still fits an 800 px tablet

STATE_WORDS = {
    OpState.PENDING: "Sending…",
    OpState.DONE: "Sent ✓",
    OpState.NEEDS_ATTENTION: "Needs attention",
    OpState.DISCARDED: "Discarded",
}


def kept_title(count: int, noun: str) -> str:
    """``3 unsent scans kept from before`` — the banner's title after a restart."""
    return f"{count} unsent {noun}{'s' if count != 1 else ''} kept from before"


def kept_sent_title(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''} kept from before: sent"


def kept_sent_detail(states: list[OpState]) -> str:
    waiting = sum(state is OpState.NEEDS_ATTENTION for state in states)
    if waiting:
        return f"The server has them; {waiting} need attention (see Needs attention)."
    return "The server has them all: nothing more to do."


KEPT_DETAIL = (
    "They were saved on this tablet before the app closed and are being sent "
    "(as soon as the server can be reached). They are listed here: do not scan them again."
)


class KeptOps(QTableWidget):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setObjectName(name)
        self.setHorizontalHeaderLabels(["Kept from before the restart", "State"])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(ROW_PX)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.ops: list[PendingOp] = []
        self.hide()

    def show_ops(self, ops: list[PendingOp], describe: Callable[[PendingOp], str]) -> None:
        self.ops = list(ops)
        self.setRowCount(len(self.ops))
        for row, op in enumerate(self.ops):
            self.setItem(row, 0, QTableWidgetItem(describe(op)))
            self._show_state(row, op.state)
        rows = min(max(1, len(self.ops)), SHOWN_ROWS)
        self.setFixedHeight(
            self.horizontalHeader().sizeHint().height() + ROW_PX * rows + 2 * self.frameWidth()
        )
        self.setVisible(bool(self.ops))

    def follow(self, op_now: Callable[[PendingOp], PendingOp | None]) -> None:
        """Show each op's state now (sync sent some, or set them aside)."""
        for row, op in enumerate(self.ops):
            now = op_now(op)
            self._show_state(row, OpState.DONE if now is None else now.state)

    def state_text(self, row: int) -> str:
        item = self.item(row, 1)
        return item.text() if item is not None else ""

    def _show_state(self, row: int, state: OpState) -> None:
        self.setItem(row, 1, QTableWidgetItem(STATE_WORDS.get(state, state.value)))
