"""Orders, Customers and Pick against a real server: filters and an order's detail, the actions a role
may take, customers made, edited and merged; picking by scan with a wrong item refused, then offline
(the server stopped) and synced once it is back, the same ops pushed again changing nothing. And who
sees which of the three screens, with a screenshot of each for each role that sees it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from fllc_desktop.api import ApiClient
from fllc_desktop.scanning.burst import ScanSource
from fllc_desktop.store.outbox import OpState

from .conftest import api_client, sign_in, start_server
from .test_admin_screens import click
from .test_screenshots import save

LOAD_MS = 15_000
SALES_KEYS = ("orders", "customers", "scan_pick")
SEES = {
    "admin": {"orders", "customers", "scan_pick"},
    "manager": {"orders", "customers", "scan_pick"},
    "staff": {"scan_pick"},
    "viewer": set(),
}


def _product(client: ApiClient, stock: int, name: str = "Mug") -> dict[str, Any]:
    sku = f"SALE-{uuid.uuid4().hex[:6].upper()}"
    product = client.products.create({"sku": sku, "name": f"{name} {sku[-4:]}", "price": "3.50"})
    if stock:
        client.stock.intake({"product_id": product["id"], "quantity": stock})
    return product


def _order(
    client: ApiClient, lines: list[tuple[dict, int]], customer_id: int | None = None, channel: str = "order"
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": channel,
        "items": [{"product_id": p["id"], "quantity": q} for p, q in lines],
    }
    if customer_id is not None:
        body["customer_id"] = customer_id
    return dict(client.connection.call("POST", "/api/v1/orders", json=body))


def _customer(client: ApiClient, name: str, email: str | None = None, city: str = "Springfield") -> dict:
    address = {"line1": "1 Main St", "city": city, "postal_code": "10001"}
    return client.customers.create({"name": name, "email": email, "addresses": [address]})


def _on_hand(client: ApiClient, product_id: int) -> int:
    return int(client.products.get(product_id)["quantity_on_hand"])


@pytest.fixture
def admin_api(seeded):
    client = api_client(seeded.url)
    yield client
    client.close()


def orders_screen(qtbot, app):
    app.window.shell.show_screen("orders")
    screen = app.window.shell.screens["orders"]
    qtbot.waitUntil(lambda: screen.loaded > 0, timeout=LOAD_MS)
    return screen


def choose(qtbot, screen, number):
    qtbot.waitUntil(lambda: screen.select_order(number), timeout=LOAD_MS)
    qtbot.waitUntil(
        lambda: screen.detail is not None and screen.detail.order["number"] == number, timeout=LOAD_MS
    )


def test_orders_filter_show_the_detail_and_move_an_order(qtbot, signed_in, admin_api):
    tag = uuid.uuid4().hex[:4]
    ada = _customer(admin_api, f"Ada Orders {tag}", f"ada{tag}@example.com", city="Lisbon")
    mug, pen = _product(admin_api, 10), _product(admin_api, 10, "Pen")
    order = _order(admin_api, [(mug, 2), (pen, 1)], ada["id"])
    other = _order(admin_api, [(mug, 1)])
    app = signed_in("manager")
    screen = orders_screen(qtbot, app)

    qtbot.waitUntil(lambda: screen.customer_filter.findData(ada["id"]) >= 0, timeout=LOAD_MS)
    screen.customer_filter.setCurrentIndex(screen.customer_filter.findData(ada["id"]))
    qtbot.waitUntil(lambda: [o["number"] for o in screen.orders] == [order["number"]], timeout=LOAD_MS)
    screen.status_filter.setCurrentIndex(screen.status_filter.findData("shipped"))
    qtbot.waitUntil(lambda: screen.orders == [], timeout=LOAD_MS)
    screen.status_filter.setCurrentIndex(screen.status_filter.findData("placed"))
    choose(qtbot, screen, order["number"])

    assert screen.items.rowCount() == 2
    assert screen.items.item(0, 0).text() == mug["sku"]
    assert "Lisbon" in screen.customer.text()
    assert "7.00" not in screen.totals.text()  # 2 x 3.50 + 3.50 = 10.50
    assert "10.50" in screen.totals.text()
    assert screen.history.rowCount() == 1
    assert screen.advance_button.isVisible()
    assert screen.advance_button.text() == "Mark &paid"
    assert not screen.return_button.isVisible()
    save(app.window, "manager_orders_detail")

    click(qtbot, screen.advance_button)
    qtbot.waitUntil(lambda: screen.orders == [], timeout=LOAD_MS)  # paid: no longer "placed"
    screen.status_filter.setCurrentIndex(0)
    choose(qtbot, screen, order["number"])
    assert screen.detail.order["status"] == "paid"
    assert [screen.history.item(r, 2).text() for r in range(screen.history.rowCount())] == ["placed", "paid"]
    assert screen.advance_button.text() == "Start &picking"

    screen.customer_filter.setCurrentIndex(0)
    choose(qtbot, screen, other["number"])
    click(qtbot, screen.cancel_button)
    box = app.window.findChild(object, "dialog_confirm_cancel_order")
    qtbot.waitUntil(lambda: box is not None and box.isVisible(), timeout=LOAD_MS)
    click(qtbot, box.findChild(object, "dialog_confirm_cancel_order_yes"))
    qtbot.waitUntil(
        lambda: screen.detail is not None and screen.detail.order["status"] == "cancelled", timeout=LOAD_MS
    )
    assert not screen.cancel_button.isVisible()
    assert _on_hand(admin_api, mug["id"]) == 10  # reserved, never taken; the cancel released it


def test_orders_show_back_ordered_units_until_arriving_stock_is_allocated(qtbot, signed_in, admin_api):
    """An order beyond the stock (allow_backorder): the list and the line show what it waits for,
    picking cannot start; stock arrives, the server allocates it and its event reloads the screen."""
    mug = _product(admin_api, 2)
    body = {"channel": "order", "allow_backorder": True, "items": [{"product_id": mug["id"], "quantity": 5}]}
    order = dict(admin_api.connection.call("POST", "/api/v1/orders", json=body))
    assert order["backordered_quantity"] == 3
    admin_api.connection.call("POST", f"/api/v1/orders/{order['id']}/status", json={"status": "paid"})
    app = signed_in("manager")
    screen = orders_screen(qtbot, app)
    choose(qtbot, screen, order["number"])
    row = next(r for r in range(screen.table.rowCount()) if screen.table.item(r, 0).text() == order["number"])
    assert screen.table.horizontalHeaderItem(6).text() == "Back-ordered"
    assert screen.table.item(row, 6).text() == "3"
    assert screen.items.horizontalHeaderItem(3).text() == "Back-ordered"
    assert [screen.items.item(0, c).text() for c in (2, 3)] == ["5", "3"]
    assert "waiting for 3 back-ordered units" in screen.heading.text()
    assert screen.advance_button.text() == "Start &picking"
    assert not screen.advance_button.isEnabled()
    save(app.window, "manager_orders_backordered")

    admin_api.stock.intake({"product_id": mug["id"], "quantity": 3})  # the event reloads the screen
    qtbot.waitUntil(
        lambda: screen.detail is not None and screen.detail.order["backordered_quantity"] == 0,
        timeout=LOAD_MS,
    )
    qtbot.waitUntil(lambda: screen.items.rowCount() == 1 and screen.items.item(0, 3).text() == "—")
    assert "back-ordered" not in screen.heading.text()
    assert screen.advance_button.isEnabled()
    save(app.window, "manager_orders_backorder_allocated")


def test_a_return_puts_lines_back_or_writes_them_off(qtbot, signed_in, admin_api):
    mug, pen = _product(admin_api, 10), _product(admin_api, 10, "Pen")
    sale = _order(admin_api, [(mug, 3), (pen, 2)], channel="counter")
    assert (_on_hand(admin_api, mug["id"]), _on_hand(admin_api, pen["id"])) == (7, 8)
    app = signed_in("manager")
    screen = orders_screen(qtbot, app)
    choose(qtbot, screen, sale["number"])
    assert screen.return_button.isVisible()
    assert not screen.cancel_button.isVisible()  # a counter sale is returned, never cancelled
    dialog = screen.on_return_clicked()
    qtbot.waitExposed(dialog)
    dialog.quantities[0].setValue(2)
    dialog.dispositions[1].setCurrentIndex(dialog.dispositions[1].findData("damaged"))
    dialog.note.setText("Customer changed their mind")
    save(dialog, "manager_order_return")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=LOAD_MS)
    qtbot.waitUntil(
        lambda: screen.detail is not None and screen.detail.order["status"] == "returned", timeout=LOAD_MS
    )
    assert (_on_hand(admin_api, mug["id"]), _on_hand(admin_api, pen["id"])) == (9, 8)  # 2 back; 2 written off


def test_customers_are_made_edited_merged_and_show_their_orders(qtbot, signed_in, admin_api):
    tag = uuid.uuid4().hex[:5]
    twin = _customer(admin_api, f"Grace {tag}", f"grace{tag}@example.com")
    mug = _product(admin_api, 5)
    twin_order = _order(admin_api, [(mug, 1)], twin["id"])
    app = signed_in("manager")
    app.window.shell.show_screen("customers")
    screen = app.window.shell.screens["customers"]
    qtbot.waitUntil(lambda: screen.loaded > 0, timeout=LOAD_MS)

    dialog = screen.on_new_clicked()
    qtbot.waitExposed(dialog)
    click(qtbot, dialog.ok_button)
    assert dialog.form.error_text("name")
    qtbot.keyClicks(dialog.name, f"Grace {tag}")
    dialog.email.setText(f"grace.h{tag}@example.com")
    dialog.address["line1"].setText("7 Harbour Rd")
    click(qtbot, dialog.ok_button)
    assert dialog.form.error_text("city")  # an address needs its city and postcode
    dialog.address["city"].setText("Arlington")
    dialog.address["postal_code"].setText("22201")
    dialog.email.setText("not an email")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: bool(dialog.form.error_text("email")), timeout=LOAD_MS)  # the server's 400
    dialog.email.setText(f"grace.h{tag}@example.com")
    save(dialog, "manager_customer_new")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=LOAD_MS)
    qtbot.waitUntil(lambda: screen.selected_customer() is not None, timeout=LOAD_MS)
    made = screen.selected_customer()
    assert made["addresses"][0]["city"] == "Arlington"

    edit = screen.on_edit_clicked()
    qtbot.waitExposed(edit)
    edit.phone.setText("+1 555 0100")
    click(qtbot, edit.ok_button)
    qtbot.waitUntil(lambda: (screen.selected_customer() or {}).get("phone") == "+1 555 0100", timeout=LOAD_MS)

    screen.search.setText(f"Grace {tag}")
    qtbot.waitUntil(lambda: len(screen.customers) == 2, timeout=LOAD_MS)
    assert screen.select_customer(made["id"])
    screen.on_merge_clicked()
    qtbot.waitUntil(lambda: screen.dialog is not None and screen.dialog.objectName() == "dialog_merge",
                    timeout=LOAD_MS)  # fmt: skip
    merge = screen.dialog
    qtbot.waitExposed(merge)
    click(qtbot, merge.ok_button)
    assert merge.form.error_text("duplicate_ids")
    merge.tick(twin["id"])
    save(merge, "manager_customer_merge")
    click(qtbot, merge.ok_button)
    qtbot.waitUntil(lambda: len(screen.customers) == 1, timeout=LOAD_MS)
    qtbot.waitUntil(lambda: [o["number"] for o in screen.orders] == [twin_order["number"]], timeout=LOAD_MS)
    kept = screen.selected_customer()
    assert kept["phone"] == "+1 555 0100"
    assert len(kept["addresses"]) == 2  # the twin's address came along
    save(app.window, "manager_customers_detail")

    click(qtbot, screen.orders_button)
    orders = app.window.shell.screens["orders"]
    qtbot.waitUntil(lambda: app.window.shell.current_key == "orders", timeout=LOAD_MS)
    qtbot.waitUntil(lambda: [o["number"] for o in orders.orders] == [twin_order["number"]], timeout=LOAD_MS)


def _pick_screen(qtbot, app):
    app.window.shell.show_screen("scan_pick")
    screen = app.window.shell.screens["scan_pick"]
    qtbot.waitUntil(lambda: screen.fetched > 0, timeout=LOAD_MS)
    return screen


def _scan(qtbot, screen, code):
    before = screen.scan_number
    screen.accept_scan(code, ScanSource.MANUAL)
    qtbot.waitUntil(lambda: screen.scan_number == before + 1, timeout=LOAD_MS)


def test_pick_by_scan_works_offline_and_syncs_exactly_once(qtbot, make_app, tmp_path):
    server = start_server(tmp_path / "pick-server")
    admin = api_client(server.url)
    try:
        admin.locations.create({"code": "P-01", "name": "Picking"})
        mug, pen, glue = _product(admin, 10), _product(admin, 5, "Pen"), _product(admin, 3, "Glue")
        order = _order(admin, [(mug, 2), (pen, 2)])
        admin.orders.set_status(order["id"], "paid", idempotency_key=str(uuid.uuid4()))
        app = make_app(server.url)
        sign_in(qtbot, app, "staff")
        assert "orders" not in app.window.shell.screens
        screen = _pick_screen(qtbot, app)
        desk = screen.picking.desk
        qtbot.waitUntil(lambda: desk.store.catalog.product_by_sku(glue["sku"]) is not None, timeout=LOAD_MS)
        qtbot.waitUntil(lambda: screen.picking.order(order["id"]) is not None, timeout=LOAD_MS)

        _scan(qtbot, screen, mug["sku"])  # no order open yet
        assert screen.feedback.tone == "error"
        _scan(qtbot, screen, order["number"])  # the order's number opens it
        assert screen.order is not None
        assert screen.order.id == order["id"]
        _scan(qtbot, screen, glue["sku"])
        assert (screen.feedback.tone, screen.feedback.title.startswith("WRONG ITEM")) == ("error", True)
        save(app.window, "staff_pick_wrong_item")
        assert desk.store.outbox.counts(desk.owner).pending == 0  # never a silent pick
        _scan(qtbot, screen, mug["sku"])
        assert screen.feedback.tone == "ok"
        qtbot.waitUntil(lambda: desk.store.outbox.counts(desk.owner).pending == 0, timeout=LOAD_MS)  # synced

        server.stop()
        qtbot.waitUntil(lambda: "offline" in app.window.status_connection.text(), timeout=30_000)
        _scan(qtbot, screen, mug["sku"])
        assert "Saved on this tablet" in screen.feedback.detail
        _scan(qtbot, screen, mug["sku"])
        assert screen.feedback.title.startswith("Already picked")  # 2 of 2: a third is refused
        _scan(qtbot, screen, pen["sku"])
        screen.lines.selectRow(1)
        dialog = screen.on_short_clicked()
        qtbot.waitExposed(dialog)
        assert dialog.quantity.value() == 1
        dialog.reason.setCurrentText("Not on the shelf")
        save(dialog, "staff_pick_short")
        click(qtbot, dialog.findChild(object, "scan_pick_short_ok"))
        qtbot.waitUntil(lambda: screen.order is not None and screen.order.can_pack, timeout=LOAD_MS)
        save(app.window, "staff_pick_offline")
        click(qtbot, screen.pack_button)
        qtbot.waitUntil(screen.ship_button.isEnabled, timeout=LOAD_MS)
        click(qtbot, screen.ship_button)
        qtbot.waitUntil(lambda: screen.picking.order(order["id"]) is None, timeout=LOAD_MS)
        pending = desk.store.outbox.pending(desk.owner, limit=-1)
        assert [e.command.kind.value for e in pending] == ["order.pick"] * 3 + ["order.fulfil"] * 2

        server.start()
        qtbot.waitUntil(lambda: desk.store.outbox.counts(desk.owner).pending == 0, timeout=60_000)
        assert all(desk.store.outbox.entry(e.command.op_id).state is OpState.DONE for e in pending)
        detail = admin.orders.get(order["id"])
        assert detail["status"] == "shipped"
        assert [(i["picked_quantity"], i["short_quantity"]) for i in detail["items"]] == [(2, 0), (1, 1)]
        assert (_on_hand(admin, mug["id"]), _on_hand(admin, pen["id"])) == (8, 4)  # only what was picked

        staff = api_client(server.url, "staff")
        again = staff.sync.push("tablet-replay", [e.command for e in pending])
        assert {answer.status for answer in again} == {"duplicate"}
        staff.close()
        assert (_on_hand(admin, mug["id"]), _on_hand(admin, pen["id"])) == (8, 4)
    finally:
        admin.close()
        server.stop()


@pytest.mark.parametrize("role", ["admin", "manager", "staff", "viewer"])
def test_who_sees_orders_customers_and_pick(qtbot, signed_in, admin_api, role):
    ada = _customer(admin_api, f"Shown Customer {uuid.uuid4().hex[:4]}", city="Porto")
    mug = _product(admin_api, 10)
    order = _order(admin_api, [(mug, 2)], ada["id"])
    admin_api.orders.set_status(order["id"], "paid", idempotency_key=str(uuid.uuid4()))
    app = signed_in(role)
    shell = app.window.shell
    assert {key for key in SALES_KEYS if key in shell.screens} == SEES[role]
    assert {key for key in SALES_KEYS if key in shell.nav_buttons} == SEES[role]
    if not SEES[role]:
        save(app.window, f"{role}_no_sales_screens")
    if "orders" in SEES[role]:
        screen = orders_screen(qtbot, app)
        choose(qtbot, screen, order["number"])
        save(app.window, f"{role}_orders")
        shell.show_screen("customers")
        customers = shell.screens["customers"]
        qtbot.waitUntil(lambda: customers.loaded > 0, timeout=LOAD_MS)
        qtbot.waitUntil(lambda: customers.select_customer(ada["id"]), timeout=LOAD_MS)
        qtbot.waitUntil(lambda: bool(customers.orders), timeout=LOAD_MS)
        save(app.window, f"{role}_customers")
    if "scan_pick" in SEES[role]:
        pick = _pick_screen(qtbot, app)
        qtbot.waitUntil(lambda: pick.open_order(order["id"]), timeout=LOAD_MS)
        save(app.window, f"{role}_scan_pick")
