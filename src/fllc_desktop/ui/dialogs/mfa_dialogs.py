"""Two-step sign-in dialogs: the code prompt of a sign-in (or a recovery code instead), and the
set-up: the QR code to scan, the first code that confirms it, then the recovery codes, shown once.

They only show and collect; the main window sends what they collect through the session service.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api import MfaEnrolment
from fllc_desktop.qt.services import MfaAnswer

TRUST_DAYS = 30


def _error_label(name: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setProperty("role", "error")
    label.setWordWrap(True)
    label.hide()
    return label


class MfaCodeDialog(QDialog):
    """The second step of a sign-in: the authenticator's code, or one recovery code."""

    sig_submitted = Signal(object)  # MfaAnswer

    def __init__(self, username: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dialog_mfa_code")
        self.setWindowTitle("Two-step sign-in")
        self.note = QLabel(f"Enter the 6-digit code your authenticator app shows for {username}.", self)
        self.note.setWordWrap(True)
        self.code = QLineEdit(self)
        self.code.setObjectName("mfa_code")
        self.code.setPlaceholderText("123456")
        self.code.setMaxLength(16)
        self.use_recovery = QCheckBox("Use a recovery code instead", self)
        self.use_recovery.setObjectName("mfa_use_recovery")
        self.trust = QCheckBox(f"Trust this computer for {TRUST_DAYS} days", self)
        self.trust.setObjectName("mfa_trust_device")
        self.error = _error_label("mfa_code_error", self)
        self.submit = QPushButton("Sign in", self)
        self.submit.setObjectName("mfa_code_submit")
        self.submit.setDefault(True)
        layout = QVBoxLayout(self)
        for widget in (self.note, self.code, self.use_recovery, self.trust, self.error, self.submit):
            layout.addWidget(widget)
        self.setMinimumWidth(380)
        self.use_recovery.toggled.connect(self.on_use_recovery_toggled)
        self.code.returnPressed.connect(self.on_submit_clicked)
        self.submit.clicked.connect(self.on_submit_clicked)

    def on_use_recovery_toggled(self, recovery: bool) -> None:
        self.note.setText(
            "Enter one of the recovery codes you saved when you set up two-step sign-in (each works once)."
            if recovery
            else "Enter the 6-digit code your authenticator app shows."
        )
        self.code.setPlaceholderText("abcde-12345" if recovery else "123456")
        self.code.clear()
        self.code.setFocus()

    def on_submit_clicked(self) -> None:
        text = self.code.text().strip()
        if not text:
            self.show_error("Enter the code first.")
            return
        recovery = self.use_recovery.isChecked()
        self.error.hide()
        self.submit.setEnabled(False)
        self.sig_submitted.emit(
            MfaAnswer(
                code=None if recovery else text,
                recovery_code=text if recovery else None,
                trust_device=self.trust.isChecked(),
            )
        )

    def show_error(self, message: str) -> None:
        self.submit.setEnabled(True)
        self.error.setText(message)
        self.error.show()
        self.code.selectAll()
        self.code.setFocus()


class MfaEnrolDialog(QDialog):
    """Set up two-step sign-in: scan the QR code, confirm with a first code, save the recovery codes."""

    sig_code_entered = Signal(str)

    def __init__(self, required: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dialog_mfa_enrol")
        self.setWindowTitle("Set up two-step sign-in")
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._scan_page(required))
        self.pages.addWidget(self._codes_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.setMinimumWidth(460)

    def _scan_page(self, required: bool) -> QWidget:
        page = QWidget(self)
        why = "Your role requires two-step sign-in. " if required else ""
        why += (
            "Scan this code with an authenticator app (Aegis, Google Authenticator, 1Password...), "
            "then enter the 6-digit code it shows."
        )
        intro = QLabel(why, page)
        intro.setWordWrap(True)
        self.qr = QLabel("Loading the code…", page)
        self.qr.setObjectName("mfa_qr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setMinimumSize(240, 240)
        self.secret = QLabel(page)
        self.secret.setObjectName("mfa_secret")
        self.secret.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.secret.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code = QLineEdit(page)
        self.code.setObjectName("mfa_enrol_code")
        self.code.setPlaceholderText("123456")
        self.code.setMaxLength(6)
        self.error = _error_label("mfa_enrol_error", page)
        self.confirm = QPushButton("Turn on two-step sign-in", page)
        self.confirm.setObjectName("mfa_enrol_confirm")
        self.confirm.setDefault(True)
        self.confirm.setEnabled(False)
        later = QPushButton("Later", page)
        later.setObjectName("mfa_enrol_later")
        later.setAutoDefault(False)
        later.clicked.connect(self.reject)
        layout = QVBoxLayout(page)
        for widget in (intro, self.qr, self.secret, self.code, self.error, self.confirm, later):
            layout.addWidget(widget)
        self.code.returnPressed.connect(self.on_confirm_clicked)
        self.confirm.clicked.connect(self.on_confirm_clicked)
        return page

    def _codes_page(self) -> QWidget:
        page = QWidget(self)
        intro = QLabel(
            "Two-step sign-in is on. Save these recovery codes somewhere safe: each signs you in "
            "once if you lose your phone. They are shown only now.",
            page,
        )
        intro.setWordWrap(True)
        self.codes = QPlainTextEdit(page)
        self.codes.setObjectName("mfa_recovery_codes")
        self.codes.setReadOnly(True)
        done = QPushButton("I have saved them", page)
        done.setObjectName("mfa_codes_saved")
        done.clicked.connect(self.accept)
        layout = QVBoxLayout(page)
        for widget in (intro, self.codes, done):
            layout.addWidget(widget)
        return page

    def show_enrolment(self, enrolment: MfaEnrolment) -> None:
        pixmap = QPixmap()
        pixmap.loadFromData(enrolment.qr_png, "PNG")
        self.qr.setPixmap(pixmap.scaled(240, 240, Qt.AspectRatioMode.KeepAspectRatio))
        grouped = " ".join(enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4))
        self.secret.setText(f"Or type this key: {grouped}")
        self.confirm.setEnabled(True)
        self.code.setFocus()

    def on_confirm_clicked(self) -> None:
        code = self.code.text().strip()
        if len(code) != 6 or not code.isdigit():
            self.show_error("Enter the 6-digit code your app shows.")
            return
        self.error.hide()
        self.confirm.setEnabled(False)
        self.sig_code_entered.emit(code)

    def show_error(self, message: str) -> None:
        self.confirm.setEnabled(True)
        self.error.setText(message)
        self.error.show()
        self.code.selectAll()

    def show_recovery_codes(self, codes: list[str]) -> None:
        self.codes.setPlainText("\n".join(codes))
        self.pages.setCurrentIndex(1)
