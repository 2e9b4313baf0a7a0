"""The scan screens' one service: what a scan means, and the ops it turns into. No Qt in here.

A :class:`ScanDesk` is made per signed-in user (its ops carry that user as their owner). It decodes a
scan (``decode_scan``), looks it up in the local catalog replica (a product by barcode or SKU, a
location by code, an open purchase order by number) and turns a person's decision into a command
committed to the outbox. ``Outbox.enqueue`` commits before it returns, so when a ``receive_*`` call
returns, the op survives a crash: only then may the screen say "saved". ``on_enqueued`` (the sync
controller's ``wake``) is called after each commit.

Screens get typed views back (``fllc_desktop.floor.views``): a :class:`PendingOp` per op, never the
outbox entry or its payload. The durability tests and the benchmark drive this class directly: it is
the Receive screen's code path without the widgets.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fllc_desktop.domain.barcodes import DEFAULT_GS_SUBSTITUTES, ScanKind, ScanResult, decode_scan
from fllc_desktop.domain.commands import Command, CommandKind, stock_delta
from fllc_desktop.domain.permissions import Grants, Permission
from fllc_desktop.floor.receiving import ExpiryCheck, ExpiryPolicy
from fllc_desktop.floor.views import DISCARD_NOTE, Carton, Meaning, PendingOp, PoLine, Resolved, ShownQuantity
from fllc_desktop.store.catalog import ProductRow, PurchaseOrderLineRow
from fllc_desktop.store.local_store import LocalStore
from fllc_desktop.store.outbox import OpOwner, OpState

JsonObject = dict[str, Any]
UNDO_NOTE = "undone on the scan screen before it was sent"


class ScanDesk:
    def __init__(
        self,
        store: LocalStore,
        owner: OpOwner,
        grants: Grants,
        *,
        on_enqueued: Callable[[], None] = lambda: None,
        gs_substitutes: Iterable[str] = DEFAULT_GS_SUBSTITUTES,
        expiry_policy: ExpiryPolicy | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.store = store
        self.owner = owner
        self.grants = grants
        self._on_enqueued = on_enqueued
        self._gs_substitutes = tuple(gs_substitutes)
        self._pending_deltas: dict[int, int] | None = None
        """This user's pending stock deltas, read once and kept current by our own enqueues;
        forgotten (``outbox_changed``) when sync settles ops or a person retries/discards one."""
        self.expiry_policy = expiry_policy or ExpiryPolicy()
        """The site's rule for expiry dates (the server's settings, handed in at sign-in)."""
        self._today = today
        self.default_location_id: int | None = None
        """The site's default location (the server's settings), where ops without one go."""
        self._kept = [PendingOp.of(entry) for entry in store.outbox.pending(owner, limit=-1)]
        self._unanswered = {op.op_id for op in self._kept}
        """This user's ops (kept from before, or made since) whose refusal was not said yet."""

    def kept_ops(self, *kinds: CommandKind) -> list[PendingOp]:
        """This user's ops that were waiting in the outbox when the desk was made: saved before
        the app last closed (or crashed) and not sent yet — of these kinds (all when none given),
        so each scan screen lists its own."""
        return [op for op in self._kept if not kinds or op.kind in kinds]

    def op_now(self, op: PendingOp) -> PendingOp | None:
        """The op as the outbox holds it now (sent, or set aside); None once it is gone."""
        entry = self.store.outbox.entry(op.op_id)
        return None if entry is None else PendingOp.of(entry)

    def check_expiry(self, expiry: dt.date | None) -> ExpiryCheck:
        return self.expiry_policy.check(expiry, self._today())

    # ------------------------------------------------------------------ what a scan means

    @property
    def can_assign_barcodes(self) -> bool:
        return self.grants.allows(Permission.PRODUCTS_MODIFY)

    def resolve(self, raw: str) -> Resolved:
        decoded = decode_scan(raw, gs_substitutes=self._gs_substitutes)
        if not decoded.ok:
            return Resolved(Meaning.INVALID, decoded)
        if decoded.sscc is not None:
            carton = self.carton(decoded.sscc)
            return Resolved(Meaning.CARTON if carton else Meaning.UNKNOWN, decoded, carton=carton)
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

    def cartons(self, purchase_order_id: int) -> list[Carton]:
        """The ship notice's cartons of an open order (from the replica), with this user's
        carton receipts that wait in the outbox."""
        order = next((o for o in self.open_purchase_orders() if o.get("id") == purchase_order_id), None)
        pending = self._pending_cartons()
        return [
            Carton.of(purchase_order_id, data, pending=str(data.get("sscc")) in pending)
            for data in (order or {}).get("cartons") or []
        ]

    def carton(self, sscc: str) -> Carton | None:
        """The carton with this SSCC on any open order, or None."""
        for order in self.open_purchase_orders():
            for data in order.get("cartons") or []:
                if data.get("sscc") == sscc:
                    return Carton.of(int(order["id"]), data, pending=sscc in self._pending_cartons())
        return None

    def _pending_cartons(self) -> set[str]:
        return {
            str(entry.command.payload["sscc"])
            for entry in self.store.outbox.pending(self.owner, limit=-1)
            if entry.command.kind is CommandKind.PO_RECEIVE and entry.command.payload.get("sscc")
        }

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
        cartons: dict[str, Any] | None = None
        for entry in self.store.outbox.pending(self.owner, limit=-1):
            payload = entry.command.payload
            if entry.command.kind is not CommandKind.PO_RECEIVE or payload.get("purchase_order_id") != (
                purchase_order_id
            ):
                continue
            if payload.get("sscc"):  # a whole carton: its contents, as the ship notice says
                if cartons is None:
                    order = next(
                        (o for o in self.open_purchase_orders() if o.get("id") == purchase_order_id), {}
                    )
                    cartons = {str(c.get("sscc")): c for c in order.get("cartons") or []}
                for content in (cartons.get(str(payload["sscc"])) or {}).get("contents") or []:
                    line_id = int(content["line_id"])
                    found[line_id] = found.get(line_id, 0) + int(content["quantity"])
                continue
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
    ) -> PendingOp:
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
    ) -> PendingOp:
        payload: JsonObject = {
            "purchase_order_id": line.purchase_order_id,
            "purchase_order_line_id": line.id,
            "quantity": quantity,
        }
        payload |= _optional(
            product_id=line.product_id, location_id=location_id, lot=lot, expiry=_iso(expiry)
        )
        return self._enqueue(Command.new(CommandKind.PO_RECEIVE, payload))

    def receive_carton(self, carton: Carton, *, location_id: int | None = None) -> PendingOp:
        """One scan of a carton's SSCC-18: everything the ship notice says it holds, one op
        (the server expands it from the same notice and receives the carton once)."""
        payload: JsonObject = {"purchase_order_id": carton.purchase_order_id, "sscc": carton.sscc}
        payload |= _optional(location_id=location_id)
        return self._enqueue(Command.new(CommandKind.PO_RECEIVE, payload))

    def transfer(self, source_id: int, destination_id: int, lines: Mapping[int, int]) -> list[PendingOp]:
        """Move ``{product_id: quantity}`` from one location to another: one op per product, each
        committed to the outbox before the next."""
        if source_id == destination_id:
            raise ValueError("a transfer needs two different locations")
        ops = []
        for product_id, quantity in lines.items():
            payload: JsonObject = {
                "product_id": product_id,
                "from_location_id": source_id,
                "to_location_id": destination_id,
                "quantity": quantity,
            }
            ops.append(self._enqueue(Command.new(CommandKind.STOCK_TRANSFER, payload)))
        return ops

    def adjust(
        self, product_id: int, delta: int, reason_code: str, *, location_id: int | None = None, note: str = ""
    ) -> PendingOp:
        """Damaged, lost, found or a correction (products.modify): a signed delta with the reason."""
        payload: JsonObject = {"product_id": product_id, "delta": delta, "reason_code": reason_code}
        payload |= _optional(location_id=location_id, note=note.strip())
        return self._enqueue(Command.new(CommandKind.STOCK_ADJUST, payload))

    @property
    def can_adjust(self) -> bool:
        return self.grants.allows(Permission.PRODUCTS_MODIFY)

    def submit_count(self, location_id: int, counted: Mapping[int, int], *, apply: bool = False) -> PendingOp:
        """A count of one location: ``{product_id: counted quantity}``. ``apply`` books the
        differences (the server allows it only with products.modify)."""
        lines = [{"product_id": pid, "counted_quantity": qty} for pid, qty in counted.items()]
        payload: JsonObject = {"location_id": location_id, "lines": lines, "apply": apply}
        return self._enqueue(Command.new(CommandKind.STOCK_COUNT, payload))

    def assign_barcode(self, product: ProductRow, barcode: str) -> PendingOp:
        """Give ``product`` this barcode (products.modify): an edit based on the version we saw."""
        payload: JsonObject = {"product_id": product.id, "barcode": barcode, "version": product.version}
        return self._enqueue(Command.new(CommandKind.PRODUCT_UPDATE, payload, base_version=product.version))

    def undo(self, op_id: uuid.UUID) -> PendingOp | None:
        """Take back an op that is still pending (not sent yet): the op taken back, or None when
        it is too late (sent, or not this user's)."""
        entry = self.store.outbox.entry(op_id)
        if entry is None or entry.owner != self.owner or entry.state is not OpState.PENDING:
            return None
        self.store.outbox.discard(self.owner, op_id, UNDO_NOTE)
        self.outbox_changed()
        self._on_enqueued()
        return PendingOp.of(entry)

    def newly_refused(self, *kinds: CommandKind) -> list[PendingOp]:
        """This user's ops of these kinds that the server has refused (set aside for a person)
        since they were made, each returned once: the scan screen says so."""
        if not self._unanswered:
            return []
        refused = [
            op
            for op in self.needs_attention()
            if op.op_id in self._unanswered and (not kinds or op.kind in kinds)
        ]
        self._unanswered.difference_update(op.op_id for op in refused)
        return refused

    # ------------------------------------------------------------------ needs attention

    def needs_attention(self) -> list[PendingOp]:
        return [PendingOp.of(entry) for entry in self.store.outbox.needs_attention(self.owner)]

    def retry(self, op_id: uuid.UUID) -> None:
        self.store.outbox.retry(self.owner, op_id)
        self.outbox_changed()
        self._on_enqueued()

    def discard(self, op_id: uuid.UUID, note: str = DISCARD_NOTE) -> None:
        self.store.outbox.discard(self.owner, op_id, note)
        self.outbox_changed()
        self._on_enqueued()

    def enqueue(self, command: Command) -> PendingOp:
        """Commit a command built elsewhere on the floor (``floor.picking``) to the outbox."""
        return self._enqueue(command)

    def _enqueue(self, command: Command) -> PendingOp:
        entry = self.store.outbox.enqueue(self.owner, command)
        self._unanswered.add(command.op_id)
        delta = stock_delta(command.kind, command.payload)
        if delta is not None and self._pending_deltas is not None:
            self._pending_deltas[delta.product_id] = (
                self._pending_deltas.get(delta.product_id, 0) + delta.quantity
            )
        self._on_enqueued()
        return PendingOp.of(entry)


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
