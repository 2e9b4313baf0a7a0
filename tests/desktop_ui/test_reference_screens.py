"""Suppliers, Categories (a tree) and Locations against the real server: create, edit, delete, a
refused deletion explained; managers and admins have them, staff and viewers do not."""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtWidgets import QTreeWidget

from .conftest import api_client
from .test_admin_screens import click, visible_button
from .test_screenshots import save

LOAD_MS = 10_000


def screen_of(qtbot, app, key):
    app.window.shell.show_screen(key)
    screen = app.window.shell.screens[key]
    qtbot.waitUntil(lambda: screen.loaded > 0, timeout=LOAD_MS)
    return screen


def save_in(qtbot, screen, values):
    dialog = screen.dialog
    qtbot.waitExposed(dialog)
    for key, value in values.items():
        widget = dialog.inputs[key]
        if hasattr(widget, "set_value"):
            widget.set_value(value)
        elif hasattr(widget, "setValue"):
            widget.setValue(value)
        else:
            widget.setText(value)
    click(qtbot, dialog.save_button)
    return dialog


def test_a_supplier_is_created_edited_and_deleted(qtbot, signed_in):
    app = signed_in("manager")
    screen = screen_of(qtbot, app, "suppliers")
    name = f"Harbor Tools {uuid.uuid4().hex[:5]}"
    click(qtbot, screen.new_button)
    dialog = save_in(qtbot, screen, {"name": name, "email": "orders@harbor.example", "lead_time_days": 12})
    qtbot.waitUntil(
        lambda: not dialog.isVisible() and any(e["name"] == name for e in screen.entities), timeout=LOAD_MS
    )
    created = next(e for e in screen.entities if e["name"] == name)
    assert (created["email"], created["lead_time_days"]) == ("orders@harbor.example", 12)
    screen.search.setText(name)
    assert screen.view.rowCount() == 1
    assert screen.select(created["id"])
    save(app.window, "manager_suppliers")
    click(qtbot, screen.edit_button)
    dialog = save_in(qtbot, screen, {"phone": "+1 555 0100"})
    qtbot.waitUntil(
        lambda: any(e["id"] == created["id"] and e.get("phone") == "+1 555 0100" for e in screen.entities),
        timeout=LOAD_MS,
    )
    assert screen.select(created["id"])
    click(qtbot, screen.delete_button)
    qtbot.waitUntil(lambda: visible_button("dialog_confirm_delete_supplier_yes") is not None, timeout=LOAD_MS)
    click(qtbot, visible_button("dialog_confirm_delete_supplier_yes"))
    qtbot.waitUntil(lambda: all(e["id"] != created["id"] for e in screen.entities), timeout=LOAD_MS)


def test_a_bad_email_is_shown_at_the_field(qtbot, signed_in):
    screen = screen_of(qtbot, signed_in("manager"), "suppliers")
    click(qtbot, screen.new_button)
    dialog = save_in(qtbot, screen, {"name": f"Bad {uuid.uuid4().hex[:5]}", "email": "not-an-address"})
    qtbot.waitUntil(lambda: bool(dialog.form.error_text("email")), timeout=LOAD_MS)
    assert dialog.isVisible()
    dialog.reject()


def test_categories_are_a_tree_and_a_used_one_is_not_deleted(qtbot, signed_in, seeded):
    app = signed_in("admin")
    screen = screen_of(qtbot, app, "categories")
    assert isinstance(screen.view, QTreeWidget)
    tools = next(c for c in seeded.categories if c["name"] == "Tools")
    name = f"Power tools {uuid.uuid4().hex[:5]}"
    click(qtbot, screen.new_button)
    save_in(qtbot, screen, {"name": name, "parent_id": tools["id"]})
    qtbot.waitUntil(lambda: any(e["name"] == name for e in screen.entities), timeout=LOAD_MS)
    child = next(e for e in screen.entities if e["name"] == name)
    assert child["parent_id"] == tools["id"]
    qtbot.waitUntil(lambda: screen.select(child["id"]), timeout=LOAD_MS)
    item = screen.view.currentItem()
    assert item.parent() is not None
    assert item.parent().text(0) == "Tools"
    # editing Tools: neither itself nor its child can become its parent
    assert screen.select(tools["id"])
    click(qtbot, screen.edit_button)
    parents = screen.dialog.inputs["parent_id"]
    offered = {parents.itemData(i) for i in range(parents.count())}
    assert tools["id"] not in offered
    assert child["id"] not in offered
    save(screen.dialog, "admin_category_edit")
    screen.dialog.reject()
    save(app.window, "admin_categories")
    # Tools has products: the server refuses and the screen says why
    click(qtbot, screen.delete_button)
    qtbot.waitUntil(lambda: visible_button("dialog_confirm_delete_category_yes") is not None, timeout=LOAD_MS)
    click(qtbot, visible_button("dialog_confirm_delete_category_yes"))
    qtbot.waitUntil(screen.message.isVisible, timeout=LOAD_MS)
    assert any(e["id"] == tools["id"] for e in screen.entities)
    admin = api_client(seeded.url)
    try:
        admin.categories.delete(child["id"])
    finally:
        admin.close()


def test_a_location_is_created(qtbot, signed_in):
    app = signed_in("manager")
    screen = screen_of(qtbot, app, "locations")
    code = f"C-{uuid.uuid4().hex[:4].upper()}"
    click(qtbot, screen.new_button)
    save_in(qtbot, screen, {"code": code, "name": "Cold room"})
    qtbot.waitUntil(lambda: any(e["code"] == code for e in screen.entities), timeout=LOAD_MS)
    save(app.window, "manager_locations")


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_staff_and_viewers_do_not_have_them(qtbot, signed_in, role):
    shell = signed_in(role).window.shell
    assert not {"suppliers", "categories", "locations"} & set(shell.screens)
