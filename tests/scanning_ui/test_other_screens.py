"""Unknown barcodes by role, receiving against a PO, counting, lookup, and the needs-attention panel."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from fllc_desktop.api.models import Change
from fllc_desktop.domain.commands import CommandKind
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.store import LocalStore, OpOutcome, OpOwner, OpState
from fllc_desktop.ui.screens.scan_count import CountScreen
from fllc_desktop.ui.screens.scan_lookup import LookupScreen
from fllc_desktop.ui.screens.scan_po import ReceivePoScreen
from fllc_desktop.ui.screens.scan_receive import ReceiveScreen
from fllc_desktop.ui.screens.scan_routing import ScanRouter
from fllc_desktop.ui.theme import apply_theme
from fllc_desktop.ui.widgets.needs_attention import NeedsAttentionPanel
from fllc_desktop.ui.widgets.scan_assign import AssignBarcodeDialog

from .conftest import BOLT_EAN, NUT_EAN

UNKNOWN = "4000000000006"


def pending(desk: ScanDesk) -> list:
    return desk.store.outbox.pending(desk.owner, limit=-1)


def test_an_unknown_barcode_offers_assignment_to_a_manager_and_then_receives(
    qtbot: QtBot, manager_desk: ScanDesk
) -> None:
    screen = ReceiveScreen(manager_desk)
    qtbot.addWidget(screen)
    screen.accept_scan(UNKNOWN)
    screen.handle_queued_scans()
    assert screen.feedback.tone == "warning"
    assert not screen.assign_button.isHidden()
    screen.assign_button.click()
    dialog = screen.findChild(AssignBarcodeDialog, "scan_assign_dialog")
    assert dialog is not None
    assert screen.busy
    dialog.query.setText("NUT")
    dialog.assign_button.click()
    kinds = [(op.command.kind, op.command.payload) for op in pending(manager_desk)]
    assert kinds[0] == (CommandKind.PRODUCT_UPDATE, {"product_id": 2, "barcode": UNKNOWN, "version": 3})
    assert kinds[1] == (CommandKind.STOCK_INTAKE, {"product_id": 2, "quantity": 1})
    assert not screen.busy


def po_changes() -> list[Change]:
    order = {
        "id": 9,
        "number": "PO-0009",
        "supplier_id": 1,
        "status": "submitted",
        "lines": [
            {
                "id": 91,
                "product_id": 1,
                "sku": "BOLT-M6",
                "name": "Bolt M6 x 20",
                "ordered_quantity": 2,
                "received_quantity": 1,
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
    }
    return [Change(seq=300, entity="purchase_order", entity_id=9, deleted=False, data=order)]


@pytest.fixture
def po_screen(qtbot: QtBot, store: LocalStore, staff_desk: ScanDesk) -> ReceivePoScreen:
    store.catalog.apply_changes(po_changes(), cursor=300)
    screen = ReceivePoScreen(staff_desk)
    qtbot.addWidget(screen)
    return screen


def test_scanning_a_po_number_opens_it_and_scans_receive_its_lines(
    po_screen: ReceivePoScreen, staff_desk: ScanDesk
) -> None:
    po_screen.accept_scan("PO-0009")
    po_screen.accept_scan(NUT_EAN)
    po_screen.handle_queued_scans()
    assert po_screen.order is not None
    assert po_screen.order["id"] == 9
    (op,) = pending(staff_desk)
    assert op.command.kind is CommandKind.PO_RECEIVE
    assert op.command.payload == {
        "purchase_order_id": 9,
        "purchase_order_line_id": 92,
        "quantity": 1,
        "product_id": 2,
    }
    assert po_screen.table.cellWidget(1, 4).format() == "1/5"


def test_over_receipt_asks_first_and_scans_wait_for_the_answer(
    qtbot: QtBot, po_screen: ReceivePoScreen, staff_desk: ScanDesk
) -> None:
    po_screen.accept_scan("PO-0009")
    po_screen.accept_scan(BOLT_EAN)  # 1 of 2 received: fine
    po_screen.accept_scan(BOLT_EAN)  # would make 3 of 2: asks
    po_screen.accept_scan(NUT_EAN)  # waits behind the question
    po_screen.handle_queued_scans()
    box = po_screen.over_receipt_box
    assert isinstance(box, QMessageBox)
    assert po_screen.busy
    assert po_screen.feedback.tone == "warning"
    assert len(pending(staff_desk)) == 1
    no = po_screen.findChild(type(box.defaultButton()), "scan_po_receive_over_receipt_no")
    no.click()
    qtbot.waitUntil(lambda: len(pending(staff_desk)) == 2)
    lines = [op.command.payload["purchase_order_line_id"] for op in pending(staff_desk)]
    assert lines == [91, 92]


def test_a_count_is_reviewed_and_submitted_as_one_op(qtbot: QtBot, staff_desk: ScanDesk) -> None:
    screen = CountScreen(staff_desk)
    qtbot.addWidget(screen)
    for code in ("A-01", BOLT_EAN, BOLT_EAN, NUT_EAN):
        screen.accept_scan(code)
    screen.handle_queued_scans()
    assert screen.counted == {1: 2, 2: 1}
    screen.review_button.click()
    assert screen.review_table.rowCount() == 2
    screen.submit_button.click()
    (op,) = pending(staff_desk)
    assert op.command.kind is CommandKind.STOCK_COUNT
    assert op.command.payload == {
        "location_id": 1,
        "apply": False,
        "lines": [{"product_id": 1, "counted_quantity": 2}, {"product_id": 2, "counted_quantity": 1}],
    }
    assert screen.counted == {}


def test_lookup_shows_the_replica_quantity_plus_pending_ops(qtbot: QtBot, staff_desk: ScanDesk) -> None:
    staff_desk.receive(1, 4)
    screen = LookupScreen(staff_desk)
    qtbot.addWidget(screen)
    screen.accept_scan(BOLT_EAN)
    screen.handle_queued_scans()
    assert screen.card.title.text() == "Bolt M6 x 20"
    assert "14 (+4 pending)" in screen.card.on_hand.text()


def rejected(desk: ScanDesk, count: int) -> list[uuid.UUID]:
    ids = [desk.receive(1, n + 1).op_id for n in range(count)]
    desk.store.outbox.record_outcomes(
        [
            OpOutcome(
                op_id,
                "rejected",
                error_code="permission_denied",
                error_message="Your role (viewer) does not allow this",
            )
            for op_id in ids
        ]
    )
    return ids


def test_needs_attention_shows_the_reason_and_retry_puts_the_op_back(
    qtbot: QtBot, staff_desk: ScanDesk
) -> None:
    first, _second = rejected(staff_desk, 2)
    panel = NeedsAttentionPanel(staff_desk)
    qtbot.addWidget(panel)
    assert panel.table.rowCount() == 2
    assert "does not allow" in panel.table.item(0, 2).text()
    panel.select_row(0)
    with qtbot.waitSignal(panel.sig_changed):
        panel.retry_button.click()
    assert staff_desk.store.outbox.entry(first).state is OpState.PENDING
    assert panel.table.rowCount() == 1


def test_discard_asks_first_and_is_recorded(qtbot: QtBot, staff_desk: ScanDesk, staff: OpOwner) -> None:
    (op_id,) = rejected(staff_desk, 1)
    panel = NeedsAttentionPanel(staff_desk)
    qtbot.addWidget(panel)
    panel.select_row(0)
    panel.discard_button.click()
    box = panel.confirm_box
    assert box is not None
    assert box.objectName() == "needs_attention_confirm_discard"
    assert staff_desk.store.outbox.entry(op_id).state is OpState.NEEDS_ATTENTION  # not before "yes"
    box.findChild(type(box.defaultButton()), "needs_attention_confirm_discard_yes").click()
    entry = staff_desk.store.outbox.entry(op_id)
    assert entry.state is OpState.DISCARDED
    assert entry.discard_note
    assert ("discarded", entry.discard_note) in staff_desk.store.outbox.history(op_id)
    assert panel.table.rowCount() == 0
    assert panel.empty.isVisibleTo(panel)


def test_another_user_on_the_same_tablet_neither_sees_nor_counts_the_ops(
    store: LocalStore, staff_desk: ScanDesk, manager_desk: ScanDesk
) -> None:
    rejected(staff_desk, 1)
    staff_desk.receive(1, 2)
    assert manager_desk.needs_attention() == []
    assert pending(manager_desk) == []
    product = store.catalog.product(1)
    assert product is not None
    assert manager_desk.shown_quantity(product).pending == 0
    assert staff_desk.shown_quantity(product).pending == 2
    assert QApplication.instance() is not None


# ------------------------------------------------------------------ read from a metre away


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[QApplication]:
    """The app's style sheet, whose ``QWidget { font-size: 10pt }`` once shrank the scan texts."""
    apply_theme(qapp)
    yield qapp
    qapp.setStyleSheet("")


