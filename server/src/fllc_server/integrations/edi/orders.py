"""A purchase order's EDI view, the manager's decision on an 855's changes, the discrepancy list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.integrations.edi.matching import OrderLine, match
from fllc_server.integrations.edi.repository import EdiRepository
from fllc_server.integrations.edi.schemas import CartonOut, EdiOrderOut, InterchangeOut, MatchOut
from fllc_server.kit.errors import Conflict, NotFound
from fllc_server.models import EdiOrder, PurchaseOrder, utcnow
from fllc_server.purchasing.service import PurchaseOrderService

if TYPE_CHECKING:
    from fllc_server.auth.dependencies import CurrentUser
    from fllc_server.state import AppState

DECIDABLE_PO_STATUSES = ("submitted", "partially_received")


class EdiOrderService:
    def __init__(self, session: AsyncSession, state: AppState) -> None:
        self.session = session
        self.state = state
        self.repo = EdiRepository(session)

    async def get(self, order_id: int) -> EdiOrderOut:
        order = await self.repo.purchase_order(order_id)
        edi = None if order is None else await self.repo.edi_order(order_id)
        if order is None or edi is None:
            raise NotFound(f"Purchase order {order_id} was not exchanged by EDI", code="edi_order_not_found")
        return await self.render(order, edi)

    async def order_lines(self, order_id: int) -> list[OrderLine]:
        rows = await self.repo.lines(order_id)
        return [
            OrderLine(n, line.id, sku, line.ordered_quantity, line.received_quantity, line.unit_cost)
            for n, (line, sku) in enumerate(rows, start=1)
        ]

    async def render(self, order: PurchaseOrder, edi: EdiOrder) -> EdiOrderOut:
        cartons = [CartonOut.model_validate(c) for c in await self.repo.cartons(order.id)]
        result = None
        if edi.invoice is not None:
            result = MatchOut.model_validate(match(await self.order_lines(order.id), edi.invoice))
        return EdiOrderOut(
            purchase_order_id=order.id,
            purchase_order_number=order.number,
            partner_id=edi.partner_id,
            status=edi.status,
            sent_at=edi.sent_at,
            group_control_number=edi.group_control_number,
            ack_status=edi.ack_status,
            ack_reasons=list(edi.ack_reasons or []),
            acknowledged_at=edi.acknowledged_at,
            ack_type=edi.ack_type,
            seller_order_number=edi.seller_order_number,
            changes=list(edi.changes or []),
            changes_status=edi.changes_status,
            asn_received_at=edi.asn_received_at,
            cartons=cartons,
            invoiced_at=edi.invoiced_at,
            match=result,
        )

    async def decide(self, order_id: int, actor: CurrentUser, *, confirm: bool) -> EdiOrderOut:
        """Confirm: each changed line takes the supplier's quantity and price (a date moves the
        order's expected date); decline: the order stays as it was. Either once, audited."""
        orders = PurchaseOrderService(self.session, self.state)
        order = await orders.require(order_id, for_update=True)
        edi = await self.repo.edi_order(order_id, lock=True)
        if edi is None or edi.changes_status != "pending":
            raise Conflict(
                "There are no proposed changes waiting for a decision on this order",
                code="edi_no_pending_changes",
                details=[{"changes_status": None if edi is None else edi.changes_status}],
            )
        if confirm and order.status not in DECIDABLE_PO_STATUSES:
            raise Conflict(
                f"Purchase order {order.number} is {order.status}; changes apply only to open orders",
                code="invalid_po_status",
                details=[{"status": order.status, "allowed": list(DECIDABLE_PO_STATUSES)}],
            )
        before = await orders.view(order)
        if confirm:
            await self._apply(order, edi.changes or [])
        edi.changes_status = "confirmed" if confirm else "declined"
        edi.changes_decided_by = actor.id
        edi.changes_decided_at = utcnow()
        action = "purchase_order.edi_changes_confirm" if confirm else "purchase_order.edi_changes_decline"
        await orders.changed(order, actor, action, before=before)
        return await self.render(order, edi)

    async def _apply(self, order: PurchaseOrder, changes: Sequence[dict[str, object]]) -> None:
        lines = {line.id: line for line, _sku in await self.repo.lines(order.id)}
        dates = []
        for change in changes:
            line = lines.get(int(str(change["line_id"])))
            if line is None:
                continue
            line.ordered_quantity = max(int(str(change["quantity"])), line.received_quantity)
            line.unit_cost = Decimal(str(change["unit_cost"]))
            if change.get("date"):
                dates.append(dt.date.fromisoformat(str(change["date"])))
        if dates:
            order.expected_at = max(dates)

    async def discrepancies(self) -> list[EdiOrderOut]:
        found = []
        for edi in await self.repo.invoiced_orders():
            order = await self.repo.purchase_order(edi.purchase_order_id)
            if order is None:
                continue
            view = await self.render(order, edi)
            if view.match is not None and view.match.result == "discrepancies":
                found.append(view)
        return found

    async def interchanges(self, partner_id: int) -> list[InterchangeOut]:
        if await self.repo.partner(partner_id) is None:
            raise NotFound(f"No EDI partner with id {partner_id}", code="edi_partner_not_found")
        return [InterchangeOut.model_validate(row) for row in await self.repo.interchanges(partner_id)]
