"""Window-modal message boxes that do not block the event loop (``open()``, never ``exec()``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget


def confirm(parent: QWidget, name: str, title: str, text: str, on_yes: Callable[[], None]) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    box.setObjectName(name)
    yes = box.addButton(QMessageBox.StandardButton.Yes)
    yes.setObjectName(f"{name}_yes")
    no = box.addButton(QMessageBox.StandardButton.No)
    no.setObjectName(f"{name}_no")
    box.setDefaultButton(no)
    box.setEscapeButton(no)

    def on_box_finished(_result: int) -> None:
        if box.clickedButton() is yes:
            on_yes()

    box.finished.connect(on_box_finished)
    box.open()
    return box


def inform(parent: QWidget, name: str, title: str, text: str, *, warning: bool = True) -> QMessageBox:
    kind = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information
    box = QMessageBox(kind, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName(name)
    box.open()
    return box
