"""Scans from every source go to the scan screen in front.

The keyboard-wedge filter (``qt.scanner_filter``) and the serial bridge (``qt.serial_bridge``) each
emit complete codes; :class:`ScanRouter` forwards them to the screen that last claimed the scanner
(a scan screen claims it when shown and releases it when hidden). With no such screen, the code is
reported by ``sig_scan_without_target`` so the window can say "open a scan screen".
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, Signal

from fllc_desktop.qt.scanner_filter import ScannerEventFilter
from fllc_desktop.qt.serial_bridge import SerialScanBridge
from fllc_desktop.scanning.burst import ScanSource


class ScanTarget(Protocol):
    def accept_scan(self, code: str, source: ScanSource = ScanSource.WEDGE) -> None: ...


class ScanRouter(QObject):
    sig_scan_without_target = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._targets: list[ScanTarget] = []

    @property
    def target(self) -> ScanTarget | None:
        return self._targets[-1] if self._targets else None

    def connect_wedge(self, wedge: ScannerEventFilter) -> None:
        wedge.set_scan_target(self.on_wedge_sig_scanned)

    def connect_serial(self, bridge: SerialScanBridge) -> None:
        bridge.sig_scanned.connect(self.on_serial_sig_scanned)

    def claim(self, target: ScanTarget) -> None:
        self.release(target)
        self._targets.append(target)

    def release(self, target: ScanTarget) -> None:
        self._targets = [t for t in self._targets if t is not target]

    def on_wedge_sig_scanned(self, code: str) -> None:
        self._route(code, ScanSource.WEDGE)

    def on_serial_sig_scanned(self, code: str) -> None:
        self._route(code, ScanSource.SERIAL)

    def _route(self, code: str, source: ScanSource) -> None:
        target = self.target
        if target is None:
            self.sig_scan_without_target.emit(code)
        else:
            target.accept_scan(code, source)
