"""Reorder suggestions: what to order from whom, so that stock climbs back above reorder points.

For a live product with a reorder policy (reorder point or reorder quantity above zero) and
quantity_on_hand <= reorder_point:

    suggested = max(reorder_quantity, reorder_point - quantity_on_hand + 1) - on_order

where on_order is what open orders (draft, submitted, partially received) still expect. Products
whose suggestion is zero or less are left out. Products without a supplier form one group with
supplier_id null, shown but never turned into an order.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.auth.dependencies import CurrentUser
from fllc_server.models import Product
from fllc_server.purchasing.repository import PurchaseOrderRepository
from fllc_server.purchasing.schemas import (
    MAX_QUANTITY,
    PurchaseOrderCreate,
    PurchaseOrderLineCreate,
    PurchaseOrderOut,
    SuggestionLine,
    SuggestionsAccept,
    SupplierSuggestion,
    money,
)
from fllc_server.purchasing.service import PurchaseOrderService

if TYPE_CHECKING:
    from fllc_server.state import AppState


def suggested_for(reorder_point: int, reorder_quantity: int, on_hand: int, on_order: int) -> int:
    """The module's rule: enough to get back above the point, at least the reorder quantity, less
    what is on order (zero or less: nothing to order)."""
    return max(reorder_quantity, reorder_point - on_hand + 1) - on_order


def suggested_quantity(product: Product, on_order: int) -> int:
    return suggested_for(product.reorder_point, product.reorder_quantity, product.quantity_on_hand, on_order)


def suggestion_line(product: Product, on_order: int) -> SuggestionLine | None:
    quantity = suggested_quantity(product, on_order)
    if quantity <= 0:
        return None
    return SuggestionLine(
        product_id=product.id,
        sku=product.sku,
        name=product.name,
        quantity_on_hand=product.quantity_on_hand,
        reorder_point=product.reorder_point,
        reorder_quantity=product.reorder_quantity,
        on_order=on_order,
        suggested_quantity=quantity,
        unit_cost=product.unit_cost,
        line_total=money(product.unit_cost * quantity),
    )


def group(lines: dict[int | None, list[SuggestionLine]], names: dict[int, str]) -> list[SupplierSuggestion]:
    groups = [
        SupplierSuggestion(
            supplier_id=supplier_id,
            supplier_name=names.get(supplier_id) if supplier_id is not None else None,
            lines=rows,
            total=money(sum((row.line_total for row in rows), Decimal("0"))),
        )
        for supplier_id, rows in lines.items()
    ]
    # Suppliers by name, the supplier-less group last.
    return sorted(groups, key=lambda g: (g.supplier_id is None, g.supplier_name or "", g.supplier_id or 0))


class SuggestionService:
    def __init__(self, session: AsyncSession, state: AppState) -> None:
        self.session = session
        self.state = state
        self.orders = PurchaseOrderRepository(session)

    async def suggest(self, supplier_id: int | None = None) -> list[SupplierSuggestion]:
        products = await self.orders.below_reorder_point(supplier_id)
        on_order = await self.orders.on_order([p.id for p in products])
        lines = self._lines_by_supplier(products, on_order)
        names = await self.orders.supplier_names([s for s in lines if s is not None])
        return group(lines, names)

    async def accept(self, data: SuggestionsAccept, actor: CurrentUser) -> list[PurchaseOrderOut]:
        wanted = set(data.supplier_ids) if data.supplier_ids is not None else None
        created = []
        for suggestion in await self.suggest():
            if suggestion.supplier_id is None:
                continue
            if wanted is not None and suggestion.supplier_id not in wanted:
                continue
            # Built from validated rows; a supplier with more than a body's 500 lines is fine here.
            draft = PurchaseOrderCreate.model_construct(
                supplier_id=suggestion.supplier_id,
                location_id=data.location_id,
                notes="From reorder suggestions",
                expected_at=None,
                lines=[
                    PurchaseOrderLineCreate.model_validate(
                        {
                            "product_id": row.product_id,
                            "unit_cost": row.unit_cost,
                            "ordered_quantity": min(row.suggested_quantity, MAX_QUANTITY),
                        }
                    )
                    for row in suggestion.lines
                ],
            )
            created.append(await PurchaseOrderService(self.session, self.state).create(draft, actor))
        return created

    @staticmethod
    def _lines_by_supplier(
        products: Sequence[Product], on_order: dict[int, int]
    ) -> dict[int | None, list[SuggestionLine]]:
        lines: dict[int | None, list[SuggestionLine]] = {}
        for product in products:
            line = suggestion_line(product, on_order.get(product.id, 0))
            if line is not None:
                lines.setdefault(product.supplier_id, []).append(line)
        return lines
