"""Scans from a keyboard-wedge scanner (``xdotool type --delay 8``, real X11 key events) into the real
app on a real X server: every case is exactly N of N booked on the server, none doubled, none silent
(each scan got its own banner), and nothing typed into a field."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest

from .conftest import Floor, RunningApp

pytestmark = pytest.mark.gui
SYNCED_TIMEOUT_S = 60.0


class Case:
    """N scans of one product: what the app said for them and what the server booked."""

    def __init__(self, floor: Floor, app: RunningApp, product: dict[str, Any]) -> None:
        self.floor, self.app, self.product = floor, app, product
        self.on_hand_before = floor.on_hand(product["id"])
        self.handled_before = len(app.handled)
        self.wide_gaps_before = len(app.ask("state")["wide_gaps"])
        self.sent = 0

    def scan(self, pause_s: float = 0.0) -> None:
        self.app.scan(self.product["barcode"])
        self.sent += 1
        if pause_s:
            time.sleep(pause_s)

    def banners(self) -> list[dict[str, Any]]:
        self.app.wait_handled(self.handled_before + self.sent)
        return self.app.handled[self.handled_before :]

    def booked(self) -> int:
        """How many the server booked once the tablet has nothing left to send."""
        deadline = time.monotonic() + SYNCED_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.app.ask("state")["pending"] == 0:
                break
            time.sleep(0.1)
        return self.floor.on_hand(self.product["id"]) - self.on_hand_before

    def assert_n_of_n(self) -> None:
        banners = self.banners()
        said = [(b["tone"], b["title"], b["detail"]) for b in banners]
        gaps = self.app.ask("state")["wide_gaps"][self.wide_gaps_before :]
        imitation = f"; the X server stamped gaps over 30 ms inside scans: {gaps} ms" if gaps else ""
        assert [tone for tone, _, _ in said] == ["ok"] * self.sent, f"{said}{imitation}"
        assert all(self.product["name"] in title for _, title, _ in said), said
        assert len(set(said)) == self.sent, f"a banner repeated (a scan looked silent): {said!r}"
        stamps = [b["stamp"] for b in banners]  # "Scan N · HH:MM:SS": each answer visibly new
        assert len(set(stamps)) == self.sent, stamps
        assert self.booked() == self.sent


_UNUSED = itertools.count(20)  # the first 20 products are left to the background sync


@pytest.fixture
def product(floor: Floor) -> dict[str, Any]:
    """A product of its own per test, so that each test counts only its own scans."""
    return floor.products[next(_UNUSED)]


def test_steady_scans_are_all_booked(floor: Floor, staff_app: RunningApp, product: dict[str, Any]) -> None:
    case = Case(floor, staff_app, product)
    for _ in range(15):
        case.scan(pause_s=0.25)
    case.assert_n_of_n()


def test_bursts_of_ten_in_two_seconds_are_all_booked(
    floor: Floor, staff_app: RunningApp, product: dict[str, Any]
) -> None:
    case = Case(floor, staff_app, product)
    for _ in range(2):
        started = time.monotonic()
        for _ in range(10):
            case.scan()
        assert time.monotonic() - started < 2.5  # the scanner's pace, not the app's
        time.sleep(0.5)
    case.assert_n_of_n()


@pytest.mark.parametrize("stall_ms", [60, 150, 500])
def test_a_gui_thread_blocked_mid_scan_loses_no_scan(
    floor: Floor, staff_app: RunningApp, product: dict[str, Any], stall_ms: int
) -> None:
    case = Case(floor, staff_app, product)
    stalls_before = staff_app.ask("state")["stalls"]
    staff_app.ask(f"stall 5 {stall_ms}")  # blocked at the 5th of 13 digits of every scan
    try:
        for _ in range(10):
            case.scan(pause_s=0.1)
        case.banners()
    finally:
        staff_app.ask("stall 0 0")
    assert staff_app.ask("state")["stalls"] - stalls_before == 10
    case.assert_n_of_n()


@pytest.mark.parametrize("freeze_ms", [33, 38, 43, 80, 200])
def test_an_app_not_scheduled_mid_scan_loses_no_scan(
    floor: Floor, staff_app: RunningApp, product: dict[str, Any], freeze_ms: int
) -> None:
    """The whole app process stopped (SIGSTOP/SIGCONT) while the scanner types, as a loaded machine
    leaves an app unscheduled: every thread of it, Qt's X event reader too. On waking, the wedge's
    gap timer (overdue a little: 33-43 ms against its 31) runs before the keys queued meanwhile."""
    case = Case(floor, staff_app, product)
    for number in range(10):
        staff_app.scan_frozen(
            product["barcode"], after_s=0.02 + 0.01 * (number % 4), freeze_s=freeze_ms / 1000
        )
        case.sent += 1
        time.sleep(0.1)
    case.assert_n_of_n()


def test_scans_while_thousands_of_changes_sync_in(
    floor: Floor, staff_app: RunningApp, product: dict[str, Any]
) -> None:
    case = Case(floor, staff_app, product)
    others = [p["id"] for p in floor.products[:20]]
    pusher = threading.Thread(target=floor.push_intakes, args=(others, 3000))
    pusher.start()
    for _ in range(20):
        case.scan(pause_s=0.15)
    pusher.join()
    case.assert_n_of_n()


@pytest.mark.parametrize("field_name", ["scan_receive_lot", "scan_receive_manual_field"])
def test_scans_with_a_text_field_focused_reach_the_screen_not_the_field(
    floor: Floor, staff_app: RunningApp, product: dict[str, Any], field_name: str
) -> None:
    case = Case(floor, staff_app, product)
    assert staff_app.ask(f"focus {field_name}")["focused"]
    staff_app.ask("stall 5 150")
    try:
        for _ in range(10):
            case.scan(pause_s=0.1)
        case.banners()
    finally:
        staff_app.ask("stall 0 0")
    assert staff_app.ask(f"state {field_name}")["field"] == ""
    case.assert_n_of_n()
