"""All queries of supplier EDI: partners, control numbers, interchanges, orders' EDI state, cartons."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import (
    EdiCarton,
    EdiInterchange,
    EdiOrder,
    EdiPartner,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    utcnow,
)

MAX_CONTROL_NUMBER = 999_999_999  # ISA13 is nine digits


class ControlNumbersExhausted(Exception):  # noqa: N818 — what happened
    """A partner has used every ISA13; a new partner row (new ids) is needed."""


class EdiRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ------------------------------------------------------------ partners

    async def partner(self, partner_id: int) -> EdiPartner | None:
        return await self.session.get(EdiPartner, partner_id)

    async def partner_of_supplier(self, supplier_id: int) -> EdiPartner | None:
        return await self.session.scalar(select(EdiPartner).where(EdiPartner.supplier_id == supplier_id))

    async def partners(self, supplier_id: int | None = None) -> Sequence[EdiPartner]:
        query = select(EdiPartner).order_by(EdiPartner.id)
        if supplier_id is not None:
            query = query.where(EdiPartner.supplier_id == supplier_id)
        return (await self.session.scalars(query)).all()

    async def enabled_partner_ids(self) -> list[int]:
        rows = await self.session.scalars(
            select(EdiPartner.id).where(EdiPartner.enabled.is_(True)).order_by(EdiPartner.id)
        )
        return list(rows)

    async def supplier_exists(self, supplier_id: int) -> bool:
        return await self.session.scalar(select(Supplier.id).where(Supplier.id == supplier_id)) is not None

    async def add(self, row: object) -> None:
        self.session.add(row)
        await self.session.flush()

    async def next_control_number(self, partner_id: int) -> int:
        """The partner's next ISA13/GS06. The increment is an UPDATE, so on MariaDB it holds the
        partner row's lock until the commit: concurrent senders queue, and a rolled-back number
        was never sent (the unique interchange row is the backstop)."""
        await self.session.execute(
            update(EdiPartner)
            .where(EdiPartner.id == partner_id)
            .values(last_control_number=EdiPartner.last_control_number + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        number = await self.session.scalar(
            select(EdiPartner.last_control_number)
            .where(EdiPartner.id == partner_id)
            .execution_options(populate_existing=True)
        )
        if number is None:  # pragma: no cover - the partner was checked by the caller
            raise LookupError(partner_id)
        if number > MAX_CONTROL_NUMBER:
            raise ControlNumbersExhausted(partner_id)
        return int(number)

    # ------------------------------------------------------------ interchanges

    async def interchange(self, interchange_id: int, *, lock: bool = False) -> EdiInterchange | None:
        query = select(EdiInterchange).where(EdiInterchange.id == interchange_id)
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def seen_inbound(self, partner_id: int, control_number: int) -> EdiInterchange | None:
        return await self.session.scalar(
            select(EdiInterchange).where(
                EdiInterchange.partner_id == partner_id,
                EdiInterchange.direction == "in",
                EdiInterchange.control_number == control_number,
            )
        )

    async def sent_interchange(self, partner_id: int, control_number: int) -> EdiInterchange | None:
        return await self.session.scalar(
            select(EdiInterchange)
            .where(
                EdiInterchange.partner_id == partner_id,
                EdiInterchange.direction == "out",
                EdiInterchange.control_number == control_number,
            )
            .with_for_update()
        )

    async def record_inbound(self, partner_id: int, control_number: int, **values: object) -> bool:
        """Note an inbound ISA13 unless it was seen before from this partner; True when new."""
        statement = insert(EdiInterchange).values(
            partner_id=partner_id,
            direction="in",
            control_number=control_number,
            status="applied",
            created_at=utcnow(),
            **values,
        )
        dialect = self.session.get_bind().dialect.name
        statement = statement.prefix_with("OR IGNORE" if dialect == "sqlite" else "IGNORE")
        result = await self.session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def interchanges(self, partner_id: int, limit: int = 200) -> Sequence[EdiInterchange]:
        rows = await self.session.scalars(
            select(EdiInterchange)
            .where(EdiInterchange.partner_id == partner_id)
            .order_by(EdiInterchange.id.desc())
            .limit(limit)
        )
        return rows.all()

    # ------------------------------------------------------------ orders

    async def edi_order(self, order_id: int, *, lock: bool = False) -> EdiOrder | None:
        query = select(EdiOrder).where(EdiOrder.purchase_order_id == order_id)
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def edi_orders(self, order_ids: Sequence[int]) -> dict[int, EdiOrder]:
        if not order_ids:
            return {}
        rows = await self.session.scalars(select(EdiOrder).where(EdiOrder.purchase_order_id.in_(order_ids)))
        return {row.purchase_order_id: row for row in rows}

    async def edi_orders_of_interchange(self, interchange_id: int) -> Sequence[EdiOrder]:
        rows = await self.session.scalars(
            select(EdiOrder).where(EdiOrder.interchange_id == interchange_id).with_for_update()
        )
        return rows.all()

    async def edi_order_by_group(self, partner_id: int, group_control_number: int) -> EdiOrder | None:
        return await self.session.scalar(
            select(EdiOrder)
            .where(EdiOrder.partner_id == partner_id, EdiOrder.group_control_number == group_control_number)
            .with_for_update()
        )

    async def invoiced_orders(self, limit: int = 500) -> Sequence[EdiOrder]:
        rows = await self.session.scalars(
            select(EdiOrder)
            .where(EdiOrder.invoice.is_not(None), EdiOrder.invoiced_at.is_not(None))
            .order_by(EdiOrder.invoiced_at.desc())
            .limit(limit)
        )
        return rows.all()

    async def purchase_order(self, order_id: int, *, lock: bool = False) -> PurchaseOrder | None:
        query = select(PurchaseOrder).where(PurchaseOrder.id == order_id)
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def purchase_order_by_number(self, supplier_id: int, number: str) -> PurchaseOrder | None:
        return await self.session.scalar(
            select(PurchaseOrder)
            .where(PurchaseOrder.number == number, PurchaseOrder.supplier_id == supplier_id)
            .with_for_update()
        )

    async def lines(self, order_id: int) -> list[tuple[PurchaseOrderLine, str]]:
        """The order's lines with their products' SKUs, in line order."""
        rows = await self.session.execute(
            select(PurchaseOrderLine, Product.sku)
            .join(Product, Product.id == PurchaseOrderLine.product_id)
            .where(PurchaseOrderLine.purchase_order_id == order_id)
            .order_by(PurchaseOrderLine.id)
        )
        return [(line, sku) for line, sku in rows.all()]

    # ------------------------------------------------------------ cartons

    async def cartons(self, order_id: int) -> Sequence[EdiCarton]:
        rows = await self.session.scalars(
            select(EdiCarton).where(EdiCarton.purchase_order_id == order_id).order_by(EdiCarton.id)
        )
        return rows.all()

    async def carton(self, order_id: int, sscc: str, *, lock: bool = False) -> EdiCarton | None:
        query = select(EdiCarton).where(EdiCarton.purchase_order_id == order_id, EdiCarton.sscc == sscc)
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)
