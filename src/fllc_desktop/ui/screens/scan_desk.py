"""The scan screens' one service: what a scan means, and the ops it turns into. No Qt in here.

A :class:`ScanDesk` is made per signed-in user (its ops carry that user as their owner). It decodes a
scan (``decode_scan``), looks it up in the local catalog replica (a product by barcode or SKU, a
location by code, an open purchase order by number) and turns a person's decision into a command
committed to the outbox. ``Outbox.enqueue`` commits before it returns, so when a ``receive_*`` call
returns, the op survives a crash: only then may the screen say "saved". ``on_enqueued`` (the sync
controller's ``wake``) is called after each commit.

The durability tests and the benchmark drive this class directly: it is the Receive screen's code
path without the widgets.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fllc_desktop.domain.barcodes import DEFAULT_GS_SUBSTITUTES, ScanKind, ScanResult, decode_scan
from fllc_desktop.domain.commands import Command, CommandKind, stock_delta
from fllc_desktop.domain.permissions import Grants, Permission
from fllc_desktop.store.catalog import ProductRow, PurchaseOrderLineRow
from fllc_desktop.store.local_store import LocalStore
from fllc_desktop.store.outbox import OpOwner, OutboxEntry

JsonObject = dict[str, Any]
DISCARD_NOTE = "discarded by the user in the needs-attention panel"
UNDO_NOTE = "undone on the scan screen before it was sent"


class Meaning(StrEnum):
    PRODUCT = "product"
    LOCATION = "location"
    PURCHASE_ORDER = "purchase_order"
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

    @property
    def code(self) -> str:
        return self.decoded.lookup_key or self.decoded.raw.strip()

    @property
    def problem(self) -> str:
        """A sentence for a person when the scan names nothing usable."""
        if self.decoded.error is not None:
            return self.decoded.error.message
        return f"Unknown barcode {self.code}: no product, location or order has it."


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


class ScanDesk:
    def __init__(
        self,
        store: LocalStore,
        owner: OpOwner,
        grants: Grants,
        *,
        on_enqueued: Callable[[], None] = lambda: None,
        gs_substitutes: Iterable[str] = DEFAULT_GS_SUBSTITUTES,
    ) -> None:
        self.store = store
        self.owner = owner
        self.grants = grants
        self._on_enqueued = on_enqueued
        self._gs_substitutes = tuple(gs_substitutes)
        self._pending_deltas: dict[int, int] | None = None
        """This user's pending stock deltas, read once and kept current by our own enqueues;
        forgotten (``outbox_changed``) when sync settles ops or a person retries/discards one."""

    # ------------------------------------------------------------------ what a scan means

    @property
    def can_assign_barcodes(self) -> bool:
        return self.grants.allows(Permission.PRODUCTS_MODIFY)

    def resolve(self, raw: str) -> Resolved:
        decoded = decode_scan(raw, gs_substitutes=self._gs_substitutes)
        if not decoded.ok:
            return Resolved(Meaning.INVALID, decoded)
        product = self._product_for(decoded)
        if product is not None:
            return Resolved(Meaning.PRODUCT, decoded, product=product)
        if decoded.kind is ScanKind.TEXT and decoded.text:
            return self._resolve_text(decoded, decoded.text)
        return Resolved(Meaning.UNKNOWN, decoded)

    def _product_for(self, decoded: ScanResult) -> ProductRow | None:
        catalog = self.store.catalog
        if decoded.gtin is not None:
            found = catalog.product_by_barcode(decoded.gtin)
            raw = decoded.raw.strip()
            if found is None and raw.isdigit() and raw != decoded.gtin:
                found = catalog.product_by_barcode(raw)
            return found
        if decoded.text:
            return catalog.product_by_sku(decoded.text) or catalog.product_by_barcode(decoded.text)
        return None

    def _resolve_text(self, decoded: ScanResult, text: str) -> Resolved:
        location = self.location_by_code(text)
        if location is not None:
            return Resolved(Meaning.LOCATION, decoded, location=location)
        order = self.store.catalog.purchase_order_by_number(text)
        if order is not None:
            return Resolved(Meaning.PURCHASE_ORDER, decoded, purchase_order=order)
        return Resolved(Meaning.UNKNOWN, decoded)

    # ------------------------------------------------------------------ catalog reads

    def locations(self) -> list[JsonObject]:
        return self.store.catalog.locations()

    def location_by_code(self, code: str) -> JsonObject | None:
        wanted = code.strip().casefold()
        return next((loc for loc in self.locations() if str(loc["code"]).casefold() == wanted), None)

    def product(self, product_id: int) -> ProductRow | None:
        return self.store.catalog.product(product_id)

    def search_products(self, text: str, limit: int = 30) -> list[ProductRow]:
        return self.store.catalog.search_products(text, limit)

    def open_purchase_orders(self) -> list[JsonObject]:
        return self.store.catalog.open_purchase_orders()

    def shown_quantity(self, product: ProductRow) -> ShownQuantity:
        if self._pending_deltas is None:
            self._pending_deltas = self.store.outbox.pending_deltas(self.owner)
        return ShownQuantity(product.quantity_on_hand, self._pending_deltas.get(product.id, 0))

    def outbox_changed(self) -> None:
        """Ops were settled, retried or discarded elsewhere: re-read the pending deltas next time."""
        self._pending_deltas = None

    def purchase_order_lines(self, purchase_order_id: int) -> list[PoLine]:
        pending = self._pending_po_receipts(purchase_order_id)
        rows = self.store.catalog.purchase_order_lines(purchase_order_id)
        return [_po_line(row, pending.get(row.id, 0)) for row in rows]

    def _pending_po_receipts(self, purchase_order_id: int) -> dict[int, int]:
        found: dict[int, int] = {}
        for entry in self.store.outbox.pending(self.owner, limit=-1):
            payload = entry.command.payload
            if entry.command.kind is CommandKind.PO_RECEIVE and payload.get("purchase_order_id") == (
                purchase_order_id
            ):
                line_id = int(payload["purchase_order_line_id"])
                found[line_id] = found.get(line_id, 0) + int(payload["quantity"])
        return found

    # ------------------------------------------------------------------ writes (to the outbox)

    def receive(
        self,
        product_id: int,
        quantity: int,
        *,
        location_id: int | None = None,
        lot: str | None = None,
        expiry: dt.date | None = None,
    ) -> OutboxEntry:
        """Scan intake: ``+quantity`` of the product (at the location), committed to the outbox."""
        payload: JsonObject = {"product_id": product_id, "quantity": quantity}
        payload |= _optional(location_id=location_id, lot=lot, expiry=_iso(expiry))
        return self._enqueue(Command.new(CommandKind.STOCK_INTAKE, payload))

    def receive_po_line(
        self,
        line: PoLine,
        quantity: int,
        *,
        location_id: int | None = None,
        lot: str | None = None,
        expiry: dt.date | None = None,
    ) -> OutboxEntry:
        payload: JsonObject = {
            "purchase_order_id": line.purchase_order_id,
            "purchase_order_line_id": line.id,
            "quantity": quantity,
        }
        payload |= _optional(
            product_id=line.product_id, location_id=location_id, lot=lot, expiry=_iso(expiry)
        )
        return self._enqueue(Command.new(CommandKind.PO_RECEIVE, payload))

    def submit_count(
        self, location_id: int, counted: Mapping[int, int], *, apply: bool = False
    ) -> OutboxEntry:
        """A count of one location: ``{product_id: counted quantity}``. ``apply`` books the
        differences (the server allows it only with products.modify)."""
        lines = [{"product_id": pid, "counted_quantity": qty} for pid, qty in counted.items()]
        payload: JsonObject = {"location_id": location_id, "lines": lines, "apply": apply}
        return self._enqueue(Command.new(CommandKind.STOCK_COUNT, payload))

    def assign_barcode(self, product: ProductRow, barcode: str) -> OutboxEntry:
        """Give ``product`` this barcode (products.modify): an edit based on the version we saw."""
        payload: JsonObject = {"product_id": product.id, "barcode": barcode, "version": product.version}
        return self._enqueue(Command.new(CommandKind.PRODUCT_UPDATE, payload, base_version=product.version))

    def undo(self, op_id: uuid.UUID) -> bool:
        """Take back an op that is still pending (not sent yet); False when it is too late."""
        entry = self.store.outbox.entry(op_id)
        if entry is None or entry.owner != self.owner or entry.state.value != "pending":
            return False
        self.store.outbox.discard(self.owner, op_id, UNDO_NOTE)
        self.outbox_changed()
        self._on_enqueued()
        return True

    # ------------------------------------------------------------------ needs attention

    def needs_attention(self) -> list[OutboxEntry]:
        return self.store.outbox.needs_attention(self.owner)

    def retry(self, op_id: uuid.UUID) -> None:
        self.store.outbox.retry(self.owner, op_id)
        self.outbox_changed()
        self._on_enqueued()

    def discard(self, op_id: uuid.UUID, note: str = DISCARD_NOTE) -> None:
        self.store.outbox.discard(self.owner, op_id, note)
        self.outbox_changed()
        self._on_enqueued()

    def _enqueue(self, command: Command) -> OutboxEntry:
        entry = self.store.outbox.enqueue(self.owner, command)
        delta = stock_delta(command.kind, command.payload)
        if delta is not None and self._pending_deltas is not None:
            self._pending_deltas[delta.product_id] = (
                self._pending_deltas.get(delta.product_id, 0) + delta.quantity
            )
        self._on_enqueued()
        return entry


def _po_line(row: PurchaseOrderLineRow, pending: int) -> PoLine:
    data = row.data
    return PoLine(
        id=row.id,
        purchase_order_id=row.purchase_order_id,
        product_id=row.product_id,
        sku=str(data.get("sku") or ""),
        name=str(data.get("name") or data.get("product_name") or f"Product {row.product_id}"),
        ordered=row.ordered_quantity,
        received=row.received_quantity,
        pending=pending,
    )


def _optional(**values: Any) -> JsonObject:
    return {key: value for key, value in values.items() if value not in (None, "")}


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()