@pytest.mark.parametrize("make", [ReceiveScreen, ReceivePoScreen, CountScreen, LookupScreen])
def test_the_feedback_text_is_huge_under_the_apps_style_sheet(
    qtbot: QtBot, themed: QApplication, staff_desk: ScanDesk, make: type
) -> None:
    screen = make(staff_desk, ScanRouter())
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    title = screen.findChild(QLabel, f"{screen.objectName().removeprefix('screen_')}_feedback_title")
    assert title is not None
    title.ensurePolished()
    assert title.font().pointSizeF() >= 30
    assert title.text()


@pytest.mark.parametrize("make", [ReceiveScreen, ReceivePoScreen, CountScreen])
def test_the_keypad_shows_the_quantity_the_next_scan_takes(
    qtbot: QtBot, themed: QApplication, staff_desk: ScanDesk, make: type
) -> None:
    screen = make(staff_desk, ScanRouter())
    qtbot.addWidget(screen)
    screen.show()
    display = screen.keypad.display
    display.ensurePolished()
    assert display.text() == "1"  # the default, not an empty box with a dash
    assert display.property("typed") == "false"
    assert display.font().pointSizeF() >= 30
    for key in "12":
        button = screen.findChild(QPushButton, f"{screen.keypad.objectName()}_key_{key}")
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert (display.text(), display.property("typed"), screen.keypad.value()) == ("12", "true", 12)


def test_a_viewer_gets_no_pending_badge(qtbot: QtBot, store: LocalStore) -> None:
    """A viewer can never have scans to send: no "All sent" on the Lookup screen (seen under Xvfb)."""
    from fllc_desktop.domain.permissions import Grants, Role

    viewer = ScanDesk(store, OpOwner.of("http://warehouse.test", 9), Grants.for_role(Role.VIEWER))
    screen = LookupScreen(viewer)
    qtbot.addWidget(screen)
    assert not screen.pending_badge.isVisibleTo(screen)
    staff = LookupScreen(ScanDesk(store, OpOwner.of("http://warehouse.test", 7), Grants.for_role(Role.STAFF)))
    qtbot.addWidget(staff)
    assert staff.pending_badge.isVisibleTo(staff)
