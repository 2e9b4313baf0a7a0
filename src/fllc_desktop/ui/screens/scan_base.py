"""What every scan screen shares: the burst FIFO, the feedback banner, manual entry, unknown codes.

A scan (wedge, serial or typed) is put on the screen's :class:`ScanQueue` at once and handled later,
one at a time, in order, from the event loop. While the screen waits for a person (an over-receipt
question, the assign-a-barcode dialog) it is *busy*: scans keep queueing and are handled, in order,
once the person has answered. Nothing is dropped.

A subclass implements ``handle(scan, resolved)``. If the local database refuses a write, the scan
goes back to the front of the queue, the banner says it was NOT saved, and "Try again" resumes.

After a restart, each screen says how many of its own ops were kept unsent from before and lists
them (``show_kept``), with their state as they are sent, so no one scans them again.

Never silent: every scan handled gets a fresh answer on the banner, stamped with the scan's number in
this session and the time. Should a subclass leave a scan unanswered, the banner says what was read
and that nothing was booked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLayout,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.domain.commands import CommandKind
from fllc_desktop.domain.permissions import Permission
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.floor.views import DatabaseUnavailableError, OpState, PendingOp, ProductRow, Resolved
from fllc_desktop.scanning.burst import Scan, ScanQueue, ScanSource
from fllc_desktop.sync.status import Connectivity, SyncStatus
from fllc_desktop.ui.screens.scan_routing import ScanRouter
from fllc_desktop.ui.widgets.scan_assign import AssignBarcodeDialog
from fllc_desktop.ui.widgets.scan_feedback import ScanFeedback, ScanSounds
from fllc_desktop.ui.widgets.scan_kept import (
    KEPT_DETAIL,
    KeptOps,
    kept_sent_detail,
    kept_sent_title,
    kept_title,
)
from fllc_desktop.ui.widgets.scan_manual_entry import ManualEntry
from fllc_desktop.ui.widgets.scan_pending import PendingBadge

TOUCH_HEIGHT_PX = 56
SAVED_ONLINE = "Saved"
SAVED_OFFLINE = "Saved on this tablet — will be sent when the connection is back"


def scan_table(
    name: str, headers: list[str], parent: QWidget, *, stretch: int = 0, fit_others: bool = False
) -> QTableWidget:
    """A read-only table of whole rows at touch height; column `stretch` takes the spare width
    (`fit_others`: the other columns fit their contents)."""
    table = QTableWidget(0, len(headers), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(44)
    header = table.horizontalHeader()
    if fit_others:
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


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
        self._kept: KeptOps | None = None
        self._kept_said: tuple[list[PendingOp], str, str, int] | None = None
        self.scan_number = 0
        """Scans handled on this screen since it was built (the banner's stamp)."""
        self.feedback = ScanFeedback(f"{key}_feedback", sounds, self)
        self.pending_badge = PendingBadge(f"{key}_pending", self)
        # a viewer never has scans to send: "All sent" would mean nothing (seen on Lookup)
        self.pending_badge.setVisible(desk.grants.allows(Permission.STOCK_INTAKE))
        self.sync_status = SyncStatus()
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
        row.addWidget(self.pending_badge)
        block.addLayout(row)
        return block

    def lay_out_columns(
        self,
        left: QLayout | QWidget,
        right: QLayout | QWidget,
        *,
        above: Sequence[QWidget] = (),
        stretch: tuple[int, int] = (3, 2),
    ) -> QGridLayout:
        """The scan screens' page: the feedback block across the top, then `above` (each across),
        two columns (`left`, `right`, widths in the ratio `stretch`), the manual entry at the foot."""
        layout = QGridLayout(self)
        layout.addLayout(self.feedback_block(), 0, 0, 1, 2)
        for row, widget in enumerate(above, start=1):
            layout.addWidget(widget, row, 0, 1, 2)
        row = 1 + len(above)
        for column, part in enumerate((left, right)):
            if isinstance(part, QLayout):
                layout.addLayout(part, row, column)
            else:
                layout.addWidget(part, row, column)
        layout.addWidget(self.manual, row + 1, 0, 1, 2)
        layout.setColumnStretch(0, stretch[0])
        layout.setColumnStretch(1, stretch[1])
        return layout

    # ------------------------------------------------------------------ kept from before

    def announce_kept(self, ops: list[PendingOp], noun: str, where: str = "") -> None:
        """Say once, at start, how many of this screen's ops were kept unsent from before; while
        nothing else was said since, the banner says so again once they are all sent."""
        if ops:
            self.feedback.show_warning(kept_title(len(ops), noun), f"{where}{KEPT_DETAIL}")
            self._kept_said = (ops, noun, where, self.feedback.answers)

    def show_kept(
        self, kept: KeptOps, ops: list[PendingOp], noun: str, describe: Callable[[PendingOp], str]
    ) -> None:
        """List the kept ops in ``kept`` (their state follows sync) and say how many there are."""
        kept.show_ops(ops, describe)
        self._kept = kept
        self.announce_kept(ops, noun)

    def _follow_kept(self) -> None:
        if self._kept is not None:
            self._kept.follow(self.desk.op_now)
        if self._kept_said is None:
            return
        ops, noun, where, answer = self._kept_said
        if self.feedback.answers != answer:  # a scan was answered since: its banner stays
            self._kept_said = None
            return
        states = [now.state if (now := self.desk.op_now(op)) else OpState.DONE for op in ops]
        if all(state is not OpState.PENDING for state in states):
            self._kept_said = None
            self.feedback.show_ok(kept_sent_title(len(ops), noun), where + kept_sent_detail(states))

    # ------------------------------------------------------------------ sync

    @property
    def saved_text(self) -> str:
        """What "saved" means now: offline, saved on this tablet only (and sent later)."""
        offline = self.sync_status.connectivity is Connectivity.OFFLINE
        return SAVED_OFFLINE if offline else SAVED_ONLINE

    def on_sync_status(self, status: SyncStatus) -> None:
        """The sync status as the status bar shows it (the scan services pass it on)."""
        self.sync_status = status
        self.pending_badge.show_status(status)

    def on_outbox_changed(self) -> None:
        """Sync settled ops or pulled changes: the kept ops' states, then the catalog's figures,
        and (on the screen in view) any of its ops the server refused."""
        self._follow_kept()
        self.catalog_changed()
        self.say_refused()

    def say_refused(self) -> None:
        """The server refused ops of this screen that were saved here: say so, so that no one
        believes the "Saved" of before (they wait in Needs attention)."""
        if not self.kinds or not self.isVisible():
            return
        refused = self.desk.newly_refused(*self.kinds)
        if not refused:
            return
        self.refused_by_server(refused)
        op = refused[-1]
        product = self.desk.product(op.product_id) if op.product_id is not None else None
        what = product.name if product is not None else op.description
        more = f" and {len(refused) - 1} more" if len(refused) > 1 else ""
        reason = (op.error_message or op.error_code or "no reason given").rstrip(".")
        self.feedback.show_error(
            f"Refused by the server: {what}{more}",
            f"{reason}. Nothing was booked for it: it waits in Needs attention.",
        )

    def refused_by_server(self, ops: list[PendingOp]) -> None:
        """Take back what the screen showed as booked for these ops (the server refused them)."""

    def catalog_changed(self) -> None:
        """Sync settled ops or pulled changes: re-show what comes from the catalog."""

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
        answers = self.feedback.answers
        self.scan_number += 1
        if scan.source is ScanSource.FRAGMENT:
            self.explain_fragment(scan.code)
            self._answered(scan, answers)
            return True
        try:
            self.handle(scan, self.desk.resolve(scan.code))
        except DatabaseUnavailableError as exc:
            self.scans.put_back(scan)
            self.scan_number -= 1  # it is handled again after "Try again"
            self._busy = True
            self.try_again_button.show()
            self.feedback.show_error(f"NOT saved — {exc.title}", exc.message)
            self.feedback.stamp(self.scan_number + 1)
            return False
        self._answered(scan, answers)
        return True

    def _answered(self, scan: Scan, answers_before: int) -> None:
        if self.feedback.answers == answers_before:  # never silent, whatever a subclass did
            self.feedback.show_warning(f"Read {scan.code.strip()}", "Nothing was booked for this scan.")
        self.feedback.stamp(self.scan_number)
        self.sig_scan_handled.emit(scan.seq)

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
        self.say_refused()  # refused while another screen was in view

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        if self._router is not None:
            self._router.release(self)
        super().hideEvent(event)

    kinds: tuple[CommandKind, ...] = ()
    """The kinds of ops this screen makes (whose refusals it tells)."""

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
            self.feedback.show_warning(f"Unknown barcode {resolved.shown_code}", "Assign it to a product?")
            return
        self.feedback.show_error(
            f"Unknown barcode {resolved.shown_code}",
            "No product has this barcode. Set the item aside and ask a manager to assign the barcode.",
        )

    def explain_fragment(self, text: str) -> None:
        """Part of a wedge scan arrived cut off: nothing is booked; the person scans again."""
        self.feedback.show_error(
            "Scan not read completely — scan it again",
            f"Only part of a barcode arrived ({text}). Nothing was saved for it.",
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
