"""The sign-in form: the first page of the window, and the body of the "sign in again" dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.ui.theme import icon


class SignInForm(QFrame):
    sig_sign_in_requested = Signal(str, str)  # username, password

    def __init__(self, server_url: str, *, username: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signin_form")
        self.username = QLineEdit(username, self)
        self.username.setObjectName("signin_username")
        self.username.setPlaceholderText("Username")
        self.password = QLineEdit(self)
        self.password.setObjectName("signin_password")
        self.password.setPlaceholderText("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel(self)
        self.error.setObjectName("signin_error")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.submit = QPushButton("Sign in", self)
        self.submit.setObjectName("signin_submit")
        self.submit.setDefault(True)
        self.server = QLabel(f"Server: {server_url}", self)
        self.server.setObjectName("signin_server")
        self.server.setProperty("role", "muted")
        self._lay_out()
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.on_submit_clicked)
        self.submit.clicked.connect(self.on_submit_clicked)

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        for widget in (self.username, self.password, self.error, self.submit, self.server):
            layout.addWidget(widget)
        self.setTabOrder(self.username, self.password)
        self.setTabOrder(self.password, self.submit)

    def focus_first_empty(self) -> None:
        (self.password if self.username.text() else self.username).setFocus()

    def on_submit_clicked(self) -> None:
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self.show_error("Enter your username and password.")
            self.focus_first_empty()
            return
        self.error.hide()
        self.set_busy(True)
        self.sig_sign_in_requested.emit(username, password)

    def set_busy(self, busy: bool) -> None:
        self.submit.setEnabled(not busy)
        self.submit.setText("Signing in…" if busy else "Sign in")

    def show_error(self, message: str) -> None:
        self.set_busy(False)
        self.error.setText(message)
        self.error.show()
        self.password.selectAll()


class SignInPage(QWidget):
    """The whole first page: the app's name above a centred sign-in card."""

    def __init__(self, server_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page_sign_in")
        self.form = SignInForm(server_url, parent=self)
        logo = QLabel(self)
        logo.setPixmap(icon("app").pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        title = QLabel("FLLC Warehouse", self)
        title.setObjectName("signin_title")
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(logo)
        layout.addWidget(title)
        layout.addWidget(self.form, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.form.setFixedWidth(360)


class ReauthDialog(QDialog):
    """Shown over whatever is open when the session has expired; nothing underneath is closed."""

    def __init__(self, server_url: str, username: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dialog_reauth")
        self.setWindowTitle("Sign in again")
        note = QLabel(
            "Your session has expired. Sign in again to continue: what you were doing is kept "
            "and will be sent once you are signed in.",
            self,
        )
        note.setWordWrap(True)
        self.form = SignInForm(server_url, username=username, parent=self)
        self.form.username.setReadOnly(True)
        sign_out = QPushButton("Sign out instead", self)
        sign_out.setObjectName("reauth_sign_out")
        sign_out.setAutoDefault(False)
        sign_out.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.form)
        layout.addWidget(sign_out)
        self.form.focus_first_empty()
