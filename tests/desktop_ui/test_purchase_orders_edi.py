"""EDI in the purchase-orders screen against the real server: a submitted order's 850 goes to the
supplier's folder, the supplier answers with a 997 and an 855 changing a line; the screen shows the
order's EDI status in the list and the proposed change beside the order, and the manager confirms it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from fllc_server.integrations.edi import x12

from .server_process import PASSWORDS, USERNAMES
from .test_admin_screens import click
from .test_screenshots import save

LOAD_MS = 15_000


def signed_in_http(url: str, role: str) -> httpx.Client:
    http = httpx.Client(base_url=url, timeout=10)
    tokens = http.post("/api/v1/auth/login", json={"username": USERNAMES[role], "password": PASSWORDS[role]})
    assert tokens.status_code == 200, tokens.text
    http.headers["Authorization"] = f"Bearer {tokens.json()['access_token']}"
    return http


def answer(order: x12.Interchange) -> bytes:
    """Acme's 997 for our 850 and its 855: line 1 as ordered, line 2 at a higher price."""
    group = order.groups[0]
    po = group.sets[0].document
    assert isinstance(po, x12.PurchaseOrder)
    one, two = po.lines
    ack = x12.FunctionalAck("PO", group.control_number, x12.AckStatus.ACCEPTED, 1, 1, 1)
    changed = x12.PurchaseOrderAck(
        po_number=po.number,
        po_date=po.date,
        ack_type=x12.AckType.WITH_DETAIL_AND_CHANGE,
        seller_order_number="SO-77",
        lines=(
            x12.AckLine(one, (x12.LineAck(x12.LineStatus.ACCEPTED, one.quantity, "EA"),)),
            x12.AckLine(
                x12.Item(
                    two.line_id,
                    two.quantity,
                    "EA",
                    (two.unit_price or Decimal(0)) + 1,
                    buyer_part=two.buyer_part,
                ),
                (x12.LineAck(x12.LineStatus.PRICE_CHANGED, two.quantity, "EA", dt.date(2026, 12, 20)),),
            ),
        ),
    )
    groups = tuple(
        x12.FunctionalGroup(
            doc.functional_id,
            "ACMEEDI",
            "FLLCWAREHOUSE",
            dt.date(2026, 12, 3),
            dt.time(9, 0),
            n,
            "004010",
            (x12.TransactionSet("0001", doc),),
        )
        for n, doc in ((801, ack), (802, changed))
    )
    return x12.encode(
        x12.Interchange(
            "01", "ACMEEDI", "ZZ", "FLLCWAREHOUSE", dt.date(2026, 12, 3), dt.time(9, 0), 800, groups=groups
        )
    )


