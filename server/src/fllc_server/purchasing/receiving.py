"""Receiving goods against a purchase order: one service path for REST and the `po.receive` op.

Each received line becomes an intake movement through the stock service (so quantity_on_hand,
stock_levels, the change log and `stock.changed` events stay consistent), linked to its line.
A line may be received up to ordered_quantity * (1 + over_receipt_tolerance_percent / 100),
rounded down; beyond that the whole receipt is refused with 409 `over_receipt`.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.auth.dependencies import CurrentUser
from fllc_server.auth.permissions import Permission
from fllc_server.integrations.edi.repository import EdiRepository
from fllc_server.kit.errors import BadRequest, Conflict, NotFound
from fllc_server.models import PurchaseOrder, PurchaseOrderLine, utcnow
from fllc_server.purchasing.schemas import (
    RECEIVABLE_STATUSES,
    PurchaseOrderStatus,
    ReceivedMovement,
    ReceiveLine,
    ReceiveRequest,
    ReceiveResult,
)
from fllc_server.purchasing.service import PurchaseOrderService, reject_mismatched_order
from fllc_server.stock.booking import StockLedger
from fllc_server.stock.expiry import refuse_expired
from fllc_server.stock.service import StockService
from fllc_server.sync.kinds import CommandKind

if TYPE_CHECKING:
    from fllc_server.state import AppState


def max_receivable(ordered: int, tolerance_percent: float) -> int:
    limit = Decimal(ordered) * (Decimal(100) + Decimal(str(tolerance_percent))) / Decimal(100)
    return int(limit.to_integral_value(rounding=ROUND_FLOOR))


def check_tolerance(
    lines: dict[int, PurchaseOrderLine], wanted: dict[int, int], tolerance_percent: float
) -> None:
    refused = []
    for line_id, quantity in wanted.items():
        line = lines[line_id]
        limit = max_receivable(line.ordered_quantity, tolerance_percent)
        if line.received_quantity + quantity > limit:
            refused.append(
                {
                    "line_id": line_id,
                    "ordered_quantity": line.ordered_quantity,
                    "received_quantity": line.received_quantity,
                    "quantity": quantity,
                    "max_receivable": limit,
                }
            )
    if refused:
        raise Conflict(
            "Receiving this much would exceed the ordered quantity beyond the over-receipt tolerance",
            code="over_receipt",
            details=refused,
        )


def status_after_receipt(lines: list[PurchaseOrderLine]) -> PurchaseOrderStatus:
    if all(line.received_quantity >= line.ordered_quantity for line in lines):
        return PurchaseOrderStatus.RECEIVED
    return PurchaseOrderStatus.PARTIALLY_RECEIVED


class Receiving:
    def __init__(self, session: AsyncSession, state: AppState, actor: CurrentUser) -> None:
        self.session = session
        self.state = state
        self.actor = actor
        self.orders = PurchaseOrderService(session, state)

    async def receive(self, order_id: int, body: ReceiveRequest, op_id: str | None) -> ReceiveResult:
        order = await self.orders.require(order_id, for_update=True)
        before = await self.orders.view(order)
        self._require_receivable(order)
        requested = await self._carton(order, body) if body.sscc else body.receive_lines()
        line_ids = dict.fromkeys(r.line_id for r in requested)
        lines = {line_id: await self.orders.require_line(order_id, line_id) for line_id in line_ids}
        check_tolerance(lines, _totals(requested), self.state.runtime.over_receipt_tolerance_percent)
        for r in requested:  # the whole receipt is refused, before any line books
            refuse_expired(self.state.runtime, r.expiry, product=f"Line {r.line_id} of {order.number}")
        # The ledger's lock order for every product received, before the first line books one.
        await StockLedger(self.session, self.state, actor_id=self.actor.id).lock(
            {line.product_id for line in lines.values()}
        )
        movements = [await self._receive_line(order, lines[r.line_id], r, op_id) for r in requested]
        all_lines = [line for line, _sku, _name in await self.orders.orders.lines([order.id])]
        order.status = status_after_receipt(all_lines).value
        after = await self.orders.changed(order, self.actor, "purchase_order.receive", before=before)
        return ReceiveResult(purchase_order=after, movements=movements)

    async def _carton(self, order: PurchaseOrder, body: ReceiveRequest) -> list[ReceiveLine]:
        """A carton's contents as the lines to receive; the carton is received once."""
        assert body.sscc is not None
        carton = await EdiRepository(self.session).carton(order.id, body.sscc, lock=True)
        if carton is None:
            raise NotFound(f"No carton {body.sscc} is expected on {order.number}", code="carton_not_found")
        if carton.received_at is not None:
            raise Conflict(
                f"Carton {body.sscc} was received already",
                code="carton_already_received",
                details=[{"sscc": body.sscc, "received_at": carton.received_at.isoformat()}],
            )
        carton.received_at = utcnow()
        return [
            ReceiveLine(line_id=int(c["line_id"]), quantity=int(c["quantity"]), location_id=body.location_id)
            for c in carton.contents
        ]

    @staticmethod
    def _require_receivable(order: PurchaseOrder) -> None:
        if order.status not in RECEIVABLE_STATUSES:
            raise Conflict(
                f"Purchase order {order.number} is {order.status}: only submitted or partially "
                "received orders can be received against",
                code="po_not_receivable",
                details=[{"status": order.status, "allowed": [s.value for s in RECEIVABLE_STATUSES]}],
            )

    async def _receive_line(
        self, order: PurchaseOrder, line: PurchaseOrderLine, request: ReceiveLine, op_id: str | None
    ) -> ReceivedMovement:
        stock = StockService(self.session, self.state, actor_id=self.actor.id, op_id=op_id)
        location = await stock.resolve_location(request.location_id or order.location_id)
        change = await stock.move(
            line.product_id,
            location.id,
            request.quantity,
            "intake",
            purchase_order_line_id=line.id,
            lot=request.lot,
            expiry=request.expiry,
            note=f"Received against {order.number}",
        )
        line.received_quantity += request.quantity
        return ReceivedMovement(
            movement_id=change.movement.id,
            line_id=line.id,
            product_id=line.product_id,
            location_id=location.id,
            quantity=request.quantity,
            lot=request.lot,
            expiry=request.expiry,
            quantity_on_hand=change.quantity_on_hand,
            location_quantity=change.location_quantity,
        )


def _totals(requested: list[ReceiveLine]) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for request in requested:
        totals[request.line_id] += request.quantity
    return dict(totals)


async def receive_purchase_order(
    session: AsyncSession,
    state: AppState,
    actor: CurrentUser,
    payload: ReceiveRequest,
    base_version: int | None,
    *,
    op_id: str | None,
) -> ReceiveResult:
    """The `po.receive` command: REST (`POST /purchase-orders/{id}/receive`) and sync push alike."""
    if payload.purchase_order_id is None:
        raise BadRequest(
            "A po.receive op names its purchase order: purchase_order_id is required",
            code="validation_error",
            details=[{"field": "purchase_order_id", "message": "required"}],
        )
    return await Receiving(session, state, actor).receive(payload.purchase_order_id, payload, op_id)


def with_order_id(order_id: int, body: ReceiveRequest) -> ReceiveRequest:
    """The REST body as the op payload: the order from the URL (a different one in the body is a 400)."""
    reject_mismatched_order(order_id, body.purchase_order_id)
    return body.model_copy(update={"purchase_order_id": order_id})


PO_RECEIVE = CommandKind("po.receive", Permission.STOCK_INTAKE, ReceiveRequest, receive_purchase_order)
