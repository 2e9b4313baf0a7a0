"""A purchase order made from scratch in the desktop against the real server: lines added by SKU,
saved as a draft, edited (a quantity changed, a line removed, one added), submitted."""

from __future__ import annotations

from .conftest import api_client
from .test_admin_screens import click
from .test_screenshots import save

LOAD_MS = 10_000


def add_line(qtbot, dialog, sku):
    before = len(dialog.lines)
    dialog.product_code.setText(sku)
    click(qtbot, dialog.add_button)
    qtbot.waitUntil(lambda: len(dialog.lines) == before + 1, timeout=LOAD_MS)


def test_an_order_from_scratch_is_edited_and_submitted(qtbot, signed_in, seeded):
    app = signed_in("manager")
    app.window.shell.show_screen("purchase_orders")
    screen = app.window.shell.screens["purchase_orders"]
    qtbot.waitUntil(
        lambda: bool(screen.lookups.suppliers) and screen.status.text().endswith("purchase orders"),
        timeout=LOAD_MS,
    )
    click(qtbot, screen.new_button)
    dialog = screen.dialog
    qtbot.waitExposed(dialog)
    click(qtbot, dialog.save_button)  # no supplier yet: said at the field, nothing sent
    assert dialog.form.error_text("supplier_id")
    supplier = seeded.suppliers[1]
    dialog.supplier.set_value(supplier["id"])
    dialog.location.set_value(seeded.locations[1]["id"])
    dialog.has_expected.setChecked(True)
    add_line(qtbot, dialog, "SKU-0041")
    add_line(qtbot, dialog, "sku-0043")  # as typed: case does not matter
    dialog.product_code.setText("NO-SUCH-SKU")
    click(qtbot, dialog.add_button)
    qtbot.waitUntil(dialog.add_note.isVisible, timeout=LOAD_MS)
    dialog.table.cellWidget(0, 2).setValue(12)
    assert "2 lines" in dialog.total.text()
    save(dialog, "manager_purchase_order_new")
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: not dialog.isVisible() and screen.selected_order() is not None, timeout=LOAD_MS)
    order = screen.selected_order()
    assert order["status"] == "draft"
    assert order["supplier_id"] == supplier["id"]
    assert [(ln["sku"], ln["ordered_quantity"]) for ln in order["lines"]] == [
        ("SKU-0041", 12),
        ("SKU-0043", 1),
    ]
    assert order["expected_at"]

    click(qtbot, screen.edit_button)
    dialog = screen.dialog
    qtbot.waitExposed(dialog)
    dialog.table.cellWidget(0, 2).setValue(20)
    dialog.table.selectRow(1)
    click(qtbot, dialog.remove_button)
    add_line(qtbot, dialog, "SKU-0045")
    dialog.notes.setPlainText("Call before delivery")
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=LOAD_MS)
    admin = api_client(seeded.url)
    try:
        saved = admin.purchase_orders.get(order["id"])
        assert [(ln["sku"], ln["ordered_quantity"]) for ln in saved["lines"]] == [
            ("SKU-0041", 20),
            ("SKU-0045", 1),
        ]
        assert saved["notes"] == "Call before delivery"
        qtbot.waitUntil(
            lambda: screen.selected_order() is not None and screen.selected_order()["id"] == order["id"],
            timeout=LOAD_MS,
        )
        click(qtbot, screen.submit_button)
        qtbot.waitUntil(
            lambda: screen.selected_order() is not None and screen.selected_order()["status"] == "submitted",
            timeout=LOAD_MS,
        )
        assert not screen.edit_button.isEnabled()
    finally:  # other tests order from the same suggestions
        admin.purchase_orders.cancel(order["id"])
        admin.close()
