"""Pick (stock.intake): the orders to pick, an order's lines, and scanning its goods.

The list comes from the server when it answers and is kept on this tablet, so picking goes on
offline (``floor.picking``). Choose an order (or scan its number); each scan of one of its items picks
one unit. A wrong item, or one already picked in full, flashes red with the error tone and books
nothing. A line not on the shelf is marked short with a reason; when every line is picked or short the
order is packed, then shipped. Every step is an op in the outbox, saved before the screen says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.domain.commands import CommandKind
from fllc_desktop.floor.picking import PickDesk, PickLine, PickOrder, PickRefusedError
from fllc_desktop.floor.views import Meaning, Resolved
from fllc_desktop.scanning.burst import Scan
from fllc_desktop.ui.screens.scan_base import TOUCH_HEIGHT_PX, ScanScreen, scan_table
from fllc_desktop.ui.screens.scan_routing import ScanRouter
from fllc_desktop.ui.widgets.scan_feedback import ScanSounds
from fllc_desktop.ui.widgets.scan_kept import kept_title

if TYPE_CHECKING:
    from fllc_desktop.api.errors import ApiError
    from fllc_desktop.qt.services import Request

KEY = "scan_pick"
JsonObject = dict[str, Any]
PickListSource = Callable[[], "Request[list[JsonObject]]"]
SHORT_REASONS = ("Not on the shelf", "Damaged on the shelf", "Wrong item on the shelf", "Other")


class ShortPickDialog(QDialog):
    def __init__(self, line: PickLine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{KEY}_short_dialog")
        self.setWindowTitle(f"Short pick: {line.name}")
        self.quantity = QSpinBox(self)
        self.quantity.setObjectName(f"{KEY}_short_quantity")
        self.quantity.setRange(1, max(1, line.left))
        self.quantity.setValue(line.left)
        self.quantity.setMinimumHeight(TOUCH_HEIGHT_PX)
        self.reason = QComboBox(self)
        self.reason.setObjectName(f"{KEY}_short_reason")
        self.reason.setEditable(True)
        self.reason.addItems(SHORT_REASONS)
        self.reason.setMinimumHeight(TOUCH_HEIGHT_PX)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Mark short")
        ok.setObjectName(f"{KEY}_short_ok")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(f"Units not found (of {line.left} left)", self.quantity)
        form.addRow("Why", self.reason)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)


class PickScreen(ScanScreen):
    def __init__(
        self,
        picking: PickDesk,
        router: ScanRouter | None = None,
        sounds: ScanSounds | None = None,
        pick_list: PickListSource | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(KEY, picking.desk, router, sounds, parent)
        self.picking = picking
        self._pick_list = pick_list
        self.order: PickOrder | None = None
        self.orders: list[PickOrder] = []
        self.short_dialog: ShortPickDialog | None = None
        self.fetched = 0  # pick lists received from the server, for tests
        self._build()
        self.refresh()
        kept = picking.desk.kept_ops(CommandKind.ORDER_PICK, CommandKind.ORDER_FULFIL)
        if kept:  # saved before a restart and not sent yet: already counted on their orders below
            self.feedback.show_warning(
                kept_title(len(kept), "pick"),
                "They are counted on their orders below and are being sent: do not scan them again.",
            )
        else:
            self.feedback.show_idle("Choose an order to pick", "Tap it in the list, or scan its number.")

    def _build(self) -> None:
        self.list_note = QLabel(self)
        self.list_note.setObjectName(f"{KEY}_list_note")
        self.list_note.setProperty("role", "muted")
        self.reload_button = self.touch_button("Refresh list", f"{KEY}_reload")
        self.reload_button.clicked.connect(self.fetch)
        self.order_table = scan_table(
            f"{KEY}_orders", ["Order", "Status", "Progress"], self, stretch=2, fit_others=True
        )
        self.order_table.itemSelectionChanged.connect(self.on_order_table_selection_changed)
        self.heading = QLabel(self)
        self.heading.setObjectName(f"{KEY}_heading")
        font = self.heading.font()
        font.setPointSize(16)
        font.setBold(True)
        self.heading.setFont(font)
        self.lines = scan_table(
            f"{KEY}_lines",
            ["SKU", "Product", "Ordered", "Picked", "Short", "Progress"],
            self,
            stretch=1,
            fit_others=True,
        )
        self.lines.itemSelectionChanged.connect(self._update_buttons)
        self.short_button = self.touch_button("Short pick…", f"{KEY}_short")
        self.short_button.clicked.connect(self.on_short_clicked)
        self.pack_button = self.touch_button("Pack", f"{KEY}_pack")
        self.pack_button.clicked.connect(self.on_pack_clicked)
        self.ship_button = self.touch_button("Ship", f"{KEY}_ship")
        self.ship_button.clicked.connect(self.on_ship_clicked)
        left = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.list_note, 1)
        top.addWidget(self.reload_button)
        left.addLayout(top)
        left.addWidget(self.order_table, 1)
        right = QVBoxLayout()
        right.addWidget(self.heading)
        right.addWidget(self.lines, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.short_button)
        buttons.addStretch(1)
        buttons.addWidget(self.pack_button)
        buttons.addWidget(self.ship_button)
        right.addLayout(buttons)
        self.lay_out_columns(left, right, stretch=(3, 5))

    # ------------------------------------------------------------------ the list

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.fetch()

    def fetch(self) -> None:
        """Ask the server for the pick list (when it answers; offline the kept one stays)."""
        if self._pick_list is None:
            return
        self.list_note.setText("Asking the server for the orders to pick…")
        self._pick_list().then(self.on_pick_list, self.on_pick_list_refused, self)

    def on_pick_list(self, orders: list[JsonObject]) -> None:
        self.picking.remember(orders)
        self.fetched += 1
        self.refresh()

    def on_pick_list_refused(self, error: ApiError) -> None:
        self.list_note.setText(f"Kept on this tablet — the server did not answer ({error.title}).")

    def refresh(self) -> None:
        chosen = self.order.id if self.order else None
        self.orders = self.picking.orders()
        self.order_table.blockSignals(True)
        self.order_table.setRowCount(len(self.orders))
        for row, order in enumerate(self.orders):
            self.order_table.setItem(row, 0, QTableWidgetItem(order.number))
            self.order_table.setItem(row, 1, QTableWidgetItem(order.status))
            self.order_table.setItem(row, 2, QTableWidgetItem(order.progress_short))
            if order.id == chosen:
                self.order_table.selectRow(row)
        self.order_table.blockSignals(False)
        count = len(self.orders)
        self.list_note.setText(
            f"{count} order{'s' if count != 1 else ''} to pick or ship"
            if count
            else "Nothing to pick: no paid order is waiting."
        )
        self.order = next((o for o in self.orders if o.id == chosen), None)
        self._show_order()

    def catalog_changed(self) -> None:
        self.refresh()  # ops settled or set aside: what counts changed

    def on_order_table_selection_changed(self) -> None:
        row = self.order_table.currentRow()
        self.order = self.orders[row] if 0 <= row < len(self.orders) else None
        self._show_order()
        if self.order is not None:
            self.feedback.show_idle(f"Picking {self.order.number}", "Scan each item as you take it.")

    def open_order(self, order_id: int) -> bool:
        for row, order in enumerate(self.orders):
            if order.id == order_id:
                self.order_table.selectRow(row)
                return True
        return False

    def _show_order(self) -> None:
        order = self.order
        self.heading.setText(f"{order.number} · {order.progress_text}" if order else "No order chosen")
        self.lines.setRowCount(len(order.lines) if order else 0)
        for row, line in enumerate(order.lines if order else ()):
            short = f"{line.short} ({line.short_reason})" if line.short else ""
            for column, text in enumerate([line.sku, line.name, str(line.quantity), str(line.picked), short]):
                self.lines.setItem(row, column, QTableWidgetItem(text))
            bar = self.lines.cellWidget(row, 5)
            if not isinstance(bar, QProgressBar):  # one per row, kept: no stray widget while replaced
                bar = QProgressBar()
                self.lines.setCellWidget(row, 5, bar)
            bar.setObjectName(f"{KEY}_progress_{line.id}")
            bar.setRange(0, max(1, line.quantity))
            bar.setValue(line.picked + line.short)
            bar.setFormat("done" if line.done else f"{line.left} left")
        chosen = self.selected_line()
        if order is not None and (chosen is None or chosen.done):
            first = next((row for row, line in enumerate(order.lines) if not line.done), None)
            if first is not None:
                self.lines.selectRow(first)
        self._update_buttons()

    def selected_line(self) -> PickLine | None:
        row = self.lines.currentRow()
        if self.order is None or not 0 <= row < len(self.order.lines) or not self.lines.selectedItems():
            return None
        return self.order.lines[row]

    def _update_buttons(self) -> None:
        line = self.selected_line()
        self.short_button.setEnabled(line is not None and not line.done)
        self.pack_button.setEnabled(self.order is not None and self.order.can_pack)
        self.ship_button.setEnabled(self.order is not None and self.order.can_ship)

    # ------------------------------------------------------------------ scans

    def handle(self, scan: Scan, resolved: Resolved) -> None:
        if resolved.meaning is not Meaning.PRODUCT:
            order = self.picking.order_by_number(resolved.code)
            if order is not None:
                self.open_order(order.id)
                self.feedback.show_ok(f"Picking {order.number}", order.progress_text)
                return
        if self.order is None:
            if resolved.meaning is Meaning.PRODUCT:
                self.feedback.show_error("Choose an order first", "Tap it in the list, or scan its number.")
            else:
                self.explain_problem(resolved)
            return
        answer = self.picking.scan(self.order.id, resolved)
        if not answer.ok:
            self.feedback.show_error(answer.title, answer.detail)
            return
        self.refresh()
        detail = f"{answer.detail} · {self.saved_text}"
        if self.order is not None and self.order.all_done:
            detail += "\nEvery line is done: pack the order."
        self.feedback.show_ok(answer.title, detail)

    # ------------------------------------------------------------------ short, pack, ship

    def on_short_clicked(self) -> ShortPickDialog | None:
        line, order = self.selected_line(), self.order
        if line is None or order is None:
            return None
        dialog = ShortPickDialog(line, self)

        def on_finished(result: int) -> None:
            self.short_dialog = None
            self.set_busy(False)
            if result == QDialog.DialogCode.Accepted:
                self._short(order, line, dialog.quantity.value(), dialog.reason.currentText())

        dialog.finished.connect(on_finished)
        self.short_dialog = dialog
        self.set_busy(True)  # scans wait until the picker has answered
        dialog.open()
        return dialog

    def _short(self, order: PickOrder, line: PickLine, quantity: int, reason: str) -> None:
        try:
            self.picking.short(order.id, line.id, quantity, reason)
        except PickRefusedError as exc:
            self.feedback.show_error(f"Not marked short — {line.name}", str(exc))
            return
        self.refresh()
        self.feedback.show_warning(f"{quantity} short — {line.name}", f"{reason.strip()} · {self.saved_text}")

    def on_pack_clicked(self) -> None:
        self._step(self.picking.pack, "Packed", "Ship it when the carrier takes it.")

    def on_ship_clicked(self) -> None:
        self._step(self.picking.ship, "Shipped", "Its units leave the stock when the server has it.")

    def _step(self, action: Callable[[int], object], done: str, detail: str) -> None:
        order = self.order
        if order is None:
            return
        try:
            action(order.id)
        except PickRefusedError as exc:
            self.feedback.show_error(f"Not {done.lower()} — {order.number}", str(exc))
            return
        self.refresh()
        self.feedback.show_ok(f"{done}: {order.number}", f"{detail} · {self.saved_text}")
