"""Users and settings (admin) against the real server: refusals explained, errors per field."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from .conftest import api_client
from .test_screenshots import save

LOAD_MS = 10_000


def click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def visible_button(name):
    for widget in QApplication.topLevelWidgets():
        found = widget.findChild(QPushButton, name)
        if found is not None and found.isVisible():
            return found
    return None


def users_screen(qtbot, app):
    app.window.shell.show_screen("users")
    screen = app.window.shell.screens["users"]
    qtbot.waitUntil(lambda: screen.table.rowCount() >= 4, timeout=LOAD_MS)
    return screen


def test_deactivating_the_last_admin_is_refused_and_explained(qtbot, signed_in):
    screen = users_screen(qtbot, signed_in("admin"))
    assert screen.select_user("ada")
    click(qtbot, screen.buttons["users_deactivate"])
    qtbot.waitUntil(lambda: visible_button("dialog_confirm_deactivate_yes") is not None, timeout=LOAD_MS)
    click(qtbot, visible_button("dialog_confirm_deactivate_yes"))
    qtbot.waitUntil(screen.message.isVisible, timeout=LOAD_MS)
    assert "last active admin" in screen.message.text
    assert "Make another user an admin first" in screen.message.text
    save(screen.window(), "admin_users_last_admin_refused")


def test_demoting_the_last_admin_is_refused_inside_the_role_dialog(qtbot, signed_in):
    screen = users_screen(qtbot, signed_in("admin"))
    screen.select_user("ada")
    click(qtbot, screen.buttons["users_change_role"])
    dialog = screen.findChild(QPushButton, "dialog_role_ok").window()
    dialog.role.setCurrentIndex(dialog.role.findData("manager"))
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: dialog.form.general_error() != "", timeout=LOAD_MS)
    assert "last active admin" in dialog.form.general_error()
    save(dialog, "admin_role_dialog_refused")
    assert dialog.isVisible()


def test_an_admin_creates_a_user_changes_the_role_and_resets_the_password(qtbot, signed_in, seeded):
    screen = users_screen(qtbot, signed_in("admin"))
    name = f"u{uuid.uuid4().hex[:8]}"
    click(qtbot, screen.buttons["users_create"])
    dialog = screen.findChild(QPushButton, "dialog_user_ok").window()
    qtbot.keyClicks(dialog.username, name)
    dialog.role.setCurrentIndex(dialog.role.findData("staff"))
    qtbot.keyClicks(dialog.password, "first-pass-1")
    qtbot.keyClicks(dialog.password_confirm, "first-pass-1")
    qtbot.keyClick(dialog.password_confirm, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.select_user(name), timeout=LOAD_MS)
    click(qtbot, screen.buttons["users_change_role"])
    role_dialog = screen.findChild(QPushButton, "dialog_role_ok").window()
    role_dialog.role.setCurrentIndex(role_dialog.role.findData("manager"))
    click(qtbot, role_dialog.ok_button)
    qtbot.waitUntil(
        lambda: screen.selected_user() and screen.selected_user()["role"] == "manager", timeout=LOAD_MS
    )
    click(qtbot, screen.buttons["users_reset_password"])
    password_dialog = screen.findChild(QPushButton, "dialog_password_ok").window()
    qtbot.keyClicks(password_dialog.password, "second-pass-2")
    qtbot.keyClicks(password_dialog.password_confirm, "second-pass-2")
    results: list[int] = []
    password_dialog.finished.connect(results.append)
    click(qtbot, password_dialog.ok_button)
    qtbot.waitUntil(lambda: results == [1], timeout=LOAD_MS)
    client = api_client(seeded.url, "admin")
    client.auth.login(name, "second-pass-2")  # the new password works
    client.close()


def test_a_taken_username_is_shown_next_to_the_username(qtbot, signed_in):
    screen = users_screen(qtbot, signed_in("admin"))
    click(qtbot, screen.buttons["users_create"])
    dialog = screen.findChild(QPushButton, "dialog_user_ok").window()
    qtbot.keyClicks(dialog.username, "max")
    qtbot.keyClicks(dialog.password, "whatever-1")
    qtbot.keyClicks(dialog.password_confirm, "whatever-1")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: dialog.form.error_text("username") != "", timeout=LOAD_MS)
    assert dialog.form.error_text("username") == "already taken"


def test_mismatched_passwords_are_caught_before_sending(qtbot, signed_in):
    screen = users_screen(qtbot, signed_in("admin"))
    click(qtbot, screen.buttons["users_create"])
    dialog = screen.findChild(QPushButton, "dialog_user_ok").window()
    qtbot.keyClicks(dialog.username, "someone")
    qtbot.keyClicks(dialog.password, "password-1")
    qtbot.keyClicks(dialog.password_confirm, "password-2")
    click(qtbot, dialog.ok_button)
    assert dialog.form.error_text("password_confirm") == "does not match the password"
    assert dialog.ok_button.isEnabled()


def settings_screen(qtbot, app):
    app.window.shell.show_screen("settings")
    screen = app.window.shell.screens["settings"]
    qtbot.waitUntil(lambda: bool(screen.loaded), timeout=LOAD_MS)
    return screen


def test_settings_are_checked_here_before_sending(qtbot, signed_in):
    screen = settings_screen(qtbot, signed_in("admin"))
    screen.currency.clear()
    qtbot.keyClicks(screen.currency, "usd")
    click(qtbot, screen.save_button)
    assert screen.form.error_text("currency") == "three capital letters, e.g. USD"
    assert screen.findChild(QLabel, "error_currency").isVisible()


def test_settings_the_server_refuses_are_shown_by_field(qtbot, signed_in):
    screen = settings_screen(qtbot, signed_in("admin"))
    screen.rate_limit.clear()
    qtbot.keyClicks(screen.rate_limit, "lots please")
    click(qtbot, screen.save_button)
    qtbot.waitUntil(lambda: screen.form.error_text("rate_limit") != "", timeout=LOAD_MS)
    assert "600/minute" in screen.form.error_text("rate_limit")
    assert screen.rate_limit.text() == "lots please"  # what was typed stays


def test_settings_are_saved_and_read_back(qtbot, signed_in, seeded):
    screen = settings_screen(qtbot, signed_in("admin"))
    original = screen.loaded["company_name"]
    screen.company_name.clear()
    qtbot.keyClicks(screen.company_name, "FLLC Test Depot")
    click(qtbot, screen.save_button)
    qtbot.waitUntil(lambda: screen.status.text() == "Saved.", timeout=LOAD_MS)
    client = api_client(seeded.url, "admin")
    try:
        assert client.settings.get()["company_name"] == "FLLC Test Depot"
    finally:
        client.settings.put({"company_name": original})
        client.close()


def test_a_manager_makes_drafts_from_suggestions_then_submits_and_cancels(qtbot, signed_in):
    app = signed_in("manager")
    app.window.shell.show_screen("purchase_orders")
    screen = app.window.shell.screens["purchase_orders"]
    qtbot.waitUntil(lambda: screen.status.text().endswith("purchase orders"), timeout=LOAD_MS)
    before = len(screen.orders)
    click(qtbot, screen.suggest_button)
    qtbot.waitUntil(lambda: len(screen.orders) > before, timeout=LOAD_MS)
    draft = next(o for o in screen.orders if o["status"] == "draft")
    assert draft["lines"]  # the products at their reorder point
    screen.select_order(draft["number"])
    assert screen.lines.rowCount() == len(draft["lines"])
    click(qtbot, screen.submit_button)
    qtbot.waitUntil(
        lambda: screen.selected_order() and screen.selected_order()["status"] == "submitted", timeout=LOAD_MS
    )
    click(qtbot, screen.cancel_button)
    qtbot.waitUntil(lambda: visible_button("dialog_confirm_cancel_po_yes") is not None, timeout=LOAD_MS)
    click(qtbot, visible_button("dialog_confirm_cancel_po_yes"))
    qtbot.waitUntil(
        lambda: screen.selected_order() and screen.selected_order()["status"] == "cancelled", timeout=LOAD_MS
    )
    assert not screen.submit_button.isEnabled()


def test_the_default_location_and_the_expiry_rule_are_chosen_by_name_and_saved(qtbot, signed_in, seeded):
    screen = settings_screen(qtbot, signed_in("admin"))
    qtbot.waitUntil(lambda: screen.location.count() > 1, timeout=LOAD_MS)  # the locations, by name
    texts = [screen.location.itemText(i) for i in range(screen.location.count())]
    assert texts[0] == "None"
    assert any(text.startswith("A-01") for text in texts)
    original = dict(screen.loaded)
    screen.location.setCurrentIndex(next(i for i, text in enumerate(texts) if text.startswith("A-01")))
    screen.refuse_expired.setChecked(True)
    screen.near_expiry.setValue(12)
    click(qtbot, screen.save_button)
    qtbot.waitUntil(lambda: screen.status.text() == "Saved.", timeout=LOAD_MS)
    client = api_client(seeded.url, "admin")
    try:
        stored = client.settings.get()
        location_ids = {loc["code"]: loc["id"] for loc in client.locations.list().items}
        assert stored["default_location_id"] == location_ids["A-01"]
        assert stored["refuse_expired_goods"] is True
        assert stored["near_expiry_days"] == 12
    finally:
        client.settings.put(
            {
                "default_location_id": original.get("default_location_id"),
                "refuse_expired_goods": False,
                "near_expiry_days": 30,
            }
        )
        client.close()
