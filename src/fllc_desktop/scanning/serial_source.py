"""Serial scanners (RS-232, USB virtual COM ports) through pyserial.

:class:`SerialScanner` owns one reader thread. It opens the configured port, splits the byte stream
into codes at the terminator bytes, hands each complete code to ``on_code`` (from the reader thread:
put it on a :class:`~fllc_desktop.scanning.burst.ScanQueue` or emit a queued Qt signal), and reports
state changes to ``on_state``. When the scanner is unplugged the read fails; the thread closes the
port and tries to reopen it with exponential backoff, so plugging the scanner back in just works.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import serial
from serial.tools import list_ports

_log = logging.getLogger(__name__)

_FRAMING_BYTES = " \x00\x02\x03"  # padding, STX and ETX some scanners wrap codes in


class SerialState(StrEnum):
    STOPPED = "stopped"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class SerialSettings:
    port: str
    """Device path or name: ``/dev/ttyACM0``, ``COM3``, or a stable ``/dev/serial/by-id/…`` link."""
    baudrate: int = 9600
    terminators: bytes = b"\r\n"
    """Any of these bytes ends a code; empty codes (as between CR and LF) are skipped."""
    encoding: str = "latin-1"
    end_code_on_silence: bool = False
    """For scanners that send no terminator: a code also ends after ``read_timeout_s`` of silence."""
    read_timeout_s: float = 0.1
    reconnect_initial_s: float = 0.2
    reconnect_max_s: float = 5.0


@dataclass(frozen=True)
class SerialPortInfo:
    device: str
    description: str
    hwid: str


class SerialPort(Protocol):
    """The part of ``serial.Serial`` the reader uses."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def close(self) -> None: ...


CodeCallback = Callable[[str], None]
StateCallback = Callable[[SerialState, str], None]
PortOpener = Callable[[SerialSettings], SerialPort]


def list_serial_ports() -> list[SerialPortInfo]:
    """Serial ports on this machine, for the scanner settings' port picker."""
    return [
        SerialPortInfo(port.device, port.description or "", port.hwid or "")
        for port in sorted(list_ports.comports(include_links=True), key=lambda p: p.device)
    ]


def open_serial_port(settings: SerialSettings) -> SerialPort:
    port: SerialPort = serial.Serial(
        port=settings.port, baudrate=settings.baudrate, timeout=settings.read_timeout_s
    )
    return port


class CodeFramer:
    """Splits a byte stream into codes at terminator bytes."""

    def __init__(self, terminators: bytes, encoding: str) -> None:
        self._terminators = frozenset(terminators)
        self._encoding = encoding
        self._pending = bytearray()

    def feed(self, chunk: bytes) -> list[str]:
        codes: list[str] = []
        for byte in chunk:
            if byte in self._terminators:
                codes.extend(self.flush())
            else:
                self._pending.append(byte)
        return codes

    def flush(self) -> list[str]:
        """Whatever is pending as one code (no code if it is empty)."""
        code = self._pending.decode(self._encoding, errors="replace").strip(_FRAMING_BYTES)
        self._pending.clear()
        return [code] if code else []

    @property
    def pending(self) -> bool:
        return bool(self._pending)


class SerialScanner:
    """Reads codes from a serial scanner on its own thread, reconnecting after unplug/replug."""

    def __init__(
        self,
        settings: SerialSettings,
        on_code: CodeCallback,
        on_state: StateCallback | None = None,
        open_port: PortOpener = open_serial_port,
    ) -> None:
        self.settings = settings
        self._on_code = on_code
        self._on_state = on_state
        self._open_port = open_port
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = SerialState.STOPPED
        self._state_lock = threading.Lock()

    @property
    def state(self) -> SerialState:
        return self._state

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("This serial scanner is already running; stop it first.")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"serial-scanner:{self.settings.port}")
        self._set_state(SerialState.CONNECTING, f"Opening {self.settings.port}")
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._set_state(SerialState.STOPPED, "Stopped")

    # ------------------------------------------------------------------------------ the thread

    def _run(self) -> None:
        backoff = self.settings.reconnect_initial_s
        while not self._stopping.is_set():
            port = self._try_open()
            if port is None:
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, self.settings.reconnect_max_s)
                continue
            backoff = self.settings.reconnect_initial_s
            self._read_until_failure(port)

    def _try_open(self) -> SerialPort | None:
        try:
            port = self._open_port(self.settings)
        except (serial.SerialException, OSError, ValueError) as exc:
            self._set_state(SerialState.DISCONNECTED, f"Cannot open {self.settings.port}: {exc}")
            return None
        self._set_state(SerialState.CONNECTED, f"Scanner on {self.settings.port} is ready")
        return port

    def _read_until_failure(self, port: SerialPort) -> None:
        framer = CodeFramer(self.settings.terminators, self.settings.encoding)
        try:
            while not self._stopping.is_set():
                chunk = port.read(port.in_waiting or 1)
                codes = framer.feed(chunk) if chunk else self._flush_if_idle(framer)
                for code in codes:
                    self._deliver(code)
        except (serial.SerialException, OSError, TypeError) as exc:
            self._set_state(SerialState.DISCONNECTED, f"Scanner on {self.settings.port} was lost: {exc}")
        finally:
            _close_quietly(port)

    def _flush_if_idle(self, framer: CodeFramer) -> list[str]:
        # A read that times out means read_timeout_s of silence.
        if self.settings.end_code_on_silence and framer.pending:
            return framer.flush()
        return []

    def _deliver(self, code: str) -> None:
        try:
            self._on_code(code)
        except Exception:  # a consumer bug must not kill the reader and lose the next scans
            _log.exception("Delivering serial scan %r failed", code)

    def _set_state(self, state: SerialState, reason: str) -> None:
        with self._state_lock:
            if state is self._state:
                return
            self._state = state
        _log.info("Serial scanner %s: %s (%s)", self.settings.port, state, reason)
        if self._on_state is not None:
            self._on_state(state, reason)


def _close_quietly(port: SerialPort) -> None:
    try:
        port.close()
    except (serial.SerialException, OSError):
        _log.debug("Closing a lost serial port failed", exc_info=True)
