"""Delivers serial-scanner codes and state changes to the GUI thread by signal.

:class:`SerialScanBridge` lives in the GUI thread and owns a :class:`SerialScanner`. The reader
thread calls back into the bridge, which emits its signals; since the bridge belongs to the GUI
thread, Qt queues each emission there (in order, never dropped), so slots run on the GUI thread and
may touch widgets.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from fllc_desktop.scanning.serial_source import (
    PortOpener,
    SerialScanner,
    SerialSettings,
    SerialState,
    open_serial_port,
)


class SerialScanBridge(QObject):
    sig_scanned = Signal(str)
    """A complete code from the serial scanner."""
    sig_state_changed = Signal(str, str)
    """``(SerialState value, reason a person can read)``: connected, disconnected, stopped…"""

    def __init__(
        self,
        settings: SerialSettings,
        parent: QObject | None = None,
        open_port: PortOpener = open_serial_port,
    ) -> None:
        super().__init__(parent)
        self._scanner = SerialScanner(settings, self._on_code, self._on_state, open_port)

    @property
    def state(self) -> SerialState:
        return self._scanner.state

    def start(self) -> None:
        self._scanner.start()

    def stop(self) -> None:
        self._scanner.stop()

    def _on_code(self, code: str) -> None:  # runs on the reader thread
        self.sig_scanned.emit(code)

    def _on_state(self, state: SerialState, reason: str) -> None:  # reader thread or GUI thread
        self.sig_state_changed.emit(state.value, reason)
