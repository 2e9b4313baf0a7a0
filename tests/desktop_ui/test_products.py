"""The products screen against the real server: search, filters, sort, edit, 400s by field, 409s."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from fllc_desktop.api.errors import NotFoundError

from .conftest import api_client
from .test_screenshots import save

LOAD_MS = 10_000


@pytest.fixture
def admin_api(seeded):
    client = api_client(seeded.url)
    yield client
    client.close()


@pytest.fixture
def fresh_product(admin_api):
    """A product of this test's own, so edits never meet another test's."""
    tag = uuid.uuid4().hex[:8].upper()
    return admin_api.products.create({"sku": f"T-{tag}", "name": f"Test widget {tag}", "price": "5.00"})


def products_screen(qtbot, app):
    app.window.shell.show_screen("products")  # not a scan screen: typing is typing, not a scan
    screen = app.window.shell.screens["products"]
    qtbot.waitUntil(lambda: screen.model.rowCount() > 0, timeout=LOAD_MS)
    return screen


def search_for(qtbot, screen, text):
    screen.search.clear()
    qtbot.keyClicks(screen.search, text)
    qtbot.waitUntil(
        lambda: screen.query.text == text and screen.loaded_serial == screen._serial, timeout=LOAD_MS
    )


def watch(dialog):
    """The dialog's result once it finished (it deletes itself afterwards)."""
    results: list[int] = []
    dialog.finished.connect(results.append)
    return results


ACCEPTED, REJECTED = 1, 0


def click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def find_button(name):
    for widget in QApplication.topLevelWidgets():
        found = widget.findChild(QPushButton, name)
        if found is not None and found.isVisible():
            return found
    return None


def test_search_as_you_type_asks_the_server_once_typing_pauses(qtbot, signed_in):
    screen = products_screen(qtbot, signed_in("viewer"))
    before = screen._serial
    search_for(qtbot, screen, "SKU-0042")
    assert screen._serial == before + 1  # eight keystrokes, one request
    assert [screen.model.product_at(r)["sku"] for r in range(screen.model.rowCount())] == ["SKU-0042"]
    assert screen.status.text() == "1 product"


def test_filters_by_category_and_low_stock(qtbot, signed_in, seeded):
    screen = products_screen(qtbot, signed_in("manager"))
    tools = seeded.categories[1]
    qtbot.waitUntil(lambda: screen.category_filter.count() > 1, timeout=LOAD_MS)
    serial = screen._serial
    screen.category_filter.setCurrentIndex(screen.category_filter.findData(tools["id"]))
    qtbot.waitUntil(lambda: screen.loaded_serial > serial, timeout=LOAD_MS)
    rows = [screen.model.product_at(r) for r in range(screen.model.rowCount())]
    assert rows
    assert all(p["category_id"] == tools["id"] for p in rows)
    serial = screen._serial
    screen.low_stock.setChecked(True)
    qtbot.waitUntil(lambda: screen.loaded_serial > serial, timeout=LOAD_MS)
    rows = [screen.model.product_at(r) for r in range(screen.model.rowCount())]
    assert rows
    assert all(p["quantity_on_hand"] <= p["reorder_point"] for p in rows)


def test_clicking_a_column_header_sorts_on_the_server(qtbot, signed_in):
    screen = products_screen(qtbot, signed_in("viewer"))
    header = screen.table.horizontalHeader()
    serial = screen._serial
    header.sectionClicked.emit(3)  # Price
    screen.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: screen.loaded_serial > serial and screen.query.sort == "-price", timeout=LOAD_MS)
    prices = [Decimal(screen.model.product_at(r)["price"]) for r in range(screen.model.rowCount())]
    assert prices == sorted(prices, reverse=True)
    assert screen.model.total == 60 or screen.model.total > 60  # all products, a page of them shown


def test_selecting_a_product_shows_its_stock_per_location_and_movements(qtbot, signed_in):
    screen = products_screen(qtbot, signed_in("staff"))
    search_for(qtbot, screen, "SKU-0001")
    screen.select_row(0)
    qtbot.waitUntil(lambda: screen.detail.levels.rowCount() == 1, timeout=LOAD_MS)
    assert screen.detail.levels.item(0, 0).text() == "A-01"
    assert screen.detail.levels.item(0, 1).text() == "20"
    assert screen.detail.movements.item(0, 1).text() == "+20"


