"""The typed values the floor hands the scan screens: what a scan names, quantities as shown, PO
lines, and this user's ops as a person sees them. No Qt, and no outbox payload dicts for ``ui/``."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fllc_desktop.domain.barcodes import ScanResult
from fllc_desktop.domain.commands import CommandKind
from fllc_desktop.store.catalog import ProductRow
from fllc_desktop.store.errors import DatabaseUnavailableError
from fllc_desktop.store.outbox import OpState, OutboxEntry

__all__ = [
    "DISCARD_NOTE",
    "Carton",
    "DatabaseUnavailableError",
    "Meaning",
    "OpState",
    "PendingOp",
    "PoLine",
    "ProductRow",
    "Resolved",
    "ShownQuantity",
]

JsonObject = dict[str, Any]
DISCARD_NOTE = "discarded by the user in the needs-attention panel"

KIND_WORDS: dict[CommandKind, str] = {
    CommandKind.STOCK_INTAKE: "Receive",
    CommandKind.PO_RECEIVE: "Receive PO line",
    CommandKind.STOCK_COUNT: "Count",
    CommandKind.STOCK_ADJUST: "Adjust",
    CommandKind.STOCK_TRANSFER: "Transfer",
    CommandKind.PRODUCT_UPDATE: "Product edit",
    CommandKind.ORDER_PICK: "Pick",
    CommandKind.ORDER_FULFIL: "Order",
}


class Meaning(StrEnum):
    PRODUCT = "product"
    LOCATION = "location"
    PURCHASE_ORDER = "purchase_order"
    CARTON = "carton"  # a supplier's carton (SSCC-18) announced by a ship notice (856)
    UNKNOWN = "unknown"  # a good code that names nothing in the local catalog
    INVALID = "invalid"  # a code that cannot be used (bad check digit, unreadable GS1...)


@dataclass(frozen=True, slots=True)
class Resolved:
    """What one scan names, with the decoded barcode (lot, expiry, count) beside it."""

    meaning: Meaning
    decoded: ScanResult
    product: ProductRow | None = None
    location: JsonObject | None = None
    purchase_order: JsonObject | None = None
    carton: Carton | None = None

    @property
    def code(self) -> str:
        return self.decoded.lookup_key or self.decoded.raw.strip()

    @property
    def shown_code(self) -> str:
        """The code as read (a GTIN-14 with its leading zero), for a person."""
        return self.decoded.shown_code

    @property
    def problem(self) -> str:
        """A sentence for a person when the scan names nothing usable."""
        if self.decoded.error is not None:
            return self.decoded.error.message
        return f"Unknown barcode {self.shown_code}: no product, location or order has it."


@dataclass(frozen=True, slots=True)
class CartonLine:
    line_id: int
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Carton:
    """A carton of a purchase order's ship notice: its SSCC-18 and what it holds per order line.
    ``received``: the server has it received; ``pending``: this user's receipt waits to sync."""

    sscc: str
    purchase_order_id: int
    shipment_id: str
    contents: tuple[CartonLine, ...]
    received: bool = False
    pending: bool = False

    @classmethod
    def of(cls, purchase_order_id: int, data: JsonObject, pending: bool = False) -> Carton:
        lines = tuple(
            CartonLine(int(c["line_id"]), str(c.get("sku", "")), int(c["quantity"]))
            for c in data.get("contents") or []
        )
        return cls(
            sscc=str(data["sscc"]),
            purchase_order_id=purchase_order_id,
            shipment_id=str(data.get("shipment_id", "")),
            contents=lines,
            received=data.get("received_at") is not None,
            pending=pending,
        )

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.contents)

    @property
    def state(self) -> str:
        return "received" if self.received else ("received, not synced yet" if self.pending else "expected")


@dataclass(frozen=True, slots=True)
class ShownQuantity:
    """A quantity as shown: the server's figure plus this user's ops that are not synced yet."""

    server: int
    pending: int

    @property
    def total(self) -> int:
        return self.server + self.pending

    @property
    def text(self) -> str:
        if not self.pending:
            return str(self.server)
        return f"{self.total} ({self.pending:+d} pending)"


