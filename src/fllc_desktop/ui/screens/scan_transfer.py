"""Transfer by scan: the source location's label, the items (with quantities), the destination's label.

A view over :class:`fllc_desktop.floor.moves.TransferSession`. The destination's scan commits one
``stock.transfer`` op per product to the outbox (offline like every scan) and only then says so.
"Print location labels…" writes every location's label (a Code 128 of its code, what this screen
scans) to a PDF sheet. After a restart, transfers saved before and not sent yet are said and listed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.domain.commands import CommandKind
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.floor.moves import TransferSession, TransferStep, transfer_summary
from fllc_desktop.floor.views import Meaning, PendingOp, Resolved
from fllc_desktop.labels.pdf import write_labels_pdf
from fllc_desktop.labels.product_label import location_label
from fllc_desktop.scanning.burst import Scan
from fllc_desktop.ui.screens.scan_base import ScanScreen
from fllc_desktop.ui.screens.scan_routing import ScanRouter
from fllc_desktop.ui.widgets.scan_feedback import ScanSounds
from fllc_desktop.ui.widgets.scan_kept import KeptOps
from fllc_desktop.ui.widgets.scan_keypad import NumericKeypad

KEY = "scan_transfer"


class TransferScreen(ScanScreen):
    kinds = (CommandKind.STOCK_TRANSFER,)

    def __init__(
        self,
        desk: ScanDesk,
        router: ScanRouter | None = None,
        sounds: ScanSounds | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(KEY, desk, router, sounds, parent)
        self.session = TransferSession()
        self.step_label = QLabel(self)
        self.step_label.setObjectName(f"{KEY}_step")
        self.step_label.setWordWrap(True)
        self.step_label.setStyleSheet("font-size: 20pt; font-weight: 700;")
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName(f"{KEY}_lines")
        self.table.setHorizontalHeaderLabels(["Product", "Quantity"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(44)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.keypad = NumericKeypad(f"{KEY}_quantity", self)
        self.cancel_button = self.touch_button("Start over", f"{KEY}_cancel")
        self.cancel_button.clicked.connect(self.on_cancel_button_clicked)
        self.labels_button = self.touch_button("Print location labels…", f"{KEY}_labels")
        self.labels_button.clicked.connect(self.on_labels_button_clicked)
        self.kept = KeptOps(f"{KEY}_kept", self)
        left = QVBoxLayout()
        left.addWidget(self.kept)
        left.addWidget(self.step_label)
        left.addWidget(self.table, 1)
        right = QVBoxLayout()
        right.addWidget(self.keypad, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.labels_button)
        right.addLayout(buttons)
        self.lay_out_columns(left, right)
        self._show()
        self.show_kept(self.kept, desk.kept_ops(CommandKind.STOCK_TRANSFER), "transfer", self._describe_kept)

    def _describe_kept(self, op: PendingOp) -> str:
        codes = {loc["id"]: str(loc["code"]) for loc in self.desk.locations()}
        product = self.desk.product(op.product_id) if op.product_id is not None else None
        name = product.name if product is not None else f"Product {op.product_id}"
        route = f"{codes.get(op.from_location_id, '?')} → {codes.get(op.to_location_id, '?')}"
        return f"{op.quantity or 0} of {name}, {route}"

    def handle(self, scan: Scan, resolved: Resolved) -> None:
        if resolved.meaning is Meaning.LOCATION and resolved.location is not None:
            self._location(resolved.location)
        elif resolved.meaning is Meaning.PRODUCT and resolved.product is not None:
            if self.session.step is TransferStep.SOURCE:
                self.feedback.show_error(
                    f"{resolved.product.name}: scan the source location first",
                    "Scan the label of the shelf or bin the goods come from, then the items.",
                )
                return
            quantity = self.keypad.value() or resolved.decoded.count or 1
            line = self.session.add(resolved.product.id, resolved.product.name, quantity)
            self.keypad.clear()
            self.feedback.show_ok(
                f"+{quantity}  {resolved.product.name}",
                f"{line.quantity} to move from {self._source_code()} · saved when the destination is scanned",
            )
            self._show()
        else:
            self.explain_problem(resolved)

    def _location(self, location: dict[str, object]) -> None:
        source = self.session.source
        if source is None:
            self.session.source = location
            self.feedback.show_ok(f"From {location['code']}", "Now scan the items to move.")
        elif location["id"] == source["id"]:
            self.feedback.show_warning(
                f"{location['code']} is the source", "Scan the items, then the destination's label."
            )
        elif not self.session.lines:
            self.session.source = location
            self.feedback.show_ok(f"From {location['code']}", "Source changed: now scan the items to move.")
        else:
            lines = {pid: line.quantity for pid, line in self.session.lines.items()}
            ops = self.desk.transfer(int(str(source["id"])), int(str(location["id"])), lines)
            # Committed: only now tell the person.
            summary = transfer_summary(ops, str(source["code"]), str(location["code"]))
            self.session.clear()
            self.feedback.show_ok(f"Moved to {location['code']}", f"{self.saved_text} · {summary}")
        self._show()

    def _source_code(self) -> str:
        return str(self.session.source["code"]) if self.session.source else "?"

    def _show(self) -> None:
        self.step_label.setText(self.session.prompt)
        lines = list(self.session.lines.values())
        self.table.setRowCount(len(lines))
        for row, line in enumerate(lines):
            self.table.setItem(row, 0, QTableWidgetItem(line.name))
            item = QTableWidgetItem(str(line.quantity))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, 1, item)

    def on_cancel_button_clicked(self) -> None:
        self.session.clear()
        self.feedback.show_idle("Transfer cleared", "Nothing was moved.")
        self._show()

    def on_labels_button_clicked(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, "Location labels", "location-labels.pdf", "PDF (*.pdf)"
        )
        if path:
            self.write_location_labels(path)

    def write_location_labels(self, path: str) -> int:
        labels = [
            location_label(str(loc["code"]), str(loc.get("name") or "")) for loc in self.desk.locations()
        ]
        with open(path, "wb") as out:
            write_labels_pdf(labels, out)
        self.feedback.show_ok(f"{len(labels)} location labels", f"Written to {path}")
        return len(labels)
