"""Moving stock by scan, and adjusting it: the Transfer and Adjust screens' sessions. No Qt in here.

A transfer (staff, stock.intake): scan the source location's label, scan the items (each scan adds
one, or the keypad's quantity), then scan the destination's label: one ``stock.transfer`` op per
product is committed to the outbox, offline like every scan. Scanning the source again, or a product
before any source, is explained, never booked.

An adjustment (managers, products.modify): damaged, lost, found or a correction, with a reason
written by the person; damaged and lost take stock away, found adds it (the server's rule too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from fllc_desktop.floor.views import PendingOp

JsonObject = dict[str, Any]


class TransferStep(StrEnum):
    SOURCE = "source"  # waiting for the source location's label
    ITEMS = "items"  # collecting items; a different location's label finishes


@dataclass
class TransferLine:
    product_id: int
    name: str
    quantity: int


@dataclass
class TransferSession:
    source: JsonObject | None = None
    lines: dict[int, TransferLine] = field(default_factory=dict)

    @property
    def step(self) -> TransferStep:
        return TransferStep.SOURCE if self.source is None else TransferStep.ITEMS

    @property
    def prompt(self) -> str:
        if self.source is None:
            return "Scan the label of the location the goods come from"
        if not self.lines:
            return f"From {self.source['code']}: scan the items to move"
        return f"From {self.source['code']}: scan more items, or the destination's label to finish"

    def add(self, product_id: int, name: str, quantity: int) -> TransferLine:
        if self.source is None:
            raise ValueError("scan the source location first")
        line = self.lines.get(product_id)
        if line is None:
            line = self.lines[product_id] = TransferLine(product_id, name, 0)
        line.quantity += quantity
        return line

    def units(self) -> int:
        return sum(line.quantity for line in self.lines.values())

    def clear(self) -> None:
        self.source = None
        self.lines.clear()


class AdjustReason(StrEnum):
    DAMAGED = "damaged"
    LOST = "lost"
    FOUND = "found"
    CORRECTION = "correction"

    @property
    def sign(self) -> int:
        """+1 or -1 for the reasons that fix the direction; 0 for a correction (either way)."""
        return {"damaged": -1, "lost": -1, "found": 1}.get(self.value, 0)

    @property
    def words(self) -> str:
        return {
            "damaged": "Damaged (remove)",
            "lost": "Lost (remove)",
            "found": "Found (add)",
            "correction": "Correction (+/-)",
        }[self.value]


def adjustment_delta(reason: AdjustReason, quantity: int, *, remove: bool = False) -> int:
    """The signed delta of an adjustment of ``quantity`` units; ``remove`` only for a correction."""
    if quantity <= 0:
        raise ValueError("the quantity must be at least 1")
    if reason.sign:
        return reason.sign * quantity
    return -quantity if remove else quantity


def transfer_summary(ops: list[PendingOp], source: str, destination: str) -> str:
    units = sum(op.quantity or 0 for op in ops)
    products = len(ops)
    unit_words = f"{units} unit{'s' if units != 1 else ''}"
    product_words = f"{products} product{'s' if products != 1 else ''}"
    return f"{unit_words} of {product_words} {source} → {destination}"
