"""The Pick screen offscreen, without a server: an order opened by its number, a good scan picks, a
wrong item flashes red and books nothing, short pick, pack and ship buttons follow the order; after a
restart the unsent picks are said and counted on their order."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fllc_desktop.domain.permissions import Grants, Role
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.floor.picking import PickDesk
from fllc_desktop.scanning.burst import ScanSource
from fllc_desktop.store import LocalStore, OpOwner
from fllc_desktop.ui.screens.scan_pick import PickScreen

from .conftest import BOLT_EAN, GS1_GTIN, NUT_EAN

ORDER = {
    "id": 9,
    "number": "SO-2026-000009",
    "status": "paid",
    "created_at": "2026-12-04T01:00:00Z",
    "lines": [
        {
            "id": 91,
            "product_id": 1,
            "sku": "BOLT-M6",
            "barcode": BOLT_EAN,
            "name": "Bolt M6 x 20",
            "quantity": 2,
        },
        {"id": 92, "product_id": 2, "sku": "NUT-M6", "barcode": NUT_EAN, "name": "Nut M6", "quantity": 1},
    ],
}


def _screen(qtbot: QtBot, desk: ScanDesk, folder: Path) -> PickScreen:
    picking = PickDesk(desk, folder)
    screen = PickScreen(picking)
    qtbot.addWidget(screen)
    screen.resize(1100, 760)
    screen.show()
    return screen


def _scan(screen: PickScreen, code: str) -> None:
    screen.accept_scan(code, ScanSource.MANUAL)
    screen.handle_queued_scans()


def test_picking_an_order_by_scan(qtbot: QtBot, staff_desk: ScanDesk, tmp_path: Path) -> None:
    PickDesk(staff_desk, tmp_path).remember([ORDER])
    screen = _screen(qtbot, staff_desk, tmp_path)
    assert screen.order_table.rowCount() == 1
    _scan(screen, BOLT_EAN)
    assert (screen.feedback.tone, screen.feedback.title) == ("error", "Choose an order first")
    _scan(screen, "so-2026-000009")
    assert screen.order is not None
    assert screen.order.id == 9
    _scan(screen, GS1_GTIN)  # milk: not on the order
    assert screen.feedback.tone == "error"
    assert screen.feedback.title == "WRONG ITEM — not on this order"
    assert staff_desk.store.outbox.counts(staff_desk.owner).pending == 0
    _scan(screen, BOLT_EAN)
    _scan(screen, BOLT_EAN)
    assert screen.feedback.tone == "ok"
    assert screen.lines.item(0, 3).text() == "2"
    assert screen.selected_line() is not None
    assert screen.selected_line().id == 92  # the first line not done, ready for a short pick
    assert not screen.pack_button.isEnabled()
    dialog = screen.on_short_clicked()
    assert dialog is not None
    assert screen.busy  # scans wait while the picker answers
    dialog.reason.setCurrentText("Damaged on the shelf")
    dialog.accept()
    assert not screen.busy
    assert screen.feedback.title == "1 short — Nut M6"
    assert screen.pack_button.isEnabled()
    qtbot.mouseClick(screen.pack_button, Qt.MouseButton.LeftButton)
    assert screen.ship_button.isEnabled()
    screen.on_ship_clicked()
    assert screen.order_table.rowCount() == 0
    kinds = [e.command.kind.value for e in staff_desk.store.outbox.pending(staff_desk.owner, limit=-1)]
    assert kinds == ["order.pick", "order.pick", "order.pick", "order.fulfil", "order.fulfil"]


def test_after_a_restart_the_unsent_picks_are_said_and_counted(
    qtbot: QtBot, store: LocalStore, staff: OpOwner, staff_desk: ScanDesk, tmp_path: Path
) -> None:
    first = PickDesk(staff_desk, tmp_path)
    first.remember([ORDER])
    first.scan(9, first.resolve(BOLT_EAN))
    restarted = ScanDesk(store, staff, Grants.for_role(Role.STAFF))  # the app started again, offline
    screen = _screen(qtbot, restarted, tmp_path)
    assert screen.feedback.title == "1 unsent pick kept from before"
    assert screen.order_table.item(0, 2).text() == "1/3"
