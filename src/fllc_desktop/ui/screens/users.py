"""Users (admin): list, create, change role, deactivate, reset password — with the server's rules
explained in words when it refuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api import Page
from fllc_desktop.api.errors import ApiError, OfflineError, ValidationError
from fllc_desktop.qt.services import UsersService
from fllc_desktop.ui.dialogs.user_dialogs import FormDialog, NewUserDialog, PasswordDialog, RoleDialog
from fllc_desktop.ui.screens.registry import ScreenFactory
from fllc_desktop.ui.theme import icon
from fllc_desktop.ui.widgets.banner import Banner
from fllc_desktop.ui.widgets.messages import confirm
from fllc_desktop.ui.widgets.record_table import select_record, selected_record

JsonObject = dict[str, Any]
COLUMNS = (
    ("username", "Username"),
    ("full_name", "Full name"),
    ("email", "Email"),
    ("role", "Role"),
    ("is_active", "Active"),
)

REFUSALS = {
    "last_admin": "This is the last active admin, so it cannot be demoted or deactivated: nobody could "
    "manage users any more. Make another user an admin first, then try again.",
    "username_taken": "That username is already taken: choose another.",
    "forbidden": "Your role does not allow managing users.",
}


def explain(error: ApiError) -> str:
    """The server's refusal in words a person can act on."""
    if isinstance(error, OfflineError):
        return "The server cannot be reached: nothing was changed. Try again when it is back."
    return REFUSALS.get(error.code or "", f"{error.title}: {error.message}")


class UsersScreen(QWidget):
    def __init__(self, users: UsersService, current_user_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen_users")
        self._users = users
        self._me = current_user_id
        self.rows: list[JsonObject] = []
        self.message = Banner("users_message", "error", parent=self)
        self.search = QLineEdit(self)
        self.search.setObjectName("users_search")
        self.search.setPlaceholderText("Search users")
        self.search.setClearButtonEnabled(True)
        self.table = self._build_table()
        self.buttons = {
            name: self._button(name, text, icon_name, slot)
            for name, text, icon_name, slot in (
                ("users_create", "&New user", "add", self.on_create_clicked),
                ("users_change_role", "Change &role", "role", self.on_change_role_clicked),
                ("users_reset_password", "Reset &password", "key", self.on_reset_password_clicked),
                ("users_reset_mfa", "Reset two-step sign-&in", "key", self.on_reset_mfa_clicked),
                ("users_deactivate", "&Deactivate", "block", self.on_deactivate_clicked),
            )
        }
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self._lay_out()
        self._update_buttons()
        self.reload()

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(0, len(COLUMNS), self)
        table.setObjectName("users_table")
        table.setHorizontalHeaderLabels([title for _key, title in COLUMNS])
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        return table

    def _button(self, name: str, text: str, icon_name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(icon(icon_name), text, self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        for button in self.buttons.values():
            top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    # -- data -------------------------------------------------------------------------------------
    def reload(self) -> None:
        self._users.list_users(self.search.text().strip()).then(self.on_users_page, self._show_refusal, self)

    def on_users_page(self, page: Page) -> None:
        selected = self.selected_user()
        self.rows = page.items
        self.table.setRowCount(len(self.rows))
        for row, user in enumerate(self.rows):
            for column, (key, _title) in enumerate(COLUMNS):
                value = user.get(key)
                text = ("yes" if value else "no") if key == "is_active" else str(value or "")
                self.table.setItem(row, column, QTableWidgetItem(text))
        if selected is not None:
            self.select_user(str(selected.get("username")))
        self._update_buttons()

    def selected_user(self) -> JsonObject | None:
        return selected_record(self.table, self.rows)

    def select_user(self, username: str) -> bool:
        return select_record(self.table, self.rows, "username", username)

    def _update_buttons(self) -> None:
        user = self.selected_user()
        for name in ("users_change_role", "users_reset_password", "users_reset_mfa", "users_deactivate"):
            self.buttons[name].setEnabled(user is not None)
        if user is not None and not user.get("is_active"):
            self.buttons["users_deactivate"].setEnabled(False)

    def _show_refusal(self, error: ApiError) -> None:
        self.message.show_message(explain(error))

    # -- actions ----------------------------------------------------------------------------------
    def on_create_clicked(self) -> None:
        self._run_dialog(
            NewUserDialog(self),
            lambda values, done, failed: self._users.create_user(values).then(done, failed, self),
        )

    def on_change_role_clicked(self) -> None:
        user = self.selected_user()
        if user is not None:
            user_id = int(user["id"])
            self._run_dialog(
                RoleDialog(user, self),
                lambda values, done, failed: self._users.change_role(user_id, values["role"]).then(
                    done, failed, self
                ),
            )

    def on_reset_password_clicked(self) -> None:
        user = self.selected_user()
        if user is not None:
            self._run_dialog(
                PasswordDialog(user, self),
                lambda values, done, failed: self._users.reset_password(
                    int(user["id"]), values["password"]
                ).then(done, failed, self),
            )

    def on_reset_mfa_clicked(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        confirm(
            self,
            "dialog_confirm_reset_mfa",
            "Reset two-step sign-in",
            f"Turn off two-step sign-in for {user.get('username')} (for example, a lost phone)? They "
            "are signed out, sign in with their password alone, and set it up again at their next "
            "sign-in if their role requires it. The reset is recorded in the audit log.",
            lambda: self._users.reset_mfa(int(user["id"])).then(self._on_changed, self._show_refusal, self),
        )

    def on_deactivate_clicked(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        note = " You are deactivating your own account." if user.get("id") == self._me else ""
        confirm(
            self,
            "dialog_confirm_deactivate",
            "Deactivate user",
            f"Deactivate {user.get('username')}? They are signed out and can no longer sign in.{note}",
            lambda: self._users.deactivate(int(user["id"])).then(self._on_changed, self._show_refusal, self),
        )

    def _run_dialog(self, dialog: FormDialog, send: Callable[..., None]) -> None:
        def on_done(_result: object) -> None:
            dialog.accept()
            self._on_changed(None)

        def on_error(error: ApiError) -> None:
            field_errors = error.field_errors if isinstance(error, ValidationError) else {}
            if error.code == "username_taken":
                field_errors = {"username": ["already taken"]}
            dialog.show_errors(field_errors, "" if field_errors else explain(error))

        dialog.sig_submitted.connect(lambda values: send(values, on_done, on_error))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _on_changed(self, _result: object) -> None:
        self.message.hide()
        self.reload()


def users_screen_factory(users: UsersService) -> ScreenFactory:
    return lambda context: UsersScreen(users, context.user.id)
