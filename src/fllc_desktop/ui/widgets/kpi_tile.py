"""A KPI tile: a caption, one large figure and a line under it."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


class KpiTile(QFrame):
    """``kind`` (``normal``, ``warning``, ``danger``) colours the figure through the stylesheet."""

    def __init__(self, name: str, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("tile", "true")
        self.caption = QLabel(caption, self)
        self.caption.setObjectName(f"{name}_caption")
        self.caption.setProperty("role", "tile_caption")
        self.value = QLabel("—", self)
        self.value.setObjectName(f"{name}_value")
        self.value.setProperty("role", "tile_value")
        self.detail = QLabel(self)
        self.detail.setObjectName(f"{name}_detail")
        self.detail.setProperty("role", "muted")
        self.detail.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        layout.addStretch(1)

    def show_figure(self, value: str, detail: str = "", kind: str = "normal") -> None:
        self.value.setText(value)
        self.detail.setText(detail)
        if self.value.property("kind") != kind:
            self.value.setProperty("kind", kind)
            self.value.style().unpolish(self.value)
            self.value.style().polish(self.value)
