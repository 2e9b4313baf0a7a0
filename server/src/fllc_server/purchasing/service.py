"""Purchase order rules: the status machine, line edits while draft, every change audited.

draft ──submit──▶ submitted ──receive──▶ partially_received ──receive──▶ received
  │                   │
  └──────cancel───────┴──▶ cancelled          (no cancel once receiving has started)
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.auth.dependencies import CurrentUser
from fllc_server.integrations.edi.outbound import order_submitted
from fllc_server.integrations.edi.status import edi_statuses
from fllc_server.kit.changes import record_change
from fllc_server.kit.errors import BadRequest, Conflict, NotFound
from fllc_server.models import PurchaseOrder, PurchaseOrderLine, utcnow
from fllc_server.purchasing.repository import LineRow, PurchaseOrderRepository
from fllc_server.purchasing.schemas import (
    PurchaseOrderCreate,
    PurchaseOrderLineCreate,
    PurchaseOrderLineOut,
    PurchaseOrderLineUpdate,
    PurchaseOrderOut,
    PurchaseOrderStatus,
    PurchaseOrderUpdate,
    money,
)

if TYPE_CHECKING:
    from fllc_server.state import AppState

Status = PurchaseOrderStatus
CANCELLABLE = (Status.DRAFT, Status.SUBMITTED)
HEADER_EDITABLE = (Status.DRAFT, Status.SUBMITTED)


def render(order: PurchaseOrder, rows: Sequence[LineRow]) -> PurchaseOrderOut:
    lines = [
        PurchaseOrderLineOut(
            id=line.id,
            product_id=line.product_id,
            sku=sku,
            name=name,
            ordered_quantity=line.ordered_quantity,
            received_quantity=line.received_quantity,
            unit_cost=line.unit_cost,
        )
        for line, sku, name in rows
        if line.purchase_order_id == order.id
    ]
    total = sum((line.unit_cost * line.ordered_quantity for line in lines), Decimal("0"))
    header = {name: getattr(order, name) for name in PurchaseOrderOut.model_fields if hasattr(order, name)}
    return PurchaseOrderOut.model_validate({**header, "lines": lines, "total": money(total)})


def temporary_number() -> str:
    """Unique until the row has its id; then the number becomes PO-<year>-<id>."""
    return "tmp-" + uuid.uuid4().hex[:28]


class PurchaseOrderService:
    def __init__(self, session: AsyncSession, state: AppState) -> None:
        self.session = session
        self.state = state
        self.orders = PurchaseOrderRepository(session)

    # ------------------------------------------------------------ reads

    async def list(
        self, *, offset: int, limit: int, status: str | None, supplier_id: int | None, q: str | None
    ) -> tuple[list[PurchaseOrderOut], int]:
        rows, total = await self.orders.page(
            offset=offset, limit=limit, status=status, supplier_id=supplier_id, q=q
        )
        lines = await self.orders.lines([order.id for order in rows])
        return await self.with_edi([render(order, lines) for order in rows]), total

    async def get(self, order_id: int) -> PurchaseOrderOut:
        (order,) = await self.with_edi([await self.view(await self.require(order_id))])
        return order

    async def with_edi(self, orders: Sequence[PurchaseOrderOut]) -> builtins.list[PurchaseOrderOut]:
        """The orders with their EDI status, match and ASN cartons (REST reads and sync pull)."""
        statuses = await edi_statuses(self.session, [order.id for order in orders])
        return [
            order.model_copy(update=statuses[order.id]) if order.id in statuses else order for order in orders
        ]

    async def view(self, order: PurchaseOrder) -> PurchaseOrderOut:
        return render(order, await self.orders.lines([order.id]))

    async def require(self, order_id: int, *, for_update: bool = False) -> PurchaseOrder:
        order = await self.orders.get(order_id, for_update=for_update)
        if order is None:
            raise NotFound(f"No purchase order with id {order_id}", code="purchase_order_not_found")
        return order

    # ------------------------------------------------------------ header

    async def create(self, data: PurchaseOrderCreate, actor: CurrentUser) -> PurchaseOrderOut:
        await self._check_supplier(data.supplier_id)
        if data.location_id is not None:
            await self._check_location(data.location_id)
        order = PurchaseOrder(
            number=temporary_number(),
            supplier_id=data.supplier_id,
            status=Status.DRAFT.value,
            location_id=data.location_id,
            notes=data.notes,
            expected_at=data.expected_at,
            created_by=actor.id,
        )
        await self.orders.add(order)
        order.number = f"PO-{order.created_at.year}-{order.id:06d}"
        for line in data.lines:
            await self._new_line(order, line)
        return await self.changed(order, actor, "purchase_order.create", before=None)

    async def update(self, order_id: int, data: PurchaseOrderUpdate, actor: CurrentUser) -> PurchaseOrderOut:
        order = await self.require(order_id, for_update=True)
        before = await self.view(order)
        if data.version is not None and data.version != order.version:
            raise Conflict(
                "The purchase order was changed by someone else; reload it and edit again",
                code="version_conflict",
                details=[{"current": before.model_dump(mode="json")}],
            )
        self._require_status(order, HEADER_EDITABLE, "edited")
        changes = data.model_dump(exclude_unset=True, exclude={"version"})
        await self._apply_header(order, changes)
        return await self.changed(order, actor, "purchase_order.update", before=before)

    async def submit(self, order_id: int, actor: CurrentUser) -> PurchaseOrderOut:
        order = await self.require(order_id, for_update=True)
        before = await self.view(order)
        self._require_status(order, (Status.DRAFT,), "submitted")
        if not before.lines:
            raise Conflict("A purchase order needs at least one line to be submitted", code="po_empty")
        order.status = Status.SUBMITTED.value
        order.submitted_at = utcnow()
        await order_submitted(self.session, self.state, order)  # an EDI supplier's 850, sent after commit
        return await self.changed(order, actor, "purchase_order.submit", before=before)

    async def cancel(self, order_id: int, actor: CurrentUser) -> PurchaseOrderOut:
        order = await self.require(order_id, for_update=True)
        before = await self.view(order)
        self._require_status(order, CANCELLABLE, "cancelled")
        order.status = Status.CANCELLED.value
        return await self.changed(order, actor, "purchase_order.cancel", before=before)

    # ------------------------------------------------------------ lines (draft only)

    async def add_line(
        self, order_id: int, data: PurchaseOrderLineCreate, actor: CurrentUser
    ) -> PurchaseOrderOut:
        order = await self._draft(order_id)
        before = await self.view(order)
        await self._new_line(order, data)
        return await self.changed(order, actor, "purchase_order.line_add", before=before)

    async def update_line(
        self, order_id: int, line_id: int, data: PurchaseOrderLineUpdate, actor: CurrentUser
    ) -> PurchaseOrderOut:
        order = await self._draft(order_id)
        before = await self.view(order)
        line = await self.require_line(order_id, line_id)
        if data.ordered_quantity is not None:
            line.ordered_quantity = data.ordered_quantity
        if data.unit_cost is not None:
            line.unit_cost = data.unit_cost
        return await self.changed(order, actor, "purchase_order.line_update", before=before)

    async def remove_line(self, order_id: int, line_id: int, actor: CurrentUser) -> PurchaseOrderOut:
        order = await self._draft(order_id)
        before = await self.view(order)
        await self.orders.delete_line(await self.require_line(order_id, line_id))
        return await self.changed(order, actor, "purchase_order.line_remove", before=before)

    async def require_line(self, order_id: int, line_id: int) -> PurchaseOrderLine:
        line = await self.orders.line(order_id, line_id)
        if line is None:
            raise NotFound(
                f"Purchase order {order_id} has no line {line_id}", code="purchase_order_line_not_found"
            )
        return line

    # ------------------------------------------------------------ shared steps

    async def _draft(self, order_id: int) -> PurchaseOrder:
        order = await self.require(order_id, for_update=True)
        self._require_status(order, (Status.DRAFT,), "changed line by line")
        return order

    async def _new_line(self, order: PurchaseOrder, data: PurchaseOrderLineCreate) -> None:
        product = await self.orders.product(data.product_id)
        if product is None:
            raise NotFound(f"No product with id {data.product_id}", code="product_not_found")
        unit_cost = data.unit_cost if data.unit_cost is not None else product.unit_cost
        await self.orders.add_line(
            PurchaseOrderLine(
                purchase_order_id=order.id,
                product_id=product.id,
                ordered_quantity=data.ordered_quantity,
                received_quantity=0,
                unit_cost=unit_cost,
            )
        )

    async def _apply_header(self, order: PurchaseOrder, changes: dict[str, Any]) -> None:
        if changes.get("supplier_id") not in (None, order.supplier_id):
            self._require_status(order, (Status.DRAFT,), "given another supplier")
            await self._check_supplier(changes["supplier_id"])
            order.supplier_id = changes["supplier_id"]
        if "location_id" in changes:
            if changes["location_id"] is not None:
                await self._check_location(changes["location_id"])
            order.location_id = changes["location_id"]
        if changes.get("notes") is not None:
            order.notes = changes["notes"]
        if "expected_at" in changes:
            order.expected_at = changes["expected_at"]

    async def _check_supplier(self, supplier_id: int) -> None:
        if not await self.orders.supplier_exists(supplier_id):
            raise NotFound(f"No supplier with id {supplier_id}", code="supplier_not_found")

    async def _check_location(self, location_id: int) -> None:
        if not await self.orders.location_exists(location_id):
            raise NotFound(f"No location with id {location_id}", code="location_not_found")

    @staticmethod
    def _require_status(order: PurchaseOrder, allowed: Sequence[Status], verb: str) -> None:
        if order.status not in allowed:
            raise Conflict(
                f"Purchase order {order.number} is {order.status} and cannot be {verb}",
                code="invalid_po_status",
                details=[{"status": order.status, "allowed": [s.value for s in allowed]}],
            )

    async def changed(
        self, order: PurchaseOrder, actor: CurrentUser, action: str, *, before: PurchaseOrderOut | None
    ) -> PurchaseOrderOut:
        """Bump the version, then audit and announce the change; returns the order as it is now."""
        if before is not None:
            order.version += 1
            order.updated_at = utcnow()
        await self.session.flush()
        after = await self.view(order)
        await audit.record(
            self.session,
            actor_id=actor.id,
            action=action,
            entity_type="purchase_order",
            entity_id=order.id,
            before=before.model_dump(mode="json") if before else None,
            after=after.model_dump(mode="json"),
        )
        await record_change(
            self.session,
            entity_type="purchase_order",
            entity_id=order.id,
            event_type="po.changed",
            data={"number": order.number, "status": order.status, "version": order.version},
        )
        return after


def reject_mismatched_order(path_id: int, body_id: int | None) -> None:
    if body_id is not None and body_id != path_id:
        raise BadRequest(
            "purchase_order_id in the body does not match the URL",
            code="purchase_order_mismatch",
            details=[{"field": "purchase_order_id", "message": f"expected {path_id}"}],
        )
