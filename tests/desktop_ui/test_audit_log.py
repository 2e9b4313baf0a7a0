"""The Audit log screen (admins) against the real server: filters by user, entity and time, and an
entry's before and after side by side with the changed fields marked."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from PySide6.QtCore import QDate

from .conftest import USERNAMES, api_client
from .test_screenshots import save

LOAD_MS = 10_000


def audit_screen(qtbot, app):
    app.window.shell.show_screen("audit_log")
    screen = app.window.shell.screens["audit_log"]
    qtbot.waitUntil(lambda: screen.loaded > 0 and bool(screen.usernames), timeout=LOAD_MS)
    return screen


def test_an_edit_shows_before_and_after_side_by_side(qtbot, signed_in, seeded):
    manager = api_client(seeded.url, "manager")
    try:
        product = manager.products.get(seeded.products[30]["id"])
        name = f"Renamed {uuid.uuid4().hex[:6]}"
        manager.products.update(product["id"], {"name": name, "price": "77.00"}, version=product["version"])
        manager_id = manager.auth.me().id
    finally:
        manager.close()
    app = signed_in("admin")
    screen = audit_screen(qtbot, app)
    screen.user_filter.set_value(manager_id)  # filtering applies at once
    qtbot.waitUntil(lambda: screen.query.actor_id == manager_id and screen.loaded >= 2, timeout=LOAD_MS)
    index = screen.entity_filter.findData("product")
    screen.entity_filter.setCurrentIndex(index)
    screen.entity_id.setText(str(product["id"]))
    screen.apply_button.click()
    qtbot.waitUntil(
        lambda: (
            screen.query.entity_id == str(product["id"])
            and bool(screen.entries)
            and all(e["entity_id"] == str(product["id"]) for e in screen.entries)
        ),
        timeout=LOAD_MS,
    )
    entry = screen.selected_entry()
    assert entry["action"] == "product.update"
    assert screen.table.item(0, 1).text() == USERNAMES["manager"]
    rows = {
        screen.diff.item(r, 0).text(): (screen.diff.item(r, 1).text(), screen.diff.item(r, 2).text())
        for r in range(screen.diff.rowCount())
    }
    assert rows["name"] == (product["name"], name)
    assert rows["price"][1] == "77.00"
    assert "fields changed" in screen.entry_title.text()
    save(app.window, "admin_audit_log")


def test_a_time_window_without_entries_is_empty(qtbot, signed_in):
    screen = audit_screen(qtbot, signed_in("admin"))
    assert screen.entries  # the seed made products
    long_ago = QDate(2001, 1, 1)
    screen.since.setDate(long_ago)
    screen.until.setDate(long_ago.addDays(3))
    screen.use_dates.setChecked(True)
    qtbot.waitUntil(
        lambda: screen.query.since is not None and screen.loaded >= 2 and not screen.entries, timeout=LOAD_MS
    )
    assert screen.query.until - screen.query.since == dt.timedelta(days=4)
    assert screen.diff.rowCount() == 0
    screen.use_dates.setChecked(False)
    qtbot.waitUntil(lambda: screen.query.since is None and bool(screen.entries), timeout=LOAD_MS)


@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
def test_only_admins_have_the_audit_log(qtbot, signed_in, role):
    shell = signed_in(role).window.shell
    assert "audit_log" not in shell.screens
    assert "audit_log" not in shell.nav_buttons
