"""Someone else saved first: show their values beside the user's and let the user choose."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

JsonObject = dict[str, Any]


class ConflictChoice(StrEnum):
    KEEP_MINE = "keep_mine"
    TAKE_THEIRS = "take_theirs"
    UNDECIDED = "undecided"


class ConflictDialog(QDialog):
    """Rows: each field the user changed, plus any field the other person changed; Escape decides
    nothing (the edit dialog stays open with the user's values)."""

    def __init__(
        self, mine: JsonObject, theirs: JsonObject, original: JsonObject, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dialog_conflict")
        self.setWindowTitle("Changed by someone else")
        self.choice = ConflictChoice.UNDECIDED
        who = theirs.get("updated_by") or "Someone"
        intro = QLabel(
            f"{who} saved this product while you were editing it (now version {theirs.get('version')}). "
            "Choose which values to keep; nothing is overwritten until you decide.",
            self,
        )
        intro.setWordWrap(True)
        self.table = self._comparison(mine, theirs, original)
        keep = self._button("conflict_keep_mine", "Keep &mine", ConflictChoice.KEEP_MINE)
        take = self._button("conflict_take_theirs", "Take &theirs", ConflictChoice.TAKE_THEIRS)
        cancel = QPushButton("Decide later", self)
        cancel.setObjectName("conflict_cancel")
        cancel.clicked.connect(self.reject)
        keep.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (cancel, take, keep):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.resize(620, 320)

    def _button(self, name: str, text: str, choice: ConflictChoice) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(lambda: self._choose(choice))
        return button

    def _choose(self, choice: ConflictChoice) -> None:
        self.choice = choice
        self.accept()

    def _comparison(self, mine: JsonObject, theirs: JsonObject, original: JsonObject) -> QTableWidget:
        fields = list(mine)
        fields += [
            k
            for k in theirs
            if k not in mine
            and k in original
            and theirs[k] != original[k]
            and k not in {"version", "updated_at", "quantity_on_hand"}
        ]
        table = QTableWidget(len(fields), 3, self)
        table.setObjectName("conflict_table")
        table.setHorizontalHeaderLabels(["Field", "Your value", "Their value (saved)"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for row, key in enumerate(fields):
            for column, value in enumerate((key, mine.get(key, original.get(key)), theirs.get(key))):
                table.setItem(row, column, QTableWidgetItem("" if value is None else str(value)))
        return table
