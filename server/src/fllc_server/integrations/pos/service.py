"""Applying POS commands, the same for every provider.

- `Sale`: the order is made once per (source, order_ref) and its known lines leave stock at once
  (a counter sale). A line whose SKU is unknown is kept as an unmapped line of that order and the
  message is `needs_mapping`; the sale is never failed or cut for it. Then the messages parked on
  this order are woken.
- `Paid`: marks the order paid; when the order is not there yet the message is parked on it.
- `Refund`: once per (order, refund_ref); each line back to stock or written off as damaged; an
  unknown SKU waits for its mapping like a sale line. Parked until its order exists.
- Mapping a SKU (`map_sku`) remembers it and applies every line waiting for it; a message whose
  last line is applied becomes handled.

Stock never goes below zero here: a sale of more than is on hand fails with the reason and waits
in the inbox for a retry (after stock comes in), like every failed message.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.integrations.inbox.service import Handler, HandlerContext, Outcome
from fllc_server.integrations.pos.base import Ignored, Paid, PosCommand, PosProvider, Refund, Sale
from fllc_server.integrations.pos.repository import PosRepository
from fllc_server.kit.errors import NotFound
from fllc_server.models import InboxMessage, Order, Product, SkuMapping, UnmappedLine, utcnow
from fllc_server.sales.repository import SalesRepository
from fllc_server.sales.service import OrderService, ReturnLine, SaleLine

if TYPE_CHECKING:
    from fllc_server.state import AppState


def order_key(source: str, order_ref: str) -> str:
    """What a message parked on an order waits for."""
    return f"order:{source}:{order_ref}"


class PosService:
    def __init__(self, session: AsyncSession, state: AppState) -> None:
        self.session = session
        self.state = state
        self.repo = PosRepository(session)
        self.orders = OrderService(session, state)
        self.sales = SalesRepository(session)

    async def apply(self, context: HandlerContext, command: PosCommand) -> Outcome:
        message = context.message
        if isinstance(command, Ignored):
            return Outcome("handled", command.why)
        if isinstance(command, Sale):
            return await self._sale(context, message, command)
        order = await self.sales.order_by_ref(message.source, command.order_ref, lock=True)
        if order is None:
            return Outcome.parked(
                f"Waits for order {command.order_ref} of {message.source}",
                order_key(message.source, command.order_ref),
            )
        if isinstance(command, Paid):
            amount = command.amount if command.amount is not None else order.total
            await self.orders.settle_payment(order, paid=amount)
            return Outcome()
        return await self._refund(message, order, command)

    async def _sale(self, context: HandlerContext, message: InboxMessage, sale: Sale) -> Outcome:
        source = message.source
        known = await self.repo.products_for(source, [line.sku for line in sale.lines])
        total = sum((line.unit_price * line.quantity for line in sale.lines), Decimal("0"))
        customer_id = None
        if sale.customer is not None:
            customer_id = await self.orders.find_or_create_customer(sale.customer.name, sale.customer.email)
        order, created = await self.orders.record_sale(
            source=source,
            external_ref=sale.order_ref,
            customer_id=customer_id,
            lines=[SaleLine(known[x.sku], x.quantity, x.unit_price) for x in sale.lines if x.sku in known],
            total=total,
        )
        if not created:
            return Outcome("handled", f"Order {order.number} was recorded before")
        unknown = [line for line in sale.lines if line.sku not in known]
        for line in unknown:
            await self.repo.add(
                UnmappedLine(
                    inbox_id=message.id,
                    order_id=order.id,
                    source=source,
                    external_sku=line.sku,
                    description=line.description,
                    kind="sale",
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                )
            )
        if sale.paid:
            await self.orders.settle_payment(order, paid=order.total)
        await context.wake(order_key(source, sale.order_ref))
        if unknown:
            return Outcome.needs_mapping(_unknown(unknown_skus=[x.sku for x in unknown], order=order))
        return Outcome()

    async def _refund(self, message: InboxMessage, order: Order, refund: Refund) -> Outcome:
        known = await self.repo.products_for(message.source, [line.sku for line in refund.lines])
        lines = [ReturnLine(known[x.sku], x.quantity, x.disposition) for x in refund.lines if x.sku in known]
        if not await self.orders.refund(order, refund.refund_ref, lines):
            return Outcome("handled", f"Refund {refund.refund_ref} was applied before")
        unknown = [line for line in refund.lines if line.sku not in known]
        for line in unknown:
            await self.repo.add(
                UnmappedLine(
                    inbox_id=message.id,
                    order_id=order.id,
                    source=message.source,
                    external_sku=line.sku,
                    kind=line.disposition,
                    quantity=line.quantity,
                    unit_price=Decimal("0"),
                )
            )
        if refund.amount is not None:
            await self.orders.settle_payment(order, refunded=order.amount_refunded + refund.amount)
        if unknown:
            return Outcome.needs_mapping(_unknown(unknown_skus=[x.sku for x in unknown], order=order))
        return Outcome()

    async def map_sku(self, source: str, external_sku: str, product_id: int, *, actor_id: int) -> int:
        """Remember that `external_sku` of `source` is this product and apply every line waiting
        for it; the number of lines applied."""
        product = await self.session.get(Product, product_id)
        if product is None or product.deleted_at is not None:
            raise NotFound(f"No product with id {product_id}", code="product_not_found")
        mapping = await self.repo.mapping(source, external_sku)
        if mapping is None:
            await self.repo.add(
                SkuMapping(
                    source=source, external_sku=external_sku, product_id=product_id, created_by=actor_id
                )
            )
        else:
            mapping.product_id = product_id
        lines = await self.repo.pending_lines(source, external_sku)
        messages: set[int] = set()
        for line in lines:
            await self._apply_line(line, product_id)
            messages.add(line.inbox_id)
        for inbox_id in sorted(messages):
            await self._settle_message(inbox_id)
        await audit.record(
            self.session,
            actor_id=actor_id,
            action="sku_mapping.set",
            entity_type="sku_mapping",
            entity_id=f"{source}:{external_sku}",
            after={"product_id": product_id, "lines_applied": len(lines)},
        )
        return len(lines)

    async def _apply_line(self, line: UnmappedLine, product_id: int) -> None:
        order = await self.session.get(Order, line.order_id, with_for_update=True)
        assert order is not None
        if line.kind == "sale":
            await self.orders.add_line(order, SaleLine(product_id, line.quantity, line.unit_price))
        else:
            await self.orders.return_line(order, ReturnLine(product_id, line.quantity, line.kind))
        line.product_id = product_id
        line.status = "applied"
        line.applied_at = utcnow()
        await self.session.flush()

    async def _settle_message(self, inbox_id: int) -> None:
        message = await self.session.get(InboxMessage, inbox_id, with_for_update=True)
        if message is None or message.status != "needs_mapping":
            return
        if await self.repo.pending_count(inbox_id) == 0:
            message.status = "handled"
            message.error = None
            message.handled_at = utcnow()
            message.updated_at = utcnow()


def _unknown(*, unknown_skus: Sequence[str], order: Order) -> str:
    listed = ", ".join(sorted(set(unknown_skus)))
    return f"Unknown SKU(s) {listed} on order {order.number}: map them to products to apply those lines"


def handler(provider: PosProvider) -> Handler:
    async def handle(context: HandlerContext) -> Outcome:
        command = provider.translate(context.message.kind, context.message.payload)
        return await PosService(context.session, context.state).apply(context, command)

    return handle


def inbox_handlers(providers: Sequence[PosProvider]) -> dict[str, Handler]:
    """Each provider's inbox handler, by source (its name), for the composition root."""
    return {provider.name: handler(provider) for provider in providers}