def test_the_edi_status_and_the_suppliers_changes_are_shown_and_confirmed(
    qtbot: Any, signed_in: Any, seeded: Any, tmp_path: Path
) -> None:
    admin = signed_in_http(seeded.url, "admin")
    manager = signed_in_http(seeded.url, "manager")
    supplier = admin.post("/api/v1/suppliers", json={"name": "Acme EDI"}).json()
    drop, pickup = tmp_path / "drop", tmp_path / "pickup"
    pickup.mkdir()
    partner = admin.post(
        "/api/v1/edi/partners",
        json={
            "supplier_id": supplier["id"],
            "our_qualifier": "ZZ",
            "our_id": "FLLCWAREHOUSE",
            "their_qualifier": "01",
            "their_id": "ACMEEDI",
            "our_gs_id": "FLLCWAREHOUSE",
            "their_gs_id": "ACMEEDI",
            "sets": ["850", "855", "997"],
            "drop_path": str(drop),
            "pickup_path": str(pickup),
        },
    )
    assert partner.status_code == 201, partner.text
    products = seeded.products[:2]
    order = manager.post(
        "/api/v1/purchase-orders",
        json={
            "supplier_id": supplier["id"],
            "lines": [{"product_id": p["id"], "ordered_quantity": 10} for p in products],
        },
    ).json()
    assert manager.post(f"/api/v1/purchase-orders/{order['id']}/submit").status_code == 200
    qtbot.waitUntil(
        lambda: drop.is_dir() and any(p.suffix == ".x12" for p in drop.iterdir()), timeout=LOAD_MS
    )
    (sent,) = [p for p in drop.iterdir() if p.suffix == ".x12"]
    (pickup / "acme-800.edi").write_bytes(answer(x12.decode(sent.read_bytes())))
    assert admin.post(f"/api/v1/edi/partners/{partner.json()['id']}/poll").status_code == 202

    def edi_status() -> str:
        return str(manager.get(f"/api/v1/edi/purchase-orders/{order['id']}").json()["status"])

    qtbot.waitUntil(lambda: edi_status() == "acknowledged_with_changes", timeout=LOAD_MS)

    app = signed_in("manager")
    app.window.shell.show_screen("purchase_orders")
    screen = app.window.shell.screens["purchase_orders"]
    qtbot.waitUntil(lambda: screen.select_order(order["number"]), timeout=LOAD_MS)
    row = screen.table.currentRow()
    assert screen.table.item(row, 6).text() == "acknowledged with changes"
    panel = screen.edi
    qtbot.waitUntil(
        lambda: panel.view is not None and panel.view["purchase_order_id"] == order["id"], timeout=LOAD_MS
    )
    assert panel.changes.rowCount() == 1
    assert panel.changes.item(0, 0).text() == products[1]["sku"]
    assert panel.changes.item(0, 4).text() == products[1]["unit_cost"]
    assert panel.changes.item(0, 5).text() == f"{Decimal(products[1]['unit_cost']) + 1}"
    assert "997 accepted" in panel.summary.text()
    assert panel.confirm.isVisible()
    app.window.resize(1280, 900)
    qtbot.waitUntil(lambda: panel.changes.height() > 60 and panel.changes.isVisible(), timeout=LOAD_MS)
    save(app.window, "manager_purchase_orders_edi")
    click(qtbot, panel.confirm)
    qtbot.waitUntil(lambda: not panel.confirm.isVisible(), timeout=LOAD_MS)
    lines = manager.get(f"/api/v1/purchase-orders/{order['id']}").json()["lines"]
    assert lines[1]["unit_cost"] == f"{Decimal(products[1]['unit_cost']) + 1}"
    admin.close()
    manager.close()


def test_an_admin_sets_up_a_suppliers_edi_partner(
    qtbot: Any, signed_in: Any, seeded: Any, tmp_path: Path
) -> None:
    admin = signed_in_http(seeded.url, "admin")
    supplier = admin.post("/api/v1/suppliers", json={"name": "Zenith EDI"}).json()
    app = signed_in("admin")
    app.window.shell.show_screen("suppliers")
    screen = app.window.shell.screens["suppliers"]
    qtbot.waitUntil(lambda: screen.select(supplier["id"]), timeout=LOAD_MS)
    assert screen.edi_button is not None
    click(qtbot, screen.edi_button)
    qtbot.waitUntil(lambda: screen.edi_dialog is not None and screen.edi_dialog.isVisible(), timeout=LOAD_MS)
    dialog = screen.edi_dialog
    for key, value in (
        ("our_id", "FLLCWAREHOUSE"),
        ("their_id", "ZENITH"),
        ("our_gs_id", "FLLCWAREHOUSE"),
        ("their_gs_id", "ZENITH"),
        ("drop_path", str(tmp_path / "in")),
        ("pickup_path", str(tmp_path / "out")),
        ("element_separator", "~"),  # the same as the segment terminator: refused
    ):
        dialog.texts[key].setText(value)
    dialog.sets["810"].setChecked(False)
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(dialog.message.isVisible, timeout=LOAD_MS)
    assert dialog.isVisible()
    dialog.texts["element_separator"].setText("*")
    dialog.transport.setCurrentText("sftp")
    assert dialog.sftp_shown()
    dialog.transport.setCurrentText("folder")
    save(dialog, "admin_supplier_edi_partner")
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=LOAD_MS)
    (partner,) = admin.get("/api/v1/edi/partners", params={"supplier_id": supplier["id"]}).json()
    assert (partner["their_id"], partner["sets"], partner["transport"]) == (
        "ZENITH",
        ["850", "855", "856", "997"],
        "folder",
    )
    admin.close()
