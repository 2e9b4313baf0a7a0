"""First run: which server? (The local platform by default.)"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget


class ServerDialog(QDialog):
    def __init__(self, default_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dialog_server")
        self.setWindowTitle("Connect to a server")
        intro = QLabel(
            "Which FLLC Warehouse server should this computer use? "
            "The default is the server started on this machine.",
            self,
        )
        intro.setWordWrap(True)
        self.url = QLineEdit(default_url, self)
        self.url.setObjectName("server_url")
        self.url.selectAll()
        standard = QDialogButtonBox.StandardButton
        buttons = QDialogButtonBox(standard.Ok | standard.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setObjectName("server_ok")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setObjectName("server_cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.url)
        layout.addWidget(buttons)
        self.resize(440, self.sizeHint().height())

    def server_url(self) -> str:
        return self.url.text().strip()
