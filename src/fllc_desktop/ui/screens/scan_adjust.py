"""Adjust by scan (managers): pick the reason (damaged, lost, found, a correction), scan the product.

Each product scan commits one ``stock.adjust`` op to the outbox (offline like every scan) with the
reason, the keypad's quantity (default 1), the location and the note; damaged and lost take stock
away, found adds it, a correction adds unless "Remove" is ticked (``fllc_desktop.floor.moves``).
After a restart, adjustments saved before and not sent yet are said and listed.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.domain.commands import CommandKind
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.floor.moves import AdjustReason, adjustment_delta
from fllc_desktop.floor.views import Meaning, PendingOp, ProductRow, Resolved
from fllc_desktop.scanning.burst import Scan
from fllc_desktop.ui.screens.scan_base import TOUCH_HEIGHT_PX, ScanScreen
from fllc_desktop.ui.screens.scan_routing import ScanRouter
from fllc_desktop.ui.widgets.scan_feedback import ScanSounds
from fllc_desktop.ui.widgets.scan_kept import KeptOps
from fllc_desktop.ui.widgets.scan_keypad import NumericKeypad
from fllc_desktop.ui.widgets.scan_location import LocationPicker

KEY = "scan_adjust"
_CHOSEN = (
    "QPushButton:checked { background: #1f6feb; color: #ffffff; font-weight: 700; border-color: #1a5fcc; }"
)


class AdjustScreen(ScanScreen):
    kinds = (CommandKind.STOCK_ADJUST,)

    def __init__(
        self,
        desk: ScanDesk,
        router: ScanRouter | None = None,
        sounds: ScanSounds | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(KEY, desk, router, sounds, parent)
        self.location = LocationPicker(f"{KEY}_location", parent=self)
        self.reasons = QButtonGroup(self)
        self.reasons.setExclusive(True)
        reason_row = QHBoxLayout()
        for reason in AdjustReason:
            button = self.touch_button(reason.words, f"{KEY}_reason_{reason.value}")
            button.setCheckable(True)
            button.setStyleSheet(_CHOSEN)  # the chosen reason must be unmistakable
            self.reasons.addButton(button)
            button.setProperty("reason", reason.value)
            reason_row.addWidget(button)
        self.remove_box = QCheckBox("Remove (a correction that takes stock away)", self)
        self.remove_box.setObjectName(f"{KEY}_remove")
        self.note = QLineEdit(self)
        self.note.setObjectName(f"{KEY}_note")
        self.note.setPlaceholderText("Why? e.g. 'crushed pallet', 'found behind shelf B-04'")
        self.note.setMinimumHeight(TOUCH_HEIGHT_PX)
        self.keypad = NumericKeypad(f"{KEY}_quantity", self)
        self.kept = KeptOps(f"{KEY}_kept", self)
        left = QVBoxLayout()
        left.addWidget(self.kept)
        left.addWidget(QLabel("Reason", self))
        left.addLayout(reason_row)
        left.addWidget(self.remove_box)
        left.addWidget(QLabel("Note", self))
        left.addWidget(self.note)
        left.addStretch(1)
        self.lay_out_columns(left, self.keypad, above=[self.location])
        self.refresh()
        self.show_kept(self.kept, desk.kept_ops(CommandKind.STOCK_ADJUST), "adjustment", self._describe_kept)

    def _describe_kept(self, op: PendingOp) -> str:
        product = self.desk.product(op.product_id) if op.product_id is not None else None
        name = product.name if product is not None else f"Product {op.product_id}"
        return f"{op.quantity or 0:+d}  {name} · {self.location.text_for(op.location_id)}"

    def refresh(self) -> None:
        self.location.set_locations(self.desk.locations(), self.desk.default_location_id)

    def reason(self) -> AdjustReason | None:
        button = self.reasons.checkedButton()
        return None if button is None else AdjustReason(str(button.property("reason")))

    def choose(self, reason: AdjustReason) -> None:
        for button in self.reasons.buttons():
            button.setChecked(button.property("reason") == reason.value)

    def handle(self, scan: Scan, resolved: Resolved) -> None:
        if resolved.meaning is Meaning.LOCATION and resolved.location is not None:
            self.location.set_location(int(resolved.location["id"]))
            self.feedback.show_ok(f"Location {resolved.location['code']}", "The next adjustments are here.")
        elif resolved.meaning is Meaning.PRODUCT and resolved.product is not None:
            self._adjust(resolved.product, self.keypad.value() or resolved.decoded.count or 1)
        else:
            self.explain_problem(resolved)

    def _adjust(self, product: ProductRow, quantity: int) -> None:
        reason = self.reason()
        if reason is None:
            self.feedback.show_error(f"NOT saved — {product.name}", "Pick a reason first, then scan again.")
            return
        delta = adjustment_delta(reason, quantity, remove=self.remove_box.isChecked())
        self.desk.adjust(
            product.id, delta, reason.value, location_id=self.location.location_id(), note=self.note.text()
        )
        # Committed: only now tell the person.
        self.keypad.clear()
        shown = self.desk.shown_quantity(product)
        self.feedback.show_ok(
            f"{delta:+d}  {product.name}",
            f"{self.saved_text} · {reason.value} · {self.location.location_text()} · on hand {shown.text}",
        )
