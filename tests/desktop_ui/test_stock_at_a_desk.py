"""Stock adjusted and moved from the Products screen's detail against the real server: the dialog
checks what it can, the server books it once, the detail shows the new stock."""

from __future__ import annotations

from .conftest import api_client
from .test_admin_screens import click
from .test_live_and_resilience import products_screen, show_only
from .test_screenshots import save

LOAD_MS = 10_000


def level_at(screen, location_id):
    return next((int(lv["quantity"]) for lv in screen.levels if lv["location_id"] == location_id), 0)


def test_a_manager_adjusts_and_transfers_from_the_detail(qtbot, signed_in, seeded):
    app = signed_in("manager")
    screen = products_screen(qtbot, app)
    qtbot.waitUntil(lambda: bool(screen.detail.locations), timeout=LOAD_MS)
    product = seeded.products[5]  # 20 received at A-01 by the seed (other tests may move some)
    aisle1, aisle2 = seeded.locations[0]["id"], seeded.locations[1]["id"]
    show_only(qtbot, screen, product["sku"])
    screen.select_row(0)
    qtbot.waitUntil(lambda: screen.adjust_button.isEnabled() and bool(screen.levels), timeout=LOAD_MS)
    before = level_at(screen, aisle1)

    dialog = screen.on_adjust_clicked()
    qtbot.waitExposed(dialog)
    dialog.location.set_value(aisle1)
    dialog.reason.setCurrentIndex(dialog.reason.findData("found"))
    dialog.delta.setValue(-2)  # found stock cannot be negative: said here, nothing sent
    click(qtbot, dialog.ok_button)
    assert dialog.form.error_text("delta")
    dialog.reason.setCurrentIndex(dialog.reason.findData("damaged"))
    dialog.note.setText("Dropped from the shelf")
    save(dialog, "manager_adjust_stock")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(
        lambda: not dialog.isVisible() and level_at(screen, aisle1) == before - 2, timeout=LOAD_MS
    )

    qtbot.waitUntil(screen.transfer_button.isEnabled, timeout=LOAD_MS)
    dialog = screen.on_transfer_clicked()
    qtbot.waitExposed(dialog)
    dialog.source.set_value(aisle1)
    dialog.target.set_value(aisle2)
    dialog.quantity.setValue(before + 100)  # more than is there
    click(qtbot, dialog.ok_button)
    assert dialog.form.error_text("quantity")
    dialog.quantity.setValue(3)
    save(dialog, "manager_transfer_stock")
    at_aisle2 = level_at(screen, aisle2)
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(
        lambda: level_at(screen, aisle1) == before - 5 and level_at(screen, aisle2) == at_aisle2 + 3,
        timeout=LOAD_MS,
    )
    admin = api_client(seeded.url)
    try:
        moves = admin.stock.movements(product_id=product["id"], per_page=5).items
        assert [(m["reason"], m["delta"]) for m in moves[:3]] == [
            ("transfer", 3),
            ("transfer", -3),
            ("adjustment", -2),
        ] or [(m["reason"], m["delta"]) for m in moves[:3]] == [
            ("transfer", -3),
            ("transfer", 3),
            ("adjustment", -2),
        ]
        # put it back for the other tests
        admin.stock.transfer(
            {"product_id": product["id"], "from_location_id": aisle2, "to_location_id": aisle1, "quantity": 3}
        )
        admin.stock.adjust(
            {"product_id": product["id"], "location_id": aisle1, "delta": 2, "reason_code": "correction"}
        )
    finally:
        admin.close()


def test_a_viewer_has_neither(qtbot, signed_in):
    screen = products_screen(qtbot, signed_in("viewer"))
    assert screen.adjust_button is None
    assert screen.transfer_button is None
