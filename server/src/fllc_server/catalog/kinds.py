"""The catalog's command kinds: `product.update`, the synced form of PATCH /api/v1/products/{id}
(app.py registers it with the app)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.auth.dependencies import CurrentUser
from fllc_server.auth.permissions import Permission
from fllc_server.catalog.schemas import EntityId, ProductUpdate
from fllc_server.catalog.service import ProductService, snapshot
from fllc_server.sync.kinds import CommandKind

if TYPE_CHECKING:
    from fllc_server.state import AppState


class ProductUpdateOp(ProductUpdate):
    """The body of PATCH /api/v1/products/{id} plus the product's id."""

    product_id: EntityId

    def changes(self) -> dict[str, object]:
        return {k: v for k, v in super().changes().items() if k != "product_id"}


async def _product_update(
    session: AsyncSession,
    state: AppState,
    actor: CurrentUser,
    payload: ProductUpdateOp,
    base_version: int | None,
    *,
    op_id: str | None,
) -> Any:
    service = ProductService(session, state)
    product = await service.update(payload.product_id, payload, actor, base_version)
    return snapshot(product)


PRODUCT_UPDATE = CommandKind("product.update", Permission.PRODUCTS_MODIFY, ProductUpdateOp, _product_update)
CATALOG_KINDS: tuple[CommandKind[Any], ...] = (PRODUCT_UPDATE,)
