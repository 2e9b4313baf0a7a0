"""The command kinds: what a REST write or a synced offline op may do, and the one code path
both take.

A kind is (name, required permission, payload schema, handler). `execute_command` runs one
command exactly once per op_id (`kit.commands.run_command`): the REST route passes its
`Idempotency-Key` header as op_id, `POST /api/v1/sync/push` passes each op's op_id. The
permission is checked inside the command, against the author's *current* role.

Registering a kind from another package is one call, made at import time of a module that
`app.py` imports (e.g. that package's endpoints module)::

    from fllc_server.sync.kinds import register_kind

    async def receive_op(session, state, actor, payload: ReceiveRequest, base_version, *, op_id):
        return await receive_purchase_order(
            session, state, payload.purchase_order_id, payload, actor, op_id=op_id)

    register_kind("po.receive", permission=Permission.STOCK_INTAKE, schema=ReceiveRequest,
                  handler=receive_op, status_code=200)

The handler gets the validated payload (an instance of `schema`), the op's `base_version` (None
for kinds that do not edit a versioned entity) and the op_id (None for a REST call without
Idempotency-Key); it returns the JSON-able result (a pydantic model is fine) and raises
`AppError`s for refusals. It must not commit. Raising `catalog.writes.VersionConflict` (or any
AppError with a `current` attribute) makes a synced op come back as `conflict` with `current`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.auth.dependencies import CurrentUser
from fllc_server.auth.permissions import Permission
from fllc_server.catalog.schemas import EntityId, ProductUpdate
from fllc_server.catalog.service import ProductService, snapshot
from fllc_server.kit.commands import CommandOutcome, run_command
from fllc_server.kit.errors import Forbidden
from fllc_server.stock.schemas import (
    StockAdjustmentIn,
    StockCountIn,
    StockIntakeIn,
    StockTransferIn,
)
from fllc_server.stock.service import StockService

if TYPE_CHECKING:
    from fllc_server.state import AppState

P = TypeVar("P", bound=BaseModel)
P_contra = TypeVar("P_contra", bound=BaseModel, contravariant=True)


class KindHandler(Protocol[P_contra]):
    async def __call__(
        self,
        session: AsyncSession,
        state: AppState,
        actor: CurrentUser,
        payload: P_contra,
        base_version: int | None,
        *,
        op_id: str | None,
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class CommandKind(Generic[P]):
    name: str
    permission: Permission
    schema: type[P]
    handler: KindHandler[P]
    status_code: int = 200


_KINDS: dict[str, CommandKind[Any]] = {}


def register_kind(
    name: str,
    *,
    permission: Permission,
    schema: type[P],
    handler: KindHandler[P],
    status_code: int = 200,
) -> CommandKind[P]:
    """Add (or replace, e.g. in tests) the kind `name`."""
    kind = CommandKind(name, permission, schema, handler, status_code)
    _KINDS[name] = kind
    return kind


def get_kind(name: str) -> CommandKind[Any] | None:
    return _KINDS.get(name)


def kind_names() -> list[str]:
    return sorted(_KINDS)


def require_permission(actor: CurrentUser, permission: Permission) -> None:
    if not actor.can(permission):
        raise Forbidden(
            f"Your role ({actor.role}) does not allow this: it needs '{permission}'",
            code="permission_denied",
            details=[{"permission": permission.value}],
        )


def fingerprint(payload: BaseModel, base_version: int | None) -> dict[str, Any]:
    """What an op_id stands for: a repeat with a different fingerprint is a different request."""
    return {
        "payload": payload.model_dump(mode="json", exclude_unset=True),
        "base_version": base_version,
    }


def is_builtin_stock_kind(kind: CommandKind[Any]) -> bool:
    """The stock kinds as registered here (not replaced), which `stock.bulk` may book set-wise."""
    return kind.handler in _BULK_HANDLERS


async def execute_command(
    session: AsyncSession,
    state: AppState,
    actor: CurrentUser,
    kind: CommandKind[P],
    payload: P,
    *,
    op_id: str | None,
    base_version: int | None = None,
) -> CommandOutcome:
    """Run one command once per op_id: a repeat returns the first result (`replayed`)."""

    async def effect() -> Any:
        require_permission(actor, kind.permission)
        return await kind.handler(session, state, actor, payload, base_version, op_id=op_id)

    return await run_command(
        session,
        op_id=op_id,
        user_id=actor.id,
        kind=kind.name,
        payload=fingerprint(payload, base_version),
        effect=effect,
        status_code=kind.status_code,
    )


# -- the built-in kinds ------------------------------------------------------------------------


def _stock(session: AsyncSession, state: AppState, actor: CurrentUser, op_id: str | None) -> StockService:
    return StockService(session, state, actor_id=actor.id, op_id=op_id)


async def _stock_intake(
    session: AsyncSession, state: AppState, actor: CurrentUser, payload: StockIntakeIn,
    base_version: int | None, *, op_id: str | None,
) -> Any:
    return await _stock(session, state, actor, op_id).receive(payload)


async def _stock_adjust(
    session: AsyncSession, state: AppState, actor: CurrentUser, payload: StockAdjustmentIn,
    base_version: int | None, *, op_id: str | None,
) -> Any:
    return await _stock(session, state, actor, op_id).adjust(payload)


async def _stock_count(
    session: AsyncSession, state: AppState, actor: CurrentUser, payload: StockCountIn,
    base_version: int | None, *, op_id: str | None,
) -> Any:
    service = _stock(session, state, actor, op_id)
    return await service.count(payload, may_apply=actor.can(Permission.PRODUCTS_MODIFY))


async def _stock_transfer(
    session: AsyncSession, state: AppState, actor: CurrentUser, payload: StockTransferIn,
    base_version: int | None, *, op_id: str | None,
) -> Any:
    return await _stock(session, state, actor, op_id).transfer(payload)


class ProductUpdateOp(ProductUpdate):
    """The body of PATCH /api/v1/products/{id} plus the product's id."""

    product_id: EntityId

    def changes(self) -> dict[str, object]:
        return {k: v for k, v in super().changes().items() if k != "product_id"}


async def _product_update(
    session: AsyncSession, state: AppState, actor: CurrentUser, payload: ProductUpdateOp,
    base_version: int | None, *, op_id: str | None,
) -> Any:
    service = ProductService(session, state)
    product = await service.update(payload.product_id, payload, actor, base_version)
    return snapshot(product)


register_kind(
    "stock.intake", permission=Permission.STOCK_INTAKE, schema=StockIntakeIn,
    handler=_stock_intake, status_code=201,
)
register_kind(
    "stock.adjust", permission=Permission.PRODUCTS_MODIFY, schema=StockAdjustmentIn,
    handler=_stock_adjust, status_code=201,
)
register_kind(
    "stock.count", permission=Permission.STOCK_INTAKE, schema=StockCountIn,
    handler=_stock_count, status_code=201,
)
register_kind(
    "stock.transfer", permission=Permission.STOCK_INTAKE, schema=StockTransferIn,
    handler=_stock_transfer, status_code=201,
)
register_kind(
    "product.update", permission=Permission.PRODUCTS_MODIFY, schema=ProductUpdateOp,
    handler=_product_update,
)

_BULK_HANDLERS: frozenset[object] = frozenset({_stock_intake, _stock_adjust, _stock_transfer})
