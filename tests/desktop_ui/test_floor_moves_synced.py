"""Transfer and adjust by scan, Receive PO and Count, through the desktop's outbox and sync to a real
server process: each op booked exactly once, also when the app was closed with the ops unsent
(scanned offline, the app started again while the server was still down, then the server came up).
After that restart every scan screen says how many of its ops were kept and lists them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from fllc_desktop.floor.moves import AdjustReason
from fllc_desktop.ui.screens.scan_base import ScanScreen

from .conftest import SIGN_IN_TIMEOUT_MS, api_client, sign_in, start_server
from .server_process import ServerProcess
from .test_screenshots import save

SYNC_MS = 30_000
BARCODE = "4006381333931"


@dataclass
class Site:
    server: ServerProcess
    a: int  # location ids
    b: int
    product: int
    order: dict[str, Any]

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
def warehouse(tmp_path) -> Iterator[Site]:
    """An own server (it is stopped and started again) with two locations, one product with 10 at
    A-01, and a submitted PO of 20 of it."""
    server = start_server(tmp_path / "own-server")
    client = api_client(server.url)
    try:
        a, b = (client.locations.create({"code": c, "name": f"Aisle {c}"}) for c in ("A-01", "B-02"))
        supplier = client.suppliers.create({"name": "Acme Supply"})
        product = client.products.create(
            {
                "sku": "BOLT-M6",
                "name": "Hex bolt M6",
                "barcode": BARCODE,
                "supplier_id": supplier["id"],
                "price": "1.50",
                "unit_cost": "1.00",
            }
        )
        client.stock.intake({"product_id": product["id"], "quantity": 10, "location_id": a["id"]})
        order = client.purchase_orders.create(
            {
                "supplier_id": supplier["id"],
                "location_id": b["id"],
                "lines": [{"product_id": product["id"], "ordered_quantity": 20}],
            }
        )
        order = client.purchase_orders.submit(order["id"])
    finally:
        client.close()
    yield Site(server, a["id"], b["id"], product["id"], order)
    server.stop()


def screen(app: Any, key: str) -> ScanScreen:
    shown: ScanScreen = app.window.shell.screens[key]
    app.window.shell.show_screen(key)
    return shown


def scan(target: ScanScreen, *codes: str) -> None:
    for code in codes:
        target.accept_scan(code)
    target.handle_queued_scans()


def pending(target: ScanScreen) -> int:
    return len(target.desk.store.outbox.pending(target.desk.owner, limit=-1))


def levels(url: str, product_id: int) -> dict[int, int]:
    client = api_client(url)
    try:
        return {int(lv["location_id"]): int(lv["quantity"]) for lv in client.stock.levels(product_id).items}
    finally:
        client.close()


def movements(url: str, product_id: int) -> list[dict[str, Any]]:
    client = api_client(url)
    try:
        return list(client.stock.movements(product_id=product_id, per_page=100).items)
    finally:
        client.close()


def signed_in_with_catalog(qtbot: Any, app: Any, product_id: int) -> None:
    sign_in(qtbot, app, "manager")
    desk = app.window.shell.screens["scan_transfer"].desk
    qtbot.waitUntil(lambda: desk.product(product_id) is not None, timeout=SYNC_MS)


def test_transfer_and_adjust_by_scan_reach_the_server_once(qtbot, make_app, warehouse) -> None:
    app = make_app(warehouse.url)
    signed_in_with_catalog(qtbot, app, warehouse.product)

    transfer = screen(app, "scan_transfer")
    scan(transfer, "A-01", BARCODE, BARCODE, BARCODE, "B-02")
    assert transfer.feedback.title == "Moved to B-02"
    adjust = screen(app, "scan_adjust")
    adjust.choose(AdjustReason.DAMAGED)
    adjust.note.setText("crushed pallet")
    scan(adjust, "A-01", BARCODE)
    assert adjust.feedback.title.startswith("-1")
    qtbot.waitUntil(lambda: pending(adjust) == 0, timeout=SYNC_MS)

    assert levels(warehouse.url, warehouse.product) == {warehouse.a: 6, warehouse.b: 3}
    moved = [(m["reason"], m["location_id"], m["delta"]) for m in movements(warehouse.url, warehouse.product)]
    assert sorted(moved) == sorted(
        [
            ("intake", warehouse.a, 10),
            ("transfer", warehouse.a, -3),
            ("transfer", warehouse.b, 3),
            ("adjustment", warehouse.a, -1),
        ]
    )
    (adjusted,) = [m for m in movements(warehouse.url, warehouse.product) if m["reason"] == "adjustment"]
    assert (adjusted["reason_code"], adjusted["note"]) == ("damaged", "crushed pallet")


def test_ops_scanned_offline_and_kept_over_a_restart_are_said_listed_and_sent_once(
    qtbot, make_app, warehouse
) -> None:
    app = make_app(warehouse.url)
    signed_in_with_catalog(qtbot, app, warehouse.product)
    po = screen(app, "scan_po_receive")
    qtbot.waitUntil(lambda: bool(po.desk.open_purchase_orders()), timeout=SYNC_MS)
    warehouse.server.stop()  # the Wi-Fi drops

    scan(screen(app, "scan_transfer"), "A-01", BARCODE, BARCODE, "B-02")
    adjust = screen(app, "scan_adjust")
    adjust.choose(AdjustReason.FOUND)
    adjust.note.setText("behind shelf B-04")
    scan(adjust, "A-01", BARCODE)
    po = screen(app, "scan_po_receive")
    scan(po, str(warehouse.order["number"]), BARCODE, BARCODE)
    count = screen(app, "scan_count")
    scan(count, "B-02", BARCODE)
    count.submit_button.click()
    assert pending(count) == 5  # transfer, adjust, two PO receipts, the count
    app.shutdown()
    app.window.close()

    again = make_app(warehouse.url)  # started again while the server is still down
    qtbot.waitUntil(again.window.sign_in_page.isVisible, timeout=SIGN_IN_TIMEOUT_MS)
    warehouse.server.start()  # same port, same data
    sign_in(qtbot, again, "manager")

    kept = {
        key: screen(again, key)
        for key in ("scan_transfer", "scan_adjust", "scan_po_receive", "scan_count", "scan_receive")
    }
    # said at once (and, once sync has sent them, said again: "...: sent"), and listed
    said = {
        "scan_transfer": (1, "transfer"),
        "scan_adjust": (1, "adjustment"),
        "scan_po_receive": (2, "receipts"),
        "scan_count": (1, "count"),
    }
    for key, (count, noun) in said.items():
        title = kept[key].feedback.title
        assert title in (f"{count} unsent {noun} kept from before", f"{count} {noun} kept from before: sent")
    assert warehouse.order["number"] in kept["scan_po_receive"].feedback.detail
    assert "kept from before" not in kept["scan_receive"].feedback.title  # none of its own: nothing said
    for key in ("scan_transfer", "scan_adjust", "scan_count"):
        assert kept[key].kept.rowCount() == 1, key
    assert kept["scan_transfer"].kept.item(0, 0).text() == "2 of Hex bolt M6, A-01 → B-02"
    assert kept["scan_count"].kept.item(0, 0).text().endswith(": 1 product")
    po = kept["scan_po_receive"]
    assert po.order is not None
    assert po.order["id"] == warehouse.order["id"]  # the order they belong to is open

    qtbot.waitUntil(lambda: pending(po) == 0, timeout=SYNC_MS)
    for key, (count, noun) in said.items():
        sent = f"{count} {noun} kept from before: sent"
        qtbot.waitUntil(lambda key=key, sent=sent: kept[key].feedback.title == sent, timeout=SYNC_MS)
    for key in ("scan_transfer", "scan_adjust", "scan_count"):
        assert kept[key].kept.state_text(0) == "Sent ✓"
    for key in kept:
        again.window.shell.show_screen(key)
        save(again.window, f"manager_{key}_after_restart")

    # 10 at A-01; -2 moved to B-02, +1 found at A-01; 2 received on the PO at B-02
    assert levels(warehouse.url, warehouse.product) == {warehouse.a: 9, warehouse.b: 4}
    moved = sorted(
        (m["reason"], m["location_id"], m["delta"]) for m in movements(warehouse.url, warehouse.product)
    )
    assert moved == sorted(
        [
            ("intake", warehouse.a, 10),
            ("transfer", warehouse.a, -2),
            ("transfer", warehouse.b, 2),
            ("adjustment", warehouse.a, 1),
            ("intake", warehouse.b, 1),
            ("intake", warehouse.b, 1),
        ]
    )
