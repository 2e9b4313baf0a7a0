"""The application-wide wedge filter with pytest-qt. QTest's key events carry no timestamps, so the
filter falls back to an injected receive clock that each test advances by hand; the tests at the end
send events stamped the way the window system stamps them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QVBoxLayout, QWidget

from fllc_desktop.qt.scanner_filter import ScannerEventFilter
from fllc_desktop.scanning.wedge import WedgeSettings
from fllc_desktop.ui.screens.sign_in import ReauthDialog

pytestmark = pytest.mark.gui

SCANNER_GAP = 0.008
HUMAN_GAP = 0.150


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Screen(QWidget):
    """A scan screen with a quantity field and a notes field."""

    def __init__(self) -> None:
        super().__init__()
        self.quantity = QLineEdit(objectName="quantity")
        self.notes = QLineEdit(objectName="notes")
        layout = QVBoxLayout(self)
        layout.addWidget(self.quantity)
        layout.addWidget(self.notes)
        self.scans: list[str] = []

    def on_scan(self, code: str) -> None:
        self.scans.append(code)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def scanner_filter(qapp: QApplication, clock: FakeClock) -> Iterator[ScannerEventFilter]:
    event_filter = ScannerEventFilter(clock=clock)
    event_filter.install(qapp)
    yield event_filter
    event_filter.uninstall(qapp)


@pytest.fixture
def screen(qtbot, scanner_filter: ScannerEventFilter) -> Screen:
    screen = Screen()
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    screen.quantity.setFocus()
    scanner_filter.set_scan_target(screen.on_scan)
    return screen


def type_keys(qtbot, widget: QWidget, clock: FakeClock, text: str, gap: float) -> None:
    for char in text:
        clock.advance(gap)
        if char == "\r":
            qtbot.keyClick(widget, Qt.Key.Key_Return)
        elif char == "\t":
            qtbot.keyClick(widget, Qt.Key.Key_Tab)
        else:
            qtbot.keyClicks(widget, char)


def test_a_scan_into_a_focused_field_does_not_leak_into_it(qtbot, screen, scanner_filter, clock) -> None:
    with qtbot.waitSignal(scanner_filter.sig_scanned) as scanned:
        type_keys(qtbot, screen.quantity, clock, "4006381333931\r", SCANNER_GAP)
    assert scanned.args == ["4006381333931"]
    assert screen.scans == ["4006381333931"]
    assert screen.quantity.text() == ""
    assert not scanner_filter.detector.holding


def test_human_typing_reaches_the_field(qtbot, screen, scanner_filter, clock) -> None:
    with qtbot.assertNotEmitted(scanner_filter.sig_scanned):
        type_keys(qtbot, screen.quantity, clock, "12", HUMAN_GAP)
        scanner_filter.release_pending_keys()
    assert screen.quantity.text() == "12"


def test_a_person_pressing_enter_still_submits_the_field(qtbot, screen, scanner_filter, clock) -> None:
    with qtbot.waitSignal(screen.quantity.returnPressed):
        type_keys(qtbot, screen.quantity, clock, "7\r", HUMAN_GAP)
    assert screen.quantity.text() == "7"
    assert screen.scans == []


def test_held_keys_come_out_before_an_editing_key(qtbot, screen, clock) -> None:
    type_keys(qtbot, screen.quantity, clock, "58", HUMAN_GAP)
    clock.advance(0.001)
    qtbot.keyClick(screen.quantity, Qt.Key.Key_Backspace)
    assert screen.quantity.text() == "5"


def test_the_release_timer_delivers_the_last_typed_key(qtbot, screen, clock) -> None:
    type_keys(qtbot, screen.quantity, clock, "9", HUMAN_GAP)
    assert screen.quantity.text() == ""  # held for at most the gap
    clock.advance(0.061)  # no stamps (QTest events): the receive times' wider gap has passed
    qtbot.waitUntil(lambda: screen.quantity.text() == "9")


def test_a_scan_reaches_the_target_while_focus_is_in_another_field(qtbot, screen, clock) -> None:
    screen.notes.setFocus()
    type_keys(qtbot, screen.notes, clock, "damaged", HUMAN_GAP)
    clock.advance(0.5)  # picks up the scanner
    type_keys(qtbot, screen.notes, clock, "SKU-00042\t", SCANNER_GAP)
    assert screen.scans == ["SKU-00042"]
    assert screen.notes.text() == "damaged"
    assert screen.notes.hasFocus()  # the scan's Tab did not move the focus


def test_typing_and_scans_interleave_in_order(qtbot, screen, scanner_filter, clock) -> None:
    type_keys(qtbot, screen.quantity, clock, "3", HUMAN_GAP)
    clock.advance(0.5)
    type_keys(qtbot, screen.quantity, clock, "96385074\r", SCANNER_GAP)
    type_keys(qtbot, screen.quantity, clock, "4", HUMAN_GAP)
    scanner_filter.release_pending_keys()
    assert screen.quantity.text() == "34"
    assert screen.scans == ["96385074"]


def test_ten_scans_in_a_row_are_ten_scans(qtbot, screen, clock) -> None:
    codes = [f"SKU-{i:05d}" for i in range(10)]
    for code in codes:
        clock.advance(0.2)
        type_keys(qtbot, screen.quantity, clock, code + "\r", SCANNER_GAP)
    assert screen.scans == codes
    assert screen.quantity.text() == ""


def test_a_scan_with_no_target_is_announced(qtbot, screen, scanner_filter, clock) -> None:
    scanner_filter.set_scan_target(None)
    with qtbot.waitSignal(scanner_filter.sig_scan_without_target) as unrouted:
        type_keys(qtbot, screen.quantity, clock, "SKU-1\r", SCANNER_GAP)
    assert unrouted.args == ["SKU-1"]
    assert screen.scans == []
    assert screen.quantity.text() == ""


def test_switching_the_target_moves_the_scans(qtbot, screen, scanner_filter, clock) -> None:
    other: list[str] = []
    scanner_filter.set_scan_target(other.append)
    type_keys(qtbot, screen.quantity, clock, "SKU-2\r", SCANNER_GAP)
    assert (screen.scans, other) == ([], ["SKU-2"])


def test_a_group_separator_typed_by_the_scanner_stays_in_the_code(qtbot, screen, clock) -> None:
    type_keys(qtbot, screen.quantity, clock, "]C1010950110153000310AB", SCANNER_GAP)
    clock.advance(SCANNER_GAP)
    qtbot.keyClick(screen.quantity, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    type_keys(qtbot, screen.quantity, clock, "21S1\r", SCANNER_GAP)
    assert screen.scans == ["]C1010950110153000310AB\x1d21S1"]


def test_settings_are_honoured(qtbot, qapp, clock) -> None:
    event_filter = ScannerEventFilter(WedgeSettings(prefix="#", min_length=2), clock=clock)
    event_filter.install(qapp)
    field = QLineEdit()
    qtbot.addWidget(field)
    scans: list[str] = []
    event_filter.set_scan_target(scans.append)
    type_keys(qtbot, field, clock, "#AB\r", SCANNER_GAP)
    type_keys(qtbot, field, clock, "CD\r", SCANNER_GAP)
    event_filter.uninstall(qapp)
    assert scans == ["AB"]
    assert field.text() == "CD"


# ------------------------------------------------------------------ dialogs over the scan screen


def test_fast_typing_in_a_modal_dialogs_field_reaches_the_field_not_the_scan_target(
    qtbot, screen, scanner_filter, clock
) -> None:
    dialog = ReauthDialog("http://warehouse.test", "sam", screen)  # the session ended mid-shift
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    password = dialog.form.password
    password.setFocus()
    with qtbot.waitSignal(dialog.form.sig_sign_in_requested) as requested:
        type_keys(qtbot, password, clock, "sam-pass-1\r", SCANNER_GAP)  # a fast typist, or a password manager
    assert requested.args == ["sam", "sam-pass-1"]
    assert password.text() == "sam-pass-1"
    assert screen.scans == []
    assert scanner_filter.queued_scans == ()
    assert not scanner_filter.detector.holding


def test_a_scan_while_a_modal_question_is_open_waits_for_the_screen(
    qtbot, screen, scanner_filter, clock
) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, "More than ordered", "Receive anyway?", parent=screen)
    box.addButton("Receive anyway", QMessageBox.ButtonRole.AcceptRole)
    no = box.addButton("Do not receive", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no)
    qtbot.addWidget(box)
    box.open()
    qtbot.waitExposed(box)
    type_keys(qtbot, no, clock, "4006381333931\r", SCANNER_GAP)
    assert box.isVisible()  # the scan's Enter did not answer the question
    assert screen.scans == []
    assert scanner_filter.queued_scans == ("4006381333931",)
    box.done(0)
    qtbot.waitUntil(lambda: screen.scans == ["4006381333931"])
    assert scanner_filter.queued_scans == ()


def test_a_person_can_answer_a_modal_question_with_the_keyboard(qtbot, screen, scanner_filter, clock) -> None:
    box = QMessageBox(QMessageBox.Icon.Question, "Undo the last scan?", "", parent=screen)
    box.addButton(QMessageBox.StandardButton.Yes)
    no = box.addButton(QMessageBox.StandardButton.No)
    box.setDefaultButton(no)
    qtbot.addWidget(box)
    box.open()
    qtbot.waitExposed(box)
    with qtbot.waitSignal(box.finished):
        type_keys(qtbot, no, clock, "\r", HUMAN_GAP)
    assert box.clickedButton() is no
    assert screen.scans == []


# ------------------------------------------------------------------ window-system timestamps


class Keyboard:
    """Sends key presses stamped like the window system stamps them (QTest's events carry no stamp)."""

    def __init__(self, clock: FakeClock, start_ms: int = 40_000) -> None:
        self.clock = clock
        self.stamp_ms = start_ms

    def press(self, widget: QWidget, char: str, gap_ms: int, *, delivered_late_by: float = 0.0) -> None:
        self.stamp_ms += gap_ms
        self.clock.advance(gap_ms / 1000 + delivered_late_by)
        key, text = (Qt.Key.Key_Return, "\r") if char == "\r" else (Qt.Key(ord(char.upper())), char)
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text)
            event.setTimestamp(self.stamp_ms)
            QApplication.sendEvent(widget, event)

    def type(self, widget: QWidget, text: str, gap_ms: int) -> None:
        for char in text:
            self.press(widget, char, gap_ms)