def test_an_edit_is_saved_and_the_row_shows_it(qtbot, signed_in, fresh_product, admin_api):
    screen = products_screen(qtbot, signed_in("manager"))
    search_for(qtbot, screen, fresh_product["sku"])
    screen.select_row(0)
    click(qtbot, screen.edit_button)
    dialog = screen.editor.dialog
    results = watch(dialog)
    dialog.price.clear()
    qtbot.keyClicks(dialog.price, "7.25")
    qtbot.keyClick(dialog.price, Qt.Key.Key_Return)  # Enter saves
    qtbot.waitUntil(lambda: results == [ACCEPTED], timeout=LOAD_MS)
    assert screen.model.product_at(0)["price"] == "7.25"
    assert admin_api.products.get(fresh_product["id"])["price"] == "7.25"


def test_the_servers_400_details_appear_next_to_the_field(qtbot, signed_in, fresh_product):
    screen = products_screen(qtbot, signed_in("manager"))
    search_for(qtbot, screen, fresh_product["sku"])
    screen.select_row(0)
    dialog = screen.editor.edit(screen.selected_product())
    qtbot.keyClicks(dialog.barcode, "4006381333932")  # a bad EAN-13 check digit (…31 is right)
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: dialog.form.error_text("barcode") != "", timeout=LOAD_MS)
    assert dialog.findChild(QLabel, "error_barcode").isVisible()
    assert dialog.isVisible()  # what was typed stays
    assert dialog.barcode.text() == "4006381333932"
    assert dialog.save_button.isEnabled()


def test_escape_closes_the_dialog_without_saving(qtbot, signed_in, fresh_product, admin_api):
    screen = products_screen(qtbot, signed_in("manager"))
    search_for(qtbot, screen, fresh_product["sku"])
    screen.select_row(0)
    dialog = screen.editor.edit(screen.selected_product())
    results = watch(dialog)
    qtbot.keyClicks(dialog.name, " changed")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert results == [REJECTED]
    assert admin_api.products.get(fresh_product["id"])["name"] == fresh_product["name"]


def _edit_then_meet_a_newer_version(qtbot, screen, fresh_product, admin_api):
    search_for(qtbot, screen, fresh_product["sku"])
    screen.select_row(0)
    dialog = screen.editor.edit(screen.selected_product())
    results = watch(dialog)
    admin_api.products.update(
        fresh_product["id"], {"name": "Renamed by someone else"}, version=fresh_product["version"]
    )
    dialog.price.clear()
    qtbot.keyClicks(dialog.price, "8.80")
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: find_button("conflict_keep_mine") is not None, timeout=LOAD_MS)
    conflict = find_button("conflict_keep_mine").window()
    table = conflict.table
    rows = {
        table.item(r, 0).text(): (table.item(r, 1).text(), table.item(r, 2).text())
        for r in range(table.rowCount())
    }
    assert rows["price"] == ("8.80", "5.00")  # mine beside theirs
    assert rows["name"][1] == "Renamed by someone else"
    return dialog, results


def test_a_version_conflict_keep_mine_resends_on_the_new_version(qtbot, signed_in, fresh_product, admin_api):
    screen = products_screen(qtbot, signed_in("manager"))
    _dialog, results = _edit_then_meet_a_newer_version(qtbot, screen, fresh_product, admin_api)
    click(qtbot, find_button("conflict_keep_mine"))
    qtbot.waitUntil(lambda: results == [ACCEPTED], timeout=LOAD_MS)
    now = admin_api.products.get(fresh_product["id"])
    assert (now["price"], now["name"], now["version"]) == ("8.80", "Renamed by someone else", 3)


def test_a_version_conflict_take_theirs_keeps_the_servers_values(qtbot, signed_in, fresh_product, admin_api):
    screen = products_screen(qtbot, signed_in("manager"))
    _dialog, results = _edit_then_meet_a_newer_version(qtbot, screen, fresh_product, admin_api)
    click(qtbot, find_button("conflict_take_theirs"))
    qtbot.waitUntil(lambda: results == [REJECTED], timeout=LOAD_MS)
    now = admin_api.products.get(fresh_product["id"])
    assert (now["price"], now["version"]) == ("5.00", 2)
    assert screen.model.product_at(0)["name"] == "Renamed by someone else"


def test_a_new_product_is_created_from_the_dialog(qtbot, signed_in, admin_api):
    screen = products_screen(qtbot, signed_in("manager"))
    click(qtbot, screen.new_button)
    dialog = screen.editor.dialog
    results = watch(dialog)
    sku = f"NEW-{uuid.uuid4().hex[:6].upper()}"
    qtbot.keyClicks(dialog.sku, sku)
    qtbot.keyClicks(dialog.name, "Brand new thing")
    qtbot.keyClicks(dialog.price, "3.10")
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: results == [ACCEPTED], timeout=LOAD_MS)
    assert admin_api.products.list(q=sku).items[0]["name"] == "Brand new thing"


