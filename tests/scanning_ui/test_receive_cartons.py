"""Receive-PO with a supplier's ship notice: the cartons are listed, and scanning a carton's SSCC-18
label (GS1 AI 00) receives its whole contents with one op through the outbox — asking first when a
line would go past its ordered quantity."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from fllc_desktop.api.models import Change
from fllc_desktop.domain.commands import CommandKind
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.store import LocalStore
from fllc_desktop.ui.screens.scan_po import ReceivePoScreen
from fllc_desktop.ui.theme import apply_theme

BOLTS = "006141411234567890"  # SSCC-18 with its check digit
NUTS = "006141411234567906"
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def order_with_cartons() -> Change:
    order = {
        "id": 9,
        "number": "PO-0009",
        "supplier_id": 1,
        "status": "submitted",
        "edi_status": "asn_received",
        "lines": [
            {
                "id": 91,
                "product_id": 1,
                "sku": "BOLT-M6",
                "name": "Bolt M6 x 20",
                "ordered_quantity": 24,
                "received_quantity": 0,
            },
            {
                "id": 92,
                "product_id": 2,
                "sku": "NUT-M6",
                "name": "Nut M6",
                "ordered_quantity": 5,
                "received_quantity": 0,
            },
        ],
        "cartons": [
            {
                "sscc": BOLTS,
                "shipment_id": "ASN-1",
                "received_at": None,
                "contents": [{"line_id": 91, "sku": "BOLT-M6", "quantity": 24}],
            },
            {
                "sscc": NUTS,
                "shipment_id": "ASN-1",
                "received_at": None,
                "contents": [{"line_id": 92, "sku": "NUT-M6", "quantity": 6}],
            },
        ],
    }
    return Change(seq=300, entity="purchase_order", entity_id=9, deleted=False, data=order)


@pytest.fixture
def screen(qtbot: QtBot, store: LocalStore, staff_desk: ScanDesk) -> ReceivePoScreen:
    store.catalog.apply_changes([order_with_cartons()], cursor=300)
    po_screen = ReceivePoScreen(staff_desk)
    qtbot.addWidget(po_screen)
    return po_screen


def ops(desk: ScanDesk) -> list[dict]:
    return [
        e.command.payload
        for e in desk.store.outbox.pending(desk.owner, limit=-1)
        if e.command.kind is CommandKind.PO_RECEIVE
    ]


def test_the_ship_notice_cartons_are_listed_and_one_scan_receives_a_carton(
    qtbot: QtBot, screen: ReceivePoScreen, staff_desk: ScanDesk
) -> None:
    screen.accept_scan("00" + BOLTS)  # the carton label opens its order too
    screen.handle_queued_scans()
    assert screen.order is not None
    assert screen.order["id"] == 9
    assert ops(staff_desk) == [{"purchase_order_id": 9, "sscc": BOLTS}]
    assert screen.feedback.tone == "ok"
    assert screen.table.cellWidget(0, 4).format() == "24/24"
    table = screen.carton_table
    assert table.isVisibleTo(screen)
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == [BOLTS, NUTS]
    assert table.item(0, 3).text() == "received, not synced yet"
    screen.accept_scan("00" + BOLTS)  # the same carton again books nothing
    screen.handle_queued_scans()
    assert screen.feedback.tone == "error"
    assert len(ops(staff_desk)) == 1


def test_a_carton_with_more_than_ordered_asks_first(
    qtbot: QtBot, screen: ReceivePoScreen, staff_desk: ScanDesk
) -> None:
    screen.accept_scan("PO-0009")
    screen.accept_scan("00" + NUTS)  # 6 nuts, 5 ordered
    screen.handle_queued_scans()
    box = screen.over_receipt_box
    assert isinstance(box, QMessageBox)
    assert "Nut M6: 5 ordered" in box.text()
    assert ops(staff_desk) == []
    yes = screen.findChild(QPushButton, "scan_po_receive_over_receipt_yes")
    yes.click()
    qtbot.waitUntil(lambda: len(ops(staff_desk)) == 1)
    assert ops(staff_desk) == [{"purchase_order_id": 9, "sscc": NUTS}]
    assert screen.table.cellWidget(1, 4).format() == "6/5"


def test_a_carton_label_with_a_bad_check_digit_is_refused(
    screen: ReceivePoScreen, staff_desk: ScanDesk
) -> None:
    screen.accept_scan("PO-0009")
    screen.accept_scan("00" + BOLTS[:-1] + "1")
    screen.handle_queued_scans()
    assert screen.feedback.tone == "error"
    assert ops(staff_desk) == []


def test_screenshot_of_the_carton_view(qtbot: QtBot, screen: ReceivePoScreen) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app)
    screen.resize(1100, 720)
    screen.show()
    screen.accept_scan("00" + BOLTS)
    screen.handle_queued_scans()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert screen.grab().save(str(SHOTS / "staff_scan_po_cartons.png"))
    assert os.path.getsize(SHOTS / "staff_scan_po_cartons.png") > 0
