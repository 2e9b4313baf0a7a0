"""All queries of SKU mappings and the lines waiting for one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import Product, SkuMapping, UnmappedLine


class PosRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def products_for(self, source: str, skus: Sequence[str]) -> dict[str, int]:
        """SKU → product id: a remembered mapping first, else a live product with that SKU."""
        if not skus:
            return {}
        wanted = sorted(set(skus))
        mapped = await self.session.execute(
            select(SkuMapping.external_sku, SkuMapping.product_id).where(
                SkuMapping.source == source, SkuMapping.external_sku.in_(wanted)
            )
        )
        found: dict[str, int] = {row[0]: row[1] for row in mapped.all()}
        rest = [sku for sku in wanted if sku not in found]
        if rest:
            own = await self.session.execute(
                select(Product.sku, Product.id).where(Product.sku.in_(rest), Product.deleted_at.is_(None))
            )
            found.update({row[0]: row[1] for row in own.all()})
        return found

    async def mapping(self, source: str, external_sku: str) -> SkuMapping | None:
        return await self.session.scalar(
            select(SkuMapping).where(SkuMapping.source == source, SkuMapping.external_sku == external_sku)
        )

    async def mappings(
        self, *, source: str | None, offset: int, limit: int
    ) -> tuple[Sequence[SkuMapping], int]:
        query = select(SkuMapping)
        if source is not None:
            query = query.where(SkuMapping.source == source)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.order_by(SkuMapping.source, SkuMapping.external_sku).offset(offset).limit(limit)
        )
        return rows.all(), int(total or 0)

    async def pending_lines(self, source: str, external_sku: str) -> Sequence[UnmappedLine]:
        rows = await self.session.scalars(
            select(UnmappedLine)
            .where(
                UnmappedLine.source == source,
                UnmappedLine.external_sku == external_sku,
                UnmappedLine.status == "pending",
            )
            .order_by(UnmappedLine.id)
            .with_for_update()
        )
        return rows.all()

    async def pending_count(self, inbox_id: int) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(UnmappedLine)
            .where(UnmappedLine.inbox_id == inbox_id, UnmappedLine.status == "pending")
        )
        return int(count or 0)

    async def lines(
        self, *, status: str | None, source: str | None, offset: int, limit: int
    ) -> tuple[Sequence[UnmappedLine], int]:
        query = select(UnmappedLine)
        if status is not None:
            query = query.where(UnmappedLine.status == status)
        if source is not None:
            query = query.where(UnmappedLine.source == source)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(query.order_by(UnmappedLine.id).offset(offset).limit(limit))
        return rows.all(), int(total or 0)

    async def add(self, row: SkuMapping | UnmappedLine) -> None:
        self.session.add(row)
        await self.session.flush()
