"""Stock's command kinds: a REST intake, adjustment, count or transfer and the synced op of the
same name run these (`sync.kinds.execute_command`); app.py registers them with the app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.auth.dependencies import CurrentUser
from fllc_server.auth.permissions import Permission
from fllc_server.stock.schemas import StockAdjustmentIn, StockCountIn, StockIntakeIn, StockTransferIn
from fllc_server.stock.service import StockService
from fllc_server.sync.kinds import CommandKind

if TYPE_CHECKING:
    from fllc_server.state import AppState


def _stock(session: AsyncSession, state: AppState, actor: CurrentUser, op_id: str | None) -> StockService:
    return StockService(session, state, actor_id=actor.id, op_id=op_id)


async def _stock_intake(
    session: AsyncSession,
    state: AppState,
    actor: CurrentUser,
    payload: StockIntakeIn,
    base_version: int | None,
    *,
    op_id: str | None,
) -> Any:
    return await _stock(session, state, actor, op_id).receive(payload)


async def _stock_adjust(
    session: AsyncSession,
    state: AppState,
    actor: CurrentUser,
    payload: StockAdjustmentIn,
    base_version: int | None,
    *,
    op_id: str | None,
) -> Any:
    return await _stock(session, state, actor, op_id).adjust(payload)


async def _stock_count(
    session: AsyncSession,
    state: AppState,
    actor: CurrentUser,
    payload: StockCountIn,
    base_version: int | None,
    *,
    op_id: str | None,
) -> Any:
    service = _stock(session, state, actor, op_id)
    return await service.count(payload, may_apply=actor.can(Permission.PRODUCTS_MODIFY))


async def _stock_transfer(
    session: AsyncSession,
    state: AppState,
    actor: CurrentUser,
    payload: StockTransferIn,
    base_version: int | None,
    *,
    op_id: str | None,
) -> Any:
    return await _stock(session, state, actor, op_id).transfer(payload)


STOCK_INTAKE = CommandKind("stock.intake", Permission.STOCK_INTAKE, StockIntakeIn, _stock_intake, 201)
STOCK_ADJUST = CommandKind("stock.adjust", Permission.PRODUCTS_MODIFY, StockAdjustmentIn, _stock_adjust, 201)
STOCK_COUNT = CommandKind("stock.count", Permission.STOCK_INTAKE, StockCountIn, _stock_count, 201)
STOCK_TRANSFER = CommandKind("stock.transfer", Permission.STOCK_INTAKE, StockTransferIn, _stock_transfer, 201)
STOCK_KINDS: tuple[CommandKind[Any], ...] = (STOCK_INTAKE, STOCK_ADJUST, STOCK_COUNT, STOCK_TRANSFER)

_SET_WISE_HANDLERS: frozenset[object] = frozenset({_stock_intake, _stock_adjust, _stock_transfer})


def is_set_wise(kind: CommandKind[Any]) -> bool:
    """Stock's own intake, adjustment and transfer (not a replacement registered under their
    names), which a sync push may book set-wise (`sync.bulk`)."""
    return kind.handler in _SET_WISE_HANDLERS