def test_keys_queued_during_a_stall_keep_their_stamps_and_stay_one_scan(qtbot, screen, clock) -> None:
    keyboard = Keyboard(clock)
    keyboard.type(screen.quantity, "21000", 8)
    keyboard.press(screen.quantity, "0", 8, delivered_late_by=0.150)  # the GUI thread was busy
    keyboard.type(screen.quantity, "0210000\r", 8)
    assert screen.scans == ["2100000210000"]
    assert screen.quantity.text() == ""


def test_an_overdue_timer_takes_the_keys_already_sent_before_it_decides(
    qtbot, screen, scanner_filter, clock
) -> None:
    """The app was not scheduled for 500 ms mid-scan: the overdue timer runs before the keys the
    window system sent meanwhile; it has them delivered (the flush) and they keep their stamps."""
    keyboard = Keyboard(clock)
    keyboard.type(screen.quantity, "40063", 8)
    clock.advance(0.500)
    rest_of_the_scan = "81333931\r"
    scanner_filter._flush = lambda: keyboard.type(screen.quantity, rest_of_the_scan, 8)
    keyboard.clock = FakeClock()  # delivered now: received together, stamped 8 ms apart
    scanner_filter.on_release_timer_timeout()
    assert screen.scans == ["4006381333931"]
    assert screen.quantity.text() == ""
    assert not scanner_filter.detector.holding


