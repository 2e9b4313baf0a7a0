"""Scans from every source go to the scan screen in front.

The keyboard-wedge filter (``qt.scanner_filter``) and the serial bridge (``qt.serial_bridge``) each
emit complete codes; :class:`ScanRouter` forwards them to the screen that last claimed the scanner
(a scan screen claims it when shown and releases it when hidden). With no such screen, the code is
reported by ``sig_scan_without_target`` so the window can say "open a scan screen".

Given the application, the router installs the wedge filter only while a scan screen is shown: on
the other screens (sign-in, products, users) typing is never held back, and a barcode scanned into
a search field simply types into it.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QCoreApplication, QObject, Signal

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
        self._wedge: ScannerEventFilter | None = None
        self._app: QCoreApplication | None = None
        self._installed = False

    @property
    def wedge(self) -> ScannerEventFilter | None:
        return self._wedge

    @property
    def target(self) -> ScanTarget | None:
        return self._targets[-1] if self._targets else None

    def connect_wedge(self, wedge: ScannerEventFilter, app: QCoreApplication | None = None) -> None:
        """Take the wedge filter's scans; with ``app``, also install it while a scan screen is shown."""
        wedge.set_scan_target(self.on_wedge_sig_scanned)
        wedge.sig_scan_fragment.connect(self.on_wedge_sig_scan_fragment)
        self._wedge, self._app = wedge, app

    def connect_serial(self, bridge: SerialScanBridge) -> None:
        bridge.sig_scanned.connect(self.on_serial_sig_scanned)

    def claim(self, target: ScanTarget) -> None:
        self._targets = [t for t in self._targets if t is not target]
        self._targets.append(target)
        self._install(True)

    def release(self, target: ScanTarget) -> None:
        self._targets = [t for t in self._targets if t is not target]
        self._install(bool(self._targets))

    def _install(self, wanted: bool) -> None:
        if self._wedge is None or self._app is None or wanted == self._installed:
            return
        if wanted:
            self._wedge.install(self._app)
        else:
            self._wedge.uninstall(self._app)
        self._installed = wanted

    def on_wedge_sig_scanned(self, code: str) -> None:
        self._route(code, ScanSource.WEDGE)

    def on_wedge_sig_scan_fragment(self, text: str) -> None:
        if self.target is not None:  # in its turn, after the scans before it
            self.target.accept_scan(text, ScanSource.FRAGMENT)

    def on_serial_sig_scanned(self, code: str) -> None:
        self._route(code, ScanSource.SERIAL)

    def _route(self, code: str, source: ScanSource) -> None:
        target = self.target
        if target is None:
            self.sig_scan_without_target.emit(code)
        else:
            target.accept_scan(code, source)
