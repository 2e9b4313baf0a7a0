"""Serial scans reach the GUI thread by signal, in order, and survive unplug/replug."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from fllc_desktop.qt.serial_bridge import SerialScanBridge
from fllc_desktop.scanning.serial_source import SerialSettings, SerialState

pytestmark = pytest.mark.gui

WAIT_MS = 10_000


@pytest.fixture
def bridge(qtbot, scanner_device) -> Iterator[SerialScanBridge]:
    settings = SerialSettings(
        port=str(scanner_device.link), read_timeout_s=0.02, reconnect_initial_s=0.01, reconnect_max_s=0.05
    )
    scanner_device.plug_in()
    bridge = SerialScanBridge(settings)
    with qtbot.waitSignal(
        bridge.sig_state_changed, timeout=WAIT_MS, check_params_cb=_is(SerialState.CONNECTED)
    ):
        bridge.start()
    yield bridge
    bridge.stop()


def _is(state: SerialState):
    return lambda value, reason: value == state.value


def test_codes_arrive_on_the_gui_thread_in_order(qtbot, bridge, scanner_device) -> None:
    received: list[tuple[str, bool]] = []

    def on_scanned(code: str) -> None:
        received.append((code, threading.current_thread() is threading.main_thread()))

    bridge.sig_scanned.connect(on_scanned)
    codes = [f"SKU-{i:05d}" for i in range(10)]
    scanner_device.send(b"".join(code.encode() + b"\r" for code in codes))
    qtbot.waitUntil(lambda: len(received) == 10, timeout=WAIT_MS)
    assert received == [(code, True) for code in codes]


def test_state_changes_are_reported_through_unplug_and_replug(qtbot, bridge, scanner_device) -> None:
    with qtbot.waitSignal(
        bridge.sig_state_changed, timeout=WAIT_MS, check_params_cb=_is(SerialState.DISCONNECTED)
    ):
        scanner_device.unplug()
    with qtbot.waitSignal(
        bridge.sig_state_changed, timeout=WAIT_MS, check_params_cb=_is(SerialState.CONNECTED)
    ):
        scanner_device.plug_in()
    with qtbot.waitSignal(bridge.sig_scanned, timeout=WAIT_MS) as scanned:
        scanner_device.send(b"4006381333931\r")
    assert scanned.args == ["4006381333931"]
    assert bridge.state is SerialState.CONNECTED
