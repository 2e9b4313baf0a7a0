"""Every widget a person can use on the shell's screens has a stable objectName (docs/automation.md)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QAbstractSpinBox, QComboBox, QLineEdit

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView)
DOC = Path(__file__).resolve().parents[2] / "docs" / "automation.md"


def unnamed(root) -> list[str]:
    found = []
    for kind in INTERACTIVE:
        for widget in root.findChildren(kind):
            name = widget.objectName()
            if name.startswith("qt_") or _inside_a_named_compound(widget):
                continue  # Qt's own parts (spin box editors, header buttons, scroll bars)
            if not name:
                found.append(f"{type(widget).__name__} under {widget.parent().objectName()!r}")
    return found


def _inside_a_named_compound(widget) -> bool:
    parent = widget.parent()
    while parent is not None:
        if isinstance(parent, QComboBox | QAbstractSpinBox | QAbstractItemView | QLineEdit):
            return True
        parent = parent.parent()
    return False


def test_the_admins_shell_names_every_widget_a_person_uses(qtbot, signed_in):
    app = signed_in("admin")
    shell = app.window.shell
    keys = (
        "products",
        "purchase_orders",
        "users",
        "settings",
        "orders",
        "customers",
        "scan_pick",
        "integrations",
    )
    for key in keys:
        assert unnamed(shell.screens[key]) == [], key
    assert unnamed(shell.nav) == []
    assert unnamed(app.window.sign_in_page) == []


def test_the_names_tests_rely_on_are_documented():
    doc = DOC.read_text(encoding="utf-8")
    names = (
        "products_search",
        "products_table",
        "products_edit",
        "conflict_keep_mine",
        "users_deactivate",
        "users_message",
        "settings_save",
        "integrations_test_event",
        "integrations_new_key",
        "banner_offline",
        "status_connection",
        "signin_submit",
        "dialog_reauth",
        "nav_sign_out",
    )
    for name in names:
        assert f"`{name}`" in doc, name


def test_the_dialogs_name_every_widget_a_person_uses(qtbot):
    from fllc_desktop.ui.dialogs.conflict_dialog import ConflictDialog
    from fllc_desktop.ui.dialogs.product_dialog import ProductDialog
    from fllc_desktop.ui.dialogs.server_dialog import ServerDialog
    from fllc_desktop.ui.dialogs.user_dialogs import NewUserDialog, PasswordDialog, RoleDialog
    from fllc_desktop.ui.screens.sign_in import ReauthDialog

    product = {"id": 1, "sku": "A", "name": "B", "price": "1.00", "version": 2}
    user = {"id": 1, "username": "u", "role": "staff"}
    dialogs = [
        ProductDialog(product, [], []),
        ConflictDialog({"price": "2.00"}, product, product),
        ServerDialog("http://127.0.0.1:8000"),
        NewUserDialog(),
        RoleDialog(user),
        PasswordDialog(user),
        ReauthDialog("http://127.0.0.1:8000", "u"),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        assert unnamed(dialog) == [], dialog.objectName()
