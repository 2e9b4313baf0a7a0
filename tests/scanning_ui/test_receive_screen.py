"""The Receive screen: every scan becomes exactly one committed op, in order, with feedback after."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from fllc_desktop.domain.commands import CommandKind
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.qt.scanner_filter import ScannerEventFilter
from fllc_desktop.store import OpOwner
from fllc_desktop.ui.screens.scan_receive import ReceiveScreen
from fllc_desktop.ui.screens.scan_routing import ScanRouter

from .conftest import BOLT_EAN, NUT_EAN, SteppingClock

GS = "\x1d"


@pytest.fixture
def wedge(qapp: QApplication, clock: SteppingClock) -> Iterator[ScannerEventFilter]:
    scanner = ScannerEventFilter(clock=clock)
    scanner.install(qapp)
    yield scanner
    scanner.uninstall(qapp)


@pytest.fixture
def router(wedge: ScannerEventFilter) -> ScanRouter:
    routing = ScanRouter()
    routing.connect_wedge(wedge)
    return routing


@pytest.fixture
def screen(qtbot: QtBot, staff_desk: ScanDesk, router: ScanRouter) -> ReceiveScreen:
    widget = ReceiveScreen(staff_desk, router)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def scan_with_wedge(qtbot: QtBot, target: QWidget, code: str, clock: SteppingClock) -> None:
    """A scanner typing ``code`` + Enter, 5 ms a key (the stepping clock), into whatever has focus."""
    clock.pause(1.0)  # a person-length pause before the scan
    qtbot.keyClicks(target, code)
    qtbot.keyClick(target, Qt.Key.Key_Return)


def pending_ops(desk: ScanDesk, owner: OpOwner) -> list:
    return desk.store.outbox.pending(owner, limit=-1)


def test_a_wedge_scan_creates_exactly_one_op_and_says_so_after_the_commit(
    qtbot: QtBot, screen: ReceiveScreen, staff_desk: ScanDesk, staff: OpOwner, clock: SteppingClock
) -> None:
    screen.location.set_location(2)
    focus = screen.findChild(QLineEdit, "scan_receive_lot")
    with qtbot.waitSignal(screen.sig_scan_handled):
        scan_with_wedge(qtbot, focus, BOLT_EAN, clock)
    ops = pending_ops(staff_desk, staff)
    assert len(ops) == 1
    assert ops[0].command.kind is CommandKind.STOCK_INTAKE
    assert ops[0].command.payload == {"product_id": 1, "quantity": 1, "location_id": 2}
    assert focus.text() == ""  # the scan's keystrokes did not leak into the focused field
    assert screen.feedback.tone == "ok"
    assert "Bolt M6" in screen.feedback.title
    assert "+1 pending" in screen.card.on_hand.text()


def test_a_burst_of_ten_scans_becomes_ten_ops_in_order(
    qtbot: QtBot, screen: ReceiveScreen, staff_desk: ScanDesk, staff: OpOwner, clock: SteppingClock
) -> None:
    codes = [BOLT_EAN if i % 3 else NUT_EAN for i in range(10)]
    for code in codes:  # all ten typed before the event loop gets a chance to handle the first
        scan_with_wedge(qtbot, screen.manual.field, code, clock)
    assert len(screen.scans) == 10
    qtbot.waitUntil(lambda: len(pending_ops(staff_desk, staff)) == 10)
    product_ids = [op.command.payload["product_id"] for op in pending_ops(staff_desk, staff)]
    assert product_ids == [1 if i % 3 else 2 for i in range(10)]
    assert screen.manual.field.text() == ""


def test_scans_made_while_the_screen_waits_for_a_person_are_kept_in_order(
    qtbot: QtBot, screen: ReceiveScreen, staff_desk: ScanDesk, staff: OpOwner
) -> None:
    screen.set_busy(True)
    for code in (BOLT_EAN, NUT_EAN, BOLT_EAN):
        screen.accept_scan(code)
    qtbot.wait(20)
    assert pending_ops(staff_desk, staff) == []
    screen.set_busy(False)
    qtbot.waitUntil(lambda: len(pending_ops(staff_desk, staff)) == 3)
    assert [op.command.payload["product_id"] for op in pending_ops(staff_desk, staff)] == [1, 2, 1]


def test_the_same_item_again_adds_one_and_the_keypad_sets_the_next_quantity(
    qtbot: QtBot, screen: ReceiveScreen, staff_desk: ScanDesk, staff: OpOwner
) -> None:
    screen.accept_scan(BOLT_EAN)
    screen.accept_scan(BOLT_EAN)
    screen.handle_queued_scans()
    assert screen.session.item(0, 1).text() == "2"
    for key in "12":
        qtbot.mouseClick(
            screen.findChild(QWidget, f"scan_receive_quantity_key_{key}"), Qt.MouseButton.LeftButton
        )
    screen.accept_scan(BOLT_EAN)
    screen.handle_queued_scans()
    assert [op.command.payload["quantity"] for op in pending_ops(staff_desk, staff)] == [1, 1, 12]
    assert screen.session.item(0, 1).text() == "14"
    assert screen.keypad.value() is None


def test_a_gs1_code_prefills_lot_expiry_and_count(
    screen: ReceiveScreen, staff_desk: ScanDesk, staff: OpOwner
) -> None:
    screen.accept_scan(f"]C10109506000134352{'10'}LOT42{GS}17261231{GS}3012")
    screen.handle_queued_scans()
    assert screen.lot.text() == "LOT42"
    assert screen.expiry.text() == "2026-12-31"
    (op,) = pending_ops(staff_desk, staff)
    assert op.command.payload == {"product_id": 3, "quantity": 12, "lot": "LOT42", "expiry": "2026-12-31"}


def test_scanning_a_location_label_switches_the_location(screen: ReceiveScreen) -> None:
    screen.accept_scan("B-02")
    screen.handle_queued_scans()
    assert screen.location.location_id() == 2
    assert screen.feedback.tone == "ok"


def test_an_unknown_barcode_tells_staff_to_ask_a_manager(
    screen: ReceiveScreen, staff_desk: ScanDesk, staff: OpOwner
) -> None:
    screen.accept_scan("4000000000006")
    screen.handle_queued_scans()
    assert screen.feedback.tone == "error"
    assert "Unknown barcode 4000000000006" in screen.feedback.title
    assert "ask a manager" in screen.feedback.detail
    assert screen.assign_button.isHidden()
    assert pending_ops(staff_desk, staff) == []


def test_a_bad_check_digit_is_explained_and_never_looked_up(screen: ReceiveScreen) -> None:
    screen.accept_scan("4006381333932")
    screen.handle_queued_scans()
    assert screen.feedback.tone == "error"
    assert "check digit" in screen.feedback.detail


def test_manual_entry_receives_like_a_scan(
    qtbot: QtBot,
    screen: ReceiveScreen,
    staff_desk: ScanDesk,
    staff: OpOwner,
    wedge: ScannerEventFilter,
    clock: SteppingClock,
) -> None:
    clock.step = 0.2  # a person typing
    qtbot.keyClicks(screen.manual.field, "NUT-M6")
    wedge.release_pending_keys()
    qtbot.mouseClick(screen.manual.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(pending_ops(staff_desk, staff)) == 1)
    assert pending_ops(staff_desk, staff)[0].command.payload["product_id"] == 2


def test_a_cut_off_scan_says_so_books_nothing_and_leaks_nothing(
    qtbot: QtBot, screen: ReceiveScreen, staff_desk: ScanDesk, staff: OpOwner, clock: SteppingClock
) -> None:
    focus = screen.findChild(QLineEdit, "scan_receive_lot")
    clock.pause(1.0)
    qtbot.keyClicks(focus, BOLT_EAN[:6])
    clock.pause(0.2)  # no key stamps here: a stall shows as a gap, and cuts the scan in two
    with qtbot.waitSignal(screen.sig_scan_handled):
        qtbot.keyClicks(focus, BOLT_EAN[6:])
        qtbot.keyClick(focus, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not len(screen.scans))
    assert pending_ops(staff_desk, staff) == []
    assert focus.text() == ""
    assert screen.feedback.tone == "error"
    assert "scan it again" in screen.feedback.title
    assert BOLT_EAN[6:] in screen.feedback.detail