@dataclass(frozen=True, slots=True)
class PoLine:
    """A purchase-order line with what is received so far, counting this user's pending receipts."""

    id: int
    purchase_order_id: int
    product_id: int | None
    sku: str
    name: str
    ordered: int
    received: int
    pending: int = 0

    @property
    def received_total(self) -> int:
        return self.received + self.pending

    @property
    def remaining(self) -> int:
        return max(0, self.ordered - self.received_total)

    def would_over_receive(self, quantity: int) -> bool:
        return self.received_total + quantity > self.ordered


@dataclass(frozen=True, slots=True)
class PendingOp:
    """One of this user's ops as a screen shows it: what it books, and the server's answer if any."""

    op_id: uuid.UUID
    kind: CommandKind
    created_at: dt.datetime
    state: OpState
    product_id: int | None = None
    product_ref: str | None = None  # the sku or barcode of an op that names its product so
    location_id: int | None = None
    quantity: int | None = None
    line_count: int | None = None  # a count's number of products
    purchase_order_id: int | None = None  # a receipt against a purchase order: its order and line
    line_id: int | None = None
    from_location_id: int | None = None  # a transfer's two locations
    to_location_id: int | None = None
    answer_status: str | None = None  # applied | duplicate | rejected | conflict
    error_code: str | None = None
    error_message: str | None = None
    current: JsonObject | None = None
    order_id: int | None = None  # a pick, short pick, pack or ship
    step: str | None = None  # an order's fulfilment step (packed, shipped) or "short"

    @classmethod
    def of(cls, entry: OutboxEntry) -> PendingOp:
        command, payload = entry.command, entry.command.payload
        lines = payload.get("lines")
        return cls(
            op_id=command.op_id,
            kind=command.kind,
            created_at=command.created_at,
            state=entry.state,
            product_id=_int_or_none(payload.get("product_id")),
            product_ref=_text_or_none(payload.get("sku") or payload.get("barcode")),
            location_id=_int_or_none(payload.get("location_id")),
            quantity=_int_or_none(payload.get("quantity", payload.get("delta"))),
            line_count=len(lines) if isinstance(lines, list) else None,
            purchase_order_id=_int_or_none(payload.get("purchase_order_id")),
            line_id=_int_or_none(payload.get("purchase_order_line_id")),
            from_location_id=_int_or_none(payload.get("from_location_id")),
            to_location_id=_int_or_none(payload.get("to_location_id")),
            answer_status=entry.answer_status,
            error_code=entry.error_code,
            error_message=entry.error_message,
            current=entry.current,
            order_id=_int_or_none(payload.get("order_id")),
            step=_text_or_none(payload.get("status") or ("short" if payload.get("short_reason") else None)),
        )

    @property
    def description(self) -> str:
        """``Receive: 3 of product 12`` — what the op books, in a line."""
        words = KIND_WORDS.get(self.kind, self.kind.value)
        if self.order_id is not None:
            return _order_description(self)
        product = self.product_id if self.product_id is not None else (self.product_ref or "?")
        if self.quantity is not None:
            return f"{words}: {self.quantity} of product {product}"
        if self.line_count is not None:
            return f"{words}: {self.line_count} products at location {self.location_id}"
        return f"{words}: product {product}"

    @property
    def reason(self) -> str:
        """The server's reason for setting the op aside, with what it holds now on a conflict."""
        status = "Conflict" if self.answer_status == "conflict" else "Rejected"
        text = f"{status}: {self.error_message or self.error_code or 'no reason given'}"
        if self.current is not None:
            text += f" — the server now has {json.dumps(self.current, default=str)[:200]}"
        return text


def _order_description(op: PendingOp) -> str:
    if op.kind is CommandKind.ORDER_FULFIL:
        return f"Order {op.order_id}: {op.step}"
    what = "short" if op.step == "short" else "picked"
    return f"Pick: {op.quantity} {what} on order {op.order_id}"


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
