"""Sales rules: reads of customers, orders and reviews, and idempotent order creation.

`OrderService(session, state).create_order(data, actor_id=..., op_id=...)` records a sale and takes
its items out of stock with `sale` movements through the stock service (so quantity_on_hand,
stock levels, the change log and `stock.changed` events stay consistent). It is idempotent on
(source, external_ref): the same sale sent again returns the first order and moves no stock; an
op_id (REST Idempotency-Key) is stamped on the movements and made exactly-once by the caller's
`run_command`. It never commits: the caller's transaction does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.kit.errors import BadRequest, Conflict, NotFound
from fllc_server.models import Address, Customer, Order, OrderItem, OrderRefund, Product
from fllc_server.sales.repository import ItemRow, OrderFilter, ReviewFilter, SalesRepository
from fllc_server.sales.reservations import record_status, reserve
from fllc_server.sales.schemas import (
    AddressOut,
    CustomerOut,
    OrderCreate,
    OrderItemCreate,
    OrderItemOut,
    OrderOut,
    ReviewOut,
)
from fllc_server.state import AppState
from fllc_server.stock.service import StockService

CENT = Decimal("0.01")
MAX_ORDER_TOTAL = Decimal("9999999999.99")  # orders.total is NUMERIC(12, 2)


@dataclass(frozen=True, slots=True)
class SaleLine:
    product_id: int
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class ReturnLine:
    product_id: int
    quantity: int
    disposition: str  # restock | damaged


_PLACEHOLDER = OrderItemCreate(product_id=1, quantity=1)  # OrderCreate wants a line; record_sale adds its own


@dataclass(frozen=True, slots=True)
class OrderRecorded:
    order: OrderOut
    created: bool  # False: (source, external_ref) named an order recorded before


def render_order(order: Order, rows: Sequence[ItemRow]) -> OrderOut:
    items = [
        OrderItemOut(
            id=item.id,
            product_id=item.product_id,
            sku=sku,
            name=name,
            quantity=item.quantity,
            unit_price=item.unit_price,
            line_total=(item.unit_price * item.quantity).quantize(CENT),
            picked_quantity=item.picked_quantity or 0,
            short_quantity=item.short_quantity or 0,
            short_reason=item.short_reason or "",
            backordered_quantity=item.backordered_quantity or 0,
        )
        for item, sku, name in rows
        if item.order_id == order.id
    ]
    return OrderOut(
        id=order.id,
        number=order.number,
        customer_id=order.customer_id,
        status=order.status,
        channel=order.channel,
        source=order.source,
        external_ref=order.external_ref,
        total=order.total,
        created_at=order.created_at,
        items=items,
        payment_status=order.payment_status,
        amount_paid=order.amount_paid,
        amount_refunded=order.amount_refunded,
        backordered_quantity=sum(item.backordered_quantity for item in items),
    )


def render_customer(customer: Customer, addresses: Sequence[Address]) -> CustomerOut:
    return CustomerOut(
        id=customer.id,
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        created_at=customer.created_at,
        addresses=[AddressOut.model_validate(a) for a in addresses if a.customer_id == customer.id],
    )


class SalesReads:
    def __init__(self, session: AsyncSession) -> None:
        self.sales = SalesRepository(session)

    async def customers(self, *, offset: int, limit: int, q: str | None) -> tuple[list[CustomerOut], int]:
        rows, total = await self.sales.customers(offset=offset, limit=limit, q=q)
        addresses = await self.sales.addresses([c.id for c in rows])
        return [render_customer(c, addresses) for c in rows], total

    async def customer(self, customer_id: int) -> CustomerOut:
        customer = await self.sales.customer(customer_id)
        if customer is None:
            raise NotFound(f"No customer with id {customer_id}", code="customer_not_found")
        return render_customer(customer, await self.sales.addresses([customer.id]))

    async def orders(self, filters: OrderFilter, *, offset: int, limit: int) -> tuple[list[OrderOut], int]:
        rows, total = await self.sales.orders(filters, offset=offset, limit=limit)
        items = await self.sales.items([o.id for o in rows])
        return [render_order(o, items) for o in rows], total

    async def order(self, order_id: int) -> OrderOut:
        order = await self.sales.order(order_id)
        if order is None:
            raise NotFound(f"No order with id {order_id}", code="order_not_found")
        return render_order(order, await self.sales.items([order.id]))

    async def reviews(self, filters: ReviewFilter, *, offset: int, limit: int) -> tuple[list[ReviewOut], int]:
        rows, total = await self.sales.reviews(filters, offset=offset, limit=limit)
        return [ReviewOut.model_validate(r) for r in rows], total


class OrderService:
    def __init__(self, session: AsyncSession, state: AppState) -> None:
        self.session = session
        self.state = state
        self.sales = SalesRepository(session)

    async def find_recorded(self, data: OrderCreate) -> OrderOut | None:
        """The order this sale's (source, external_ref) already names, if any."""
        if data.external_ref is None:
            return None
        order = await self.sales.order_by_ref(data.source, data.external_ref)
        return None if order is None else render_order(order, await self.sales.items([order.id]))

    async def create_order(
        self, data: OrderCreate, *, actor_id: int | None, op_id: str | None = None
    ) -> OrderRecorded:
        recorded = await self.find_recorded(data)
        if recorded is not None:
            return OrderRecorded(recorded, created=False)
        backorder = self._may_backorder(data)
        await self._check_customer(data.customer_id)
        products = await self._products(data.items)
        stock = StockService(self.session, self.state, actor_id=actor_id, op_id=op_id)
        location = await stock.resolve_location(data.location_id)
        _check_total(data, products)
        await self._lock_products(products)
        order = await self._insert_order(data)
        order.channel = data.channel
        items = [await self._add_item(order, line, products[line.product_id]) for line in data.items]
        order.total = sum((i.unit_price * i.quantity for i in items), Decimal("0")).quantize(CENT)
        if data.channel == "order":  # held for the order until it ships (sales.lifecycle)
            await reserve(self.session, order, items, backorder=backorder)
        else:
            await self._take_out_of_stock(stock, location.id, order, items, data.allow_negative_stock)
        await record_status(self.session, order, None, actor_id=actor_id)
        rows = [(i, products[i.product_id].sku, products[i.product_id].name) for i in items]
        result = render_order(order, rows)
        await audit.record(
            self.session,
            actor_id=actor_id,
            action="order.create",
            entity_type="order",
            entity_id=order.id,
            after=result.model_dump(mode="json"),
        )
        return OrderRecorded(result, created=True)

    # -- sales that came from outside (integrations.pos) -------------------------------------

    async def record_sale(
        self,
        *,
        source: str,
        external_ref: str,
        customer_id: int | None,
        lines: Sequence[SaleLine],
        total: Decimal,
        allow_negative: bool = False,
    ) -> tuple[Order, bool]:
        """A sale made elsewhere (a till): the order named (source, external_ref), made once, its
        known lines taken out of stock at once. `total` may include lines not known yet (their SKU
        waits for a mapping and is added with `add_line`). (order, False) when it existed."""
        existing = await self.sales.order_by_ref(source, external_ref, lock=True)
        if existing is not None:
            return existing, False
        stock = StockService(self.session, self.state, actor_id=None)
        location = await stock.resolve_location(None)
        await self._lock_products([line.product_id for line in lines])
        order = await self._insert_order(
            OrderCreate(source=source, external_ref=external_ref, items=[_PLACEHOLDER]),
            customer_id=customer_id,
        )
        order.total = min(total.quantize(CENT), MAX_ORDER_TOTAL)
        items = [
            await self._add_item(
                order,
                OrderItemCreate(
                    product_id=line.product_id, quantity=line.quantity, unit_price=line.unit_price
                ),
                None,
            )
            for line in lines
        ]
        await self._take_out_of_stock(stock, location.id, order, items, allow_negative)
        await record_status(self.session, order, None, actor_id=None)
        await audit.record(
            self.session,
            actor_id=None,
            action="order.record",
            entity_type="order",
            entity_id=order.id,
            after={"source": source, "external_ref": external_ref, "items": len(items), "total": order.total},
        )
        return order, True

    async def add_line(self, order: Order, line: SaleLine, *, allow_negative: bool = False) -> OrderItem:
        """A line of a recorded sale whose product became known later: added and taken from stock."""
        stock = StockService(self.session, self.state, actor_id=None)
        location = await stock.resolve_location(None)
        item = await self._add_item(
            order,
            OrderItemCreate(product_id=line.product_id, quantity=line.quantity, unit_price=line.unit_price),
            None,
        )
        await self._take_out_of_stock(stock, location.id, order, [item], allow_negative)
        return item

    async def refund(self, order: Order, external_ref: str, lines: Sequence[ReturnLine]) -> bool:
        """Apply a refund once per (order, external_ref): each line back to stock, or written off
        as damaged. False when this refund was applied before (nothing moves again)."""
        if await self.sales.refund(order.id, external_ref) is not None:
            return False
        await self.sales.add(
            OrderRefund(
                order_id=order.id,
                external_ref=external_ref,
                lines=[
                    {"product_id": x.product_id, "quantity": x.quantity, "disposition": x.disposition}
                    for x in lines
                ],
            )
        )
        for line in sorted(lines, key=lambda x: x.product_id):
            await self.return_line(order, line)
        return True

    async def return_line(self, order: Order, line: ReturnLine) -> None:
        """Units of an order coming back: `restock` books them in (`return`); `damaged` books them
        in and writes them off at once (`write_off`), so the books show both."""
        stock = StockService(self.session, self.state, actor_id=None)
        location = await stock.resolve_location(None)
        await stock.move(
            line.product_id,
            location.id,
            line.quantity,
            "return",
            order_id=order.id,
            note=f"Returned on {order.number}",
        )
        if line.disposition == "damaged":
            await stock.move(
                line.product_id,
                location.id,
                -line.quantity,
                "write_off",
                reason_code="damaged",
                order_id=order.id,
                allow_negative=True,  # the units were just booked in
                note=f"Returned damaged on {order.number}",
            )

    async def settle_payment(
        self,
        order: Order,
        *,
        paid: Decimal | None = None,
        refunded: Decimal | None = None,
        disputed: bool | None = None,
    ) -> str:
        """Record what a gateway says about the order's money. Amounts only grow (the largest
        reported wins), so events applied in any order, or twice, end in the same state; the
        payment status is derived from them. A placed order paid in full becomes paid."""
        before = order.payment_status
        if paid is not None:
            order.amount_paid = max(order.amount_paid, paid.quantize(CENT))
        if refunded is not None:
            order.amount_refunded = max(order.amount_refunded, refunded.quantize(CENT))
        if disputed is not None:
            order.disputed = disputed
        order.payment_status = payment_status(order)
        fully_paid = order.amount_paid > 0 and order.amount_paid >= order.total
        if fully_paid and order.status == "placed":  # also when a refund was reported first
            order.status = "paid"
            await record_status(self.session, order, "placed", actor_id=None, note="payment received")
        if order.payment_status != before:
            await audit.record(
                self.session,
                actor_id=None,
                action="order.payment",
                entity_type="order",
                entity_id=order.id,
                before={"payment_status": before},
                after={
                    "payment_status": order.payment_status,
                    "amount_paid": order.amount_paid,
                    "amount_refunded": order.amount_refunded,
                },
            )
        await self.session.flush()
        return order.payment_status

    async def find_or_create_customer(self, name: str, email: str | None) -> int:
        if email:
            found = await self.sales.customer_by_email(email)
            if found is not None:
                return found.id
        customer = Customer(name=name or email or "Customer", email=email)
        self.session.add(customer)
        await self.session.flush()
        return customer.id

    async def _insert_order(self, data: OrderCreate, *, customer_id: int | None = None) -> Order:
        order = Order(
            number="tmp-" + uuid.uuid4().hex[:28],
            customer_id=customer_id if customer_id is not None else data.customer_id,
            status="placed",
            source=data.source,
            external_ref=data.external_ref,
        )
        try:
            await self.sales.add(order)
        except IntegrityError as exc:  # the same (source, external_ref) committed meanwhile
            raise Conflict(
                "The same sale is being recorded by another request; send it again",
                code="order_in_progress",
            ) from exc
        order.number = f"SO-{order.created_at.year}-{order.id:06d}"
        return order

    async def _add_item(self, order: Order, line: OrderItemCreate, product: Product | None) -> OrderItem:
        unit_price = line.unit_price if line.unit_price is not None or product is None else product.price
        assert unit_price is not None
        item = OrderItem(
            order_id=order.id, product_id=line.product_id, quantity=line.quantity, unit_price=unit_price
        )
        await self.sales.add(item)
        return item

    @staticmethod
    async def _take_out_of_stock(
        stock: StockService, location_id: int, order: Order, items: list[OrderItem], allow_negative: bool
    ) -> None:
        """One `sale` movement per item; products locked in id order, so sales never deadlock."""
        for item in sorted(items, key=lambda i: (i.product_id, i.id)):
            await stock.move(
                item.product_id,
                location_id,
                -item.quantity,
                "sale",
                order_id=order.id,
                allow_negative=allow_negative,
                note=f"Sold on {order.number}",
            )

    async def _lock_products(self, product_ids: Iterable[int]) -> None:
        """The products' row locks, in id order, before any line refers to them: on InnoDB a new
        line's foreign key takes a shared lock on its product, which the stock movement after it
        would have to upgrade — two sales of one product would deadlock."""
        for product_id in sorted(set(product_ids)):
            await self.sales.lock_on_hand(product_id)

    def _may_backorder(self, data: OrderCreate) -> bool:
        """Whether an order to ship may back-order what is not available: its own flag, else the
        setting. A counter sale has handed its goods over: it never back-orders."""
        if data.channel == "counter":
            if data.allow_backorder:
                raise BadRequest(
                    "A counter sale hands its goods over at once: it cannot be back-ordered "
                    "(send channel 'order', or allow_negative_stock for a sale that already happened)",
                    code="backorder_counter_sale",
                )
            return False
        if data.allow_backorder is not None:
            return data.allow_backorder
        return self.state.runtime.allow_backorders

    async def _check_customer(self, customer_id: int | None) -> None:
        if customer_id is not None and await self.sales.customer(customer_id) is None:
            raise NotFound(f"No customer with id {customer_id}", code="customer_not_found")

    async def _products(self, lines: Sequence[OrderItemCreate]) -> dict[int, Product]:
        wanted = {line.product_id for line in lines}
        found = await self.sales.live_products(sorted(wanted))
        missing = sorted(wanted - set(found))
        if missing:
            raise NotFound(
                f"No product with id {missing[0]}",
                code="product_not_found",
                details=[{"product_id": product_id} for product_id in missing],
            )
        return found


def payment_status(order: Order) -> str:
    """unpaid | paid | partially_refunded | refunded | disputed, from the order's amounts."""
    if order.disputed:
        return "disputed"
    if order.amount_refunded > 0:
        return "refunded" if order.amount_refunded >= order.amount_paid else "partially_refunded"
    if order.amount_paid > 0 and order.amount_paid >= order.total:
        return "paid"
    return "unpaid"


def _check_total(data: OrderCreate, products: dict[int, Product]) -> None:
    total = sum(
        (
            (line.unit_price if line.unit_price is not None else products[line.product_id].price)
            * line.quantity
            for line in data.items
        ),
        Decimal("0"),
    )
    if total > MAX_ORDER_TOTAL:
        raise BadRequest(f"An order's total may be at most {MAX_ORDER_TOTAL}", code="order_total_too_large")