def test_an_admin_deletes_after_confirming(qtbot, signed_in, fresh_product, admin_api):
    screen = products_screen(qtbot, signed_in("admin"))
    search_for(qtbot, screen, fresh_product["sku"])
    screen.select_row(0)
    click(qtbot, screen.delete_button)
    qtbot.waitUntil(lambda: find_button("dialog_confirm_delete_yes") is not None, timeout=LOAD_MS)
    click(qtbot, find_button("dialog_confirm_delete_yes"))
    qtbot.waitUntil(lambda: screen.model.rowCount() == 0, timeout=LOAD_MS)
    with pytest.raises(NotFoundError):
        admin_api.products.get(fresh_product["id"])


def test_keyboard_only_search_enter_to_results_enter_to_edit(qtbot, signed_in, fresh_product):
    screen = products_screen(qtbot, signed_in("manager"))
    screen.search.setFocus()
    search_for(qtbot, screen, fresh_product["sku"])
    qtbot.keyClick(screen.search, Qt.Key.Key_Return)
    assert screen.table.hasFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_Down)
    assert screen.selected_product()["sku"] == fresh_product["sku"]
    screen.table.activated.emit(screen.table.currentIndex())  # what Enter on a row does
    qtbot.waitUntil(lambda: screen.editor.dialog is not None and screen.editor.dialog.isVisible())
    assert screen.editor.dialog.sku.text() == fresh_product["sku"]
    qtbot.keyClick(screen.editor.dialog, Qt.Key.Key_Escape)


def test_on_a_1280_x_800_tablet_names_stretch_rows_are_touch_sized_and_low_stock_is_explained(
    qtbot, signed_in, monkeypatch
):
    monkeypatch.setenv("FLLC_TOUCH_LAYOUT", "1")  # the setting; a small screen does the same
    app = signed_in("manager")
    screen = products_screen(qtbot, app)
    shell = app.window.shell
    assert shell.property("touch") == "true"
    header = screen.table.horizontalHeader()
    assert screen.table.isColumnHidden(2)  # the barcode is in the detail panel on a tablet
    widths = {
        column: header.sectionSize(column) for column in range(6) if not screen.table.isColumnHidden(column)
    }
    assert widths[1] == max(widths.values())  # the name column takes the room, not the codes
    assert widths[1] >= 200
    assert screen.table.verticalHeader().defaultSectionSize() >= 44
    for button in (screen.new_button, screen.edit_button, screen.prev_button):
        assert button is not None
        assert button.height() >= 44
    legend = screen.findChild(QLabel, "products_legend")
    assert legend is not None
    assert legend.isVisible()
    assert "reorder point" in legend.text()
    search_for(qtbot, screen, "SKU-0001")  # a seeded product with stock and movements
    screen.select_row(0)
    qtbot.waitUntil(lambda: screen.detail.levels.rowCount() > 0, timeout=LOAD_MS)
    movements = screen.detail.movements
    header = movements.horizontalHeader()
    assert header.length() <= movements.viewport().width() + 1  # every column fits: nothing is cut off
    assert min(header.sectionSize(column) for column in range(header.count())) >= 30


def test_available_stock_is_shown_beside_on_hand(qtbot, signed_in, admin_api, seeded):
    """An open order holds units: the list and the detail show on hand and what is available."""
    tag = uuid.uuid4().hex[:8].upper()
    product = admin_api.products.create(
        {"sku": f"AV-{tag}", "name": f"Reserved widget {tag}", "price": "3.00"}
    )
    admin_api.stock.intake(
        {"product_id": product["id"], "quantity": 12, "location_id": seeded.locations[0]["id"]}
    )
    order = {"channel": "order", "items": [{"product_id": product["id"], "quantity": 5}]}
    admin_api.connection.call("POST", "/api/v1/orders", json=order)
    screen = products_screen(qtbot, signed_in("viewer"))
    search_for(qtbot, screen, f"AV-{tag}")
    header = [
        screen.model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        for c in range(screen.model.columnCount())
    ]
    row = {title: screen.model.index(0, c).data() for c, title in enumerate(header)}
    assert (row["On hand"], row["Available"]) == ("12", "7")
    screen.select_row(0)
    qtbot.waitUntil(lambda: "available 7 (5 reserved)" in screen.detail.summary.text(), timeout=LOAD_MS)
    save(screen.window(), "viewer_products_available")
