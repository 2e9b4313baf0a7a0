"""A form whose fields each have an error line under them, for the server's 400 details."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget


class ErrorForm(QWidget):
    """``add_field("sku", "SKU", line_edit)``; ``show_errors({"sku": ["already taken"]})``.

    Errors about fields the form does not show land in the general error line ``<name>_error``."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.fields: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self._general = self._error_label(f"{name}_error")
        self._layout = QFormLayout()
        self._layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._general)
        outer.addLayout(self._layout)

    def add_field(self, key: str, label: str, widget: QWidget) -> None:
        widget.setObjectName(widget.objectName() or f"field_{key}")
        error = self._error_label(f"error_{key}")
        column = QWidget(self)
        box = QVBoxLayout(column)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(widget)
        box.addWidget(error)
        caption = QLabel(label, self)
        caption.setBuddy(widget)
        self._layout.addRow(caption, column)
        self.fields[key] = widget
        self._errors[key] = error

    def add_section(self, text: str) -> QLabel:
        """A line of words across the form, between fields (a heading or an explanation)."""
        label = QLabel(text, self)
        label.setWordWrap(True)
        label.setProperty("role", "muted")
        self._layout.addRow(label)
        return label

    def error_text(self, key: str) -> str:
        label = self._errors.get(key, self._general)
        return label.text() if label.isVisibleTo(self) else ""

    def general_error(self) -> str:
        return self._general.text() if self._general.isVisibleTo(self) else ""

    def clear_errors(self) -> None:
        for label in [*self._errors.values(), self._general]:
            label.clear()
            label.hide()

    def show_errors(self, errors: Mapping[str, Sequence[str]], general: str = "") -> None:
        self.clear_errors()
        unplaced = [general] if general else []
        for key, messages in errors.items():
            text = "; ".join(messages)
            label = self._errors.get(key)
            if label is None:
                unplaced.append(f"{key}: {text}" if key != "__all__" else text)
                continue
            label.setText(text)
            label.show()
        if unplaced:
            self._general.setText("\n".join(unplaced))
            self._general.show()
        self._focus_first_error(errors)

    def _focus_first_error(self, errors: Mapping[str, Sequence[str]]) -> None:
        for key in self.fields:
            if key in errors:
                self.fields[key].setFocus()
                return

    def _error_label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setProperty("role", "error")
        label.setWordWrap(True)
        label.hide()
        return label
