"""What every scan screen shares: the burst FIFO, the feedback banner, manual entry, unknown codes.

A scan (wedge, serial or typed) is put on the screen's :class:`ScanQueue` at once and handled later,
one at a time, in order, from the event loop. While the screen waits for a person (an over-receipt
question, the assign-a-barcode dialog) it is *busy*: scans keep queueing and are handled, in order,
once the person has answered. Nothing is dropped.

A subclass implements ``handle(scan, resolved)``. If the local database refuses a write, the scan
goes back to the front of the queue, the banner says it was NOT saved, and "Try again" resumes.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from fllc_desktop.scanning.burst import Scan, ScanQueue, ScanSource
from fllc_desktop.store.catalog import ProductRow
from fllc_desktop.store.errors import DatabaseUnavailableError
from fllc_desktop.ui.screens.scan_desk import Resolved, ScanDesk
from fllc_desktop.ui.screens.scan_routing import ScanRouter
from fllc_desktop.ui.widgets.scan_assign import AssignBarcodeDialog
from fllc_desktop.ui.widgets.scan_feedback import ScanFeedback, ScanSounds
from fllc_desktop.ui.widgets.scan_manual_entry import ManualEntry

TOUCH_HEIGHT_PX = 56


class ScanScreen(QWidget):
    sig_scan_handled = Signal(int)
    """The sequence number of a scan just handled (saved, refused or explained)."""

    def __init__(
        self,
        key: str,
        desk: ScanDesk,
        router: ScanRouter | None,
        sounds: ScanSounds | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"screen_{key}")
        self.desk = desk
        self._router = router
        self.scans = ScanQueue()
        self._busy = False
        self._drain_scheduled = False
        self._unknown_code: str | None = None
        self.feedback = ScanFeedback(f"{key}_feedback", sounds, self)
        self.manual = ManualEntry(f"{key}_manual", self)
        self.manual.sig_code_entered.connect(self.on_manual_sig_code_entered)
        self.assign_button = self.touch_button("Assign to a product…", f"{key}_assign")
        self.assign_button.hide()
        self.assign_button.clicked.connect(self.on_assign_button_clicked)
        self.try_again_button = self.touch_button("Try again", f"{key}_try_again")
        self.try_again_button.hide()
        self.try_again_button.clicked.connect(self.on_try_again_button_clicked)

    # ------------------------------------------------------------------ layout helpers

    def touch_button(self, text: str, name: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setMinimumHeight(TOUCH_HEIGHT_PX)
        button.setMinimumWidth(120)
        font = button.font()
        font.setPointSize(15)
        button.setFont(font)
        return button

    def feedback_block(self) -> QVBoxLayout:
        """The banner with its two occasional buttons under it."""
        block = QVBoxLayout()
        block.addWidget(self.feedback)
        row = QHBoxLayout()
        row.addWidget(self.assign_button)
        row.addWidget(self.try_again_button)
        row.addStretch(1)
        block.addLayout(row)
        return block

    # ------------------------------------------------------------------ the FIFO

    @property
    def busy(self) -> bool:
        return self._busy

    def accept_scan(self, code: str, source: ScanSource = ScanSource.WEDGE) -> None:
        """Take a scan now (never blocks, never drops); it is handled in arrival order."""
        self.scans.put(code, source)
        self._schedule_drain()

    def set_busy(self, busy: bool) -> None:
        """While busy (waiting for a person), scans queue up instead of being handled."""
        self._busy = busy
        if not busy:
            self._schedule_drain()

    def handle_queued_scans(self) -> None:
        """Handle every queued scan now (for tests and the benchmark; the event loop does it too)."""
        while not self._busy and self._handle_next():
            pass

    def _schedule_drain(self) -> None:
        if not self._drain_scheduled:
            self._drain_scheduled = True
            QTimer.singleShot(0, self._drain_one)

    def _drain_one(self) -> None:
        self._drain_scheduled = False
        if not self._busy and self._handle_next() and len(self.scans):
            self._schedule_drain()

    def _handle_next(self) -> bool:
        scan = self.scans.take_nowait()
        if scan is None:
            return False
        self.assign_button.hide()
        self.try_again_button.hide()
        try:
            self.handle(scan, self.desk.resolve(scan.code))
        except DatabaseUnavailableError as exc:
            self.scans.put_back(scan)
            self._busy = True
            self.try_again_button.show()
            self.feedback.show_error(f"NOT saved — {exc.title}", exc.message)
            return False
        self.sig_scan_handled.emit(scan.seq)
        return True

    def on_try_again_button_clicked(self) -> None:
        self.try_again_button.hide()
        self.set_busy(False)

    def on_manual_sig_code_entered(self, code: str) -> None:
        self.accept_scan(code, ScanSource.MANUAL)

    # ------------------------------------------------------------------ showing / hiding

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._router is not None:
            self._router.claim(self)
        self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        if self._router is not None:
            self._router.release(self)
        super().hideEvent(event)

    def refresh(self) -> None:
        """Reload what the screen shows from the local store (locations, orders...)."""

    # ------------------------------------------------------------------ what subclasses do

    def handle(self, scan: Scan, resolved: Resolved) -> None:
        raise NotImplementedError

    def explain_problem(self, resolved: Resolved) -> None:
        """An invalid or unknown code: say so; offer assignment to those who may assign."""
        if resolved.decoded.error is not None:
            self.feedback.show_error("Cannot read this barcode", resolved.problem)
            return
        if self.desk.can_assign_barcodes and resolved.decoded.lookup_key:
            self._unknown_code = resolved.code
            self.assign_button.show()
            self.feedback.show_warning(f"Unknown barcode {resolved.code}", "Assign it to a product?")
            return
        self.feedback.show_error(
            f"Unknown barcode {resolved.code}",
            "No product has this barcode. Set the item aside and ask a manager to assign the barcode.",
        )

    def on_assign_button_clicked(self) -> None:
        code = self._unknown_code
        if code is None:
            return
        dialog = AssignBarcodeDialog(code, self.desk.search_products, self)
        dialog.sig_assigned.connect(lambda product: self._on_barcode_assigned(code, product))
        dialog.finished.connect(lambda _result: self.set_busy(False))
        self.set_busy(True)
        dialog.open()

    def _on_barcode_assigned(self, code: str, product: ProductRow) -> None:
        self.desk.assign_barcode(product, code)
        self.assign_button.hide()
        self._unknown_code = None
        self.after_barcode_assigned(code, product)

    def after_barcode_assigned(self, code: str, product: ProductRow) -> None:
        self.feedback.show_ok(
            f"Barcode {code} → {product.name}", "Saved; the server gets it at the next sync."
        )
