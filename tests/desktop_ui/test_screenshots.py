"""A screenshot of every screen for every role, into ``artifacts/screenshots/`` (gitignored), so
anyone can look at the app without running it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QTableView

from .server_process import REPO

SHOTS = REPO / "artifacts" / "screenshots"


def save(widget, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


def test_sign_in_page(qtbot, make_app):
    app = make_app()
    assert save(app.window, "sign_in").stat().st_size > 0


@pytest.mark.parametrize("role", ["admin", "manager", "staff", "viewer"])
def test_every_screen_for_every_role(qtbot, signed_in, role):
    app = signed_in(role)
    shell = app.window.shell
    products = shell.screens["products"]
    qtbot.waitUntil(lambda: products.model.rowCount() > 0, timeout=10_000)
    products.search.setText("SKU-00")  # the seeded products, whatever other tests added
    qtbot.waitUntil(
        lambda: products.query.text == "SKU-00" and products.loaded_serial == products._serial, timeout=10_000
    )
    products.select_row(0)
    qtbot.waitUntil(lambda: products.detail.levels.rowCount() > 0, timeout=10_000)
    for key in shell.screens:
        shell.show_screen(key)
        if key == "users":
            qtbot.waitUntil(lambda: shell.screens["users"].table.rowCount() > 0, timeout=10_000)
        if key == "settings":
            qtbot.waitUntil(lambda: bool(shell.screens["settings"].loaded), timeout=10_000)
        qtbot.wait(50)
        save(app.window, f"{role}_{key}")


def test_product_dialogs(qtbot, signed_in):
    app = signed_in("manager")
    products = app.window.shell.screens["products"]
    qtbot.waitUntil(lambda: products.model.rowCount() > 0, timeout=10_000)
    qtbot.waitUntil(lambda: bool(products.editor.lookups.categories), timeout=10_000)
    products.select_row(0)
    dialog = products.editor.edit(products.selected_product())
    assert dialog.category.value() == products.selected_product()["category_id"]
    qtbot.waitExposed(dialog)
    save(dialog, "manager_product_edit")
    from fllc_desktop.ui.dialogs.conflict_dialog import ConflictDialog

    original = products.selected_product()
    theirs = {**original, "price": "99.00", "name": "Renamed elsewhere", "version": original["version"] + 1}
    conflict = ConflictDialog({"price": "12.00"}, theirs, original, dialog)
    conflict.show()
    qtbot.waitExposed(conflict)
    save(conflict, "manager_product_conflict")
    conflict.reject()
    dialog.reject()
    assert isinstance(dialog, QDialog)
    assert app.window.findChild(QTableView, "products_table") is not None
