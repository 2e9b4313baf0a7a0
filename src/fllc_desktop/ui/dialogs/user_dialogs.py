"""Dialogs of the users screen: new user, change role, reset password."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLineEdit, QVBoxLayout, QWidget

from fllc_desktop.domain.permissions import Role
from fllc_desktop.ui.widgets.form import ErrorForm

JsonObject = dict[str, Any]
MIN_PASSWORD = 8


class FormDialog(QDialog):
    """A dialog around an ``ErrorForm`` with OK/Cancel; Enter submits, Escape cancels."""

    sig_submitted = Signal(dict)

    def __init__(self, name: str, title: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.form = ErrorForm(f"{name}_form", self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.ok_button.setObjectName(f"{name}_ok")
        self.ok_button.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setObjectName(f"{name}_cancel")
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)
        self._ok_text = ok_text

    def values(self) -> JsonObject:
        raise NotImplementedError

    def check(self, values: JsonObject) -> dict[str, list[str]]:
        """Client-side checks before anything is sent."""
        return {}

    def on_buttons_accepted(self) -> None:
        values = self.values()
        errors = self.check(values)
        if errors:
            self.form.show_errors(errors)
            return
        self.form.clear_errors()
        self.set_busy(True)
        self.sig_submitted.emit(values)

    def set_busy(self, busy: bool) -> None:
        self.ok_button.setEnabled(not busy)
        self.ok_button.setText("Working…" if busy else self._ok_text)

    def show_errors(self, errors: dict[str, list[str]], general: str = "") -> None:
        self.set_busy(False)
        self.form.show_errors(errors, general)
        if not errors:
            self.ok_button.setFocus()  # it lost the focus while disabled
        self.adjustSize()  # room for the explanation


def _role_box(name: str, parent: QWidget, current: str = Role.STAFF.value) -> QComboBox:
    box = QComboBox(parent)
    box.setObjectName(name)
    for role in Role:
        box.addItem(role.value.capitalize(), role.value)
    box.setCurrentIndex(max(0, box.findData(current)))
    return box


def _password(parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def _check_passwords(password: str, confirmation: str) -> dict[str, list[str]]:
    if len(password) < MIN_PASSWORD:
        return {"password": [f"at least {MIN_PASSWORD} characters"]}
    if password != confirmation:
        return {"password_confirm": ["does not match the password"]}
    return {}


class NewUserDialog(FormDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("dialog_user", "New user", "Create", parent)
        self.username = QLineEdit(self)
        self.full_name = QLineEdit(self)
        self.email = QLineEdit(self)
        self.role = _role_box("field_role", self)
        self.password = _password(self)
        self.password_confirm = _password(self)
        for key, label, widget in (
            ("username", "&Username", self.username),
            ("full_name", "&Full name", self.full_name),
            ("email", "&Email", self.email),
            ("role", "&Role", self.role),
            ("password", "&Password", self.password),
            ("password_confirm", "&Confirm", self.password_confirm),
        ):
            self.form.add_field(key, label, widget)
        self.resize(420, self.sizeHint().height())

    def values(self) -> JsonObject:
        return {
            "username": self.username.text().strip(),
            "full_name": self.full_name.text().strip(),
            "email": self.email.text().strip() or None,
            "role": self.role.currentData(),
            "password": self.password.text(),
        }

    def check(self, values: JsonObject) -> dict[str, list[str]]:
        if len(values["username"]) < 3:
            return {"username": ["at least 3 characters"]}
        return _check_passwords(values["password"], self.password_confirm.text())


class RoleDialog(FormDialog):
    def __init__(self, user: JsonObject, parent: QWidget | None = None) -> None:
        super().__init__("dialog_role", f"Change the role of {user.get('username')}", "Change role", parent)
        self.role = _role_box("field_role", self, str(user.get("role")))
        self.form.add_field("role", "&Role", self.role)

    def values(self) -> JsonObject:
        return {"role": self.role.currentData()}


class PasswordDialog(FormDialog):
    def __init__(self, user: JsonObject, parent: QWidget | None = None) -> None:
        title = f"New password for {user.get('username')}"
        super().__init__("dialog_password", title, "Set password", parent)
        self.password = _password(self)
        self.password_confirm = _password(self)
        self.form.add_field("password", "&New password", self.password)
        self.form.add_field("password_confirm", "&Confirm", self.password_confirm)

    def values(self) -> JsonObject:
        return {"password": self.password.text()}

    def check(self, values: JsonObject) -> dict[str, list[str]]:
        return _check_passwords(values["password"], self.password_confirm.text())
