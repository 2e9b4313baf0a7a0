"""Serial scanners, tested against a real pseudo-terminal: the test plays the scanner on the master
side; the app opens the slave by name through pyserial. Unplugging closes the pty and removes the
device link; plugging in again makes a new pty behind the same link."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from fllc_desktop.scanning.serial_source import (
    CodeFramer,
    SerialPortInfo,
    SerialScanner,
    SerialSettings,
    SerialState,
    list_serial_ports,
)

WAIT = 10.0


class Received:
    """What the app got: codes and state changes, with waits that end as soon as the condition holds."""

    def __init__(self) -> None:
        self.codes: list[str] = []
        self.states: list[SerialState] = []
        self.reasons: list[str] = []
        self._changed = threading.Condition()

    def on_code(self, code: str) -> None:
        with self._changed:
            self.codes.append(code)
            self._changed.notify_all()

    def on_state(self, state: SerialState, reason: str) -> None:
        with self._changed:
            self.states.append(state)
            self.reasons.append(reason)
            self._changed.notify_all()

    def wait_codes(self, count: int) -> list[str]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.codes) >= count, WAIT), self.codes
            return list(self.codes)

    def wait_state(self, state: SerialState, occurrence: int = 1) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self.states.count(state) >= occurrence, WAIT), self.states


@pytest.fixture
def received() -> Received:
    return Received()


def settings_for(device, **overrides: object) -> SerialSettings:
    values: dict = {"port": str(device.link), "baudrate": 115200, "reconnect_initial_s": 0.01}
    values.update(reconnect_max_s=0.05, read_timeout_s=0.02, **overrides)
    return SerialSettings(**values)


@pytest.fixture
def running(scanner_device, received: Received) -> Iterator[SerialScanner]:
    scanner_device.plug_in()
    reader = SerialScanner(settings_for(scanner_device), received.on_code, received.on_state)
    reader.start()
    received.wait_state(SerialState.CONNECTED)
    yield reader
    reader.stop()


def test_a_code_ended_by_cr_lf_arrives_once(running: SerialScanner, scanner_device, received) -> None:
    scanner_device.send(b"4006381333931\r\n")
    assert received.wait_codes(1) == ["4006381333931"]
    assert running.state is SerialState.CONNECTED


def test_a_code_split_across_writes_is_one_code(running, scanner_device, received) -> None:
    scanner_device.send(b"]C10109501")
    scanner_device.send(b"101530003\x1d10LOT\r")
    assert received.wait_codes(1) == ["]C10109501101530003\x1d10LOT"]


def test_a_burst_of_ten_codes_arrives_whole_and_in_order(running, scanner_device, received) -> None:
    codes = [f"SKU-{i:05d}" for i in range(10)]
    scanner_device.send(b"".join(code.encode() + b"\r" for code in codes))
    assert received.wait_codes(10) == codes


def test_unplug_and_replug_reconnects_without_a_restart(running, scanner_device, received) -> None:
    scanner_device.send(b"BEFORE\r")
    received.wait_codes(1)
    scanner_device.unplug()
    received.wait_state(SerialState.DISCONNECTED)
    assert running.state is not SerialState.CONNECTED
    scanner_device.plug_in()
    received.wait_state(SerialState.CONNECTED, occurrence=2)
    scanner_device.send(b"AFTER\r")
    assert received.wait_codes(2) == ["BEFORE", "AFTER"]
    assert received.states == [
        SerialState.CONNECTING,
        SerialState.CONNECTED,
        SerialState.DISCONNECTED,
        SerialState.CONNECTED,
    ]
    assert "lost" in received.reasons[2]


def test_a_half_sent_code_is_not_delivered_when_the_scanner_is_unplugged(
    running, scanner_device, received
) -> None:
    scanner_device.send(b"TRUNC")
    scanner_device.unplug()
    received.wait_state(SerialState.DISCONNECTED)
    scanner_device.plug_in()
    received.wait_state(SerialState.CONNECTED, occurrence=2)
    scanner_device.send(b"WHOLE\r")
    assert received.wait_codes(1) == ["WHOLE"]


def test_a_scanner_plugged_in_after_start_is_picked_up(scanner_device, received) -> None:
    reader = SerialScanner(settings_for(scanner_device), received.on_code, received.on_state)
    reader.start()
    received.wait_state(SerialState.DISCONNECTED)
    assert "Cannot open" in received.reasons[-1]
    scanner_device.plug_in()
    received.wait_state(SerialState.CONNECTED)
    scanner_device.send(b"LATE\r")
    assert received.wait_codes(1) == ["LATE"]
    reader.stop()
    assert received.states[-1] is SerialState.STOPPED


def start_reader(device, received: Received, on_code=None, **settings: object) -> SerialScanner:
    device.plug_in()
    reader = SerialScanner(settings_for(device, **settings), on_code or received.on_code, received.on_state)
    reader.start()
    received.wait_state(SerialState.CONNECTED)  # pyserial flushes input on open: send after it
    return reader


def test_a_custom_terminator(scanner_device, received) -> None:
    reader = start_reader(scanner_device, received, terminators=b"\x03")
    scanner_device.send(b"\x02AB-1\x03\x02AB-2\x03")
    assert received.wait_codes(2) == ["AB-1", "AB-2"]
    reader.stop()


def test_without_a_terminator_silence_ends_the_code(scanner_device, received) -> None:
    reader = start_reader(scanner_device, received, end_code_on_silence=True)
    scanner_device.send(b"NOTERM")
    assert received.wait_codes(1) == ["NOTERM"]
    reader.stop()


def test_a_failing_consumer_does_not_stop_the_reader(scanner_device, received) -> None:
    def fragile(code: str) -> None:
        if code == "BAD":
            raise RuntimeError("screen bug")
        received.on_code(code)

    reader = start_reader(scanner_device, received, on_code=fragile)
    scanner_device.send(b"BAD\rGOOD\r")
    assert received.wait_codes(1) == ["GOOD"]
    reader.stop()


def test_starting_twice_is_refused(running: SerialScanner) -> None:
    with pytest.raises(RuntimeError):
        running.start()


def test_the_framer_skips_empty_codes_and_keeps_partial_ones() -> None:
    framer = CodeFramer(b"\r\n", "latin-1")
    assert framer.feed(b"A\r\n\r\nB") == ["A"]
    assert framer.pending
    assert framer.feed(b"\n") == ["B"]


def test_port_listing_describes_each_port() -> None:
    ports = list_serial_ports()
    assert all(isinstance(port, SerialPortInfo) and port.device for port in ports)