def test_held_keys_wait_until_the_gap_has_passed_on_the_keys_clock(
    qtbot, screen, scanner_filter, clock
) -> None:
    """A timer that fires with nothing more sent decides nothing before the stamps' gap has passed."""
    scanner_filter._flush = lambda: None  # the window system has sent nothing more
    keyboard = Keyboard(clock)
    keyboard.type(screen.quantity, "7", 150)
    clock.advance(0.029)
    scanner_filter.on_release_timer_timeout()  # early, as a coarse timer may be
    assert scanner_filter.detector.holding
    assert screen.quantity.text() == ""
    clock.advance(0.002)
    scanner_filter.on_release_timer_timeout()
    assert screen.quantity.text() == "7"


def test_a_scan_cut_by_the_scanner_is_a_fragment_once_the_gap_has_passed(
    qtbot, screen, scanner_filter, clock
) -> None:
    fragments: list[str] = []
    scanner_filter.sig_scan_fragment.connect(fragments.append)
    scanner_filter._flush = lambda: None
    keyboard = Keyboard(clock)
    keyboard.type(screen.quantity, "21000", 8)
    clock.advance(0.031)
    scanner_filter.on_release_timer_timeout()
    assert fragments == ["21000"]
    assert screen.quantity.text() == ""


def test_a_release_timer_on_time_still_lets_typing_through(qtbot, screen, clock) -> None:
    keyboard = Keyboard(clock)
    keyboard.type(screen.quantity, "7", 150)
    clock.advance(0.031)  # the real timer fires after 31 ms; by then the keys' gap has passed
    qtbot.waitUntil(lambda: screen.quantity.text() == "7")


def test_stamps_that_go_backwards_fall_back_to_the_receive_time(qtbot, screen, clock) -> None:
    keyboard = Keyboard(clock)
    keyboard.type(screen.quantity, "SKU", 8)
    keyboard.stamp_ms -= 5_000  # a second keyboard device, or the server's clock wrapped
    keyboard.type(screen.quantity, "-4242\r", 8)
    assert screen.scans == ["SKU-4242"]


def test_a_scan_cut_by_a_stall_without_stamps_is_reported_not_typed_nor_booked(
    qtbot, screen, scanner_filter, clock
) -> None:
    fragments: list[str] = []
    scanner_filter.sig_scan_fragment.connect(fragments.append)
    type_keys(qtbot, screen.quantity, clock, "21000", SCANNER_GAP)
    clock.advance(0.150)  # no stamps (QTest events): the stall shows as a 150 ms gap
    type_keys(qtbot, screen.quantity, clock, "0210000\r", SCANNER_GAP)
    assert fragments == ["21000", "0210000"]
    assert screen.scans == []
    assert screen.quantity.text() == ""
