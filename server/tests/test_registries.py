"""What an app runs is built with the app: two apps in one process share no registry."""

from __future__ import annotations

from fllc_server.app import create_app
from fllc_server.auth.permissions import Permission
from fllc_server.stock.schemas import StockIntakeIn
from fllc_server.sync.kinds import CommandKind


async def _nothing(*_args, **_kwargs) -> None:
    return None


async def test_two_apps_share_no_command_kinds_or_shapes(settings) -> None:
    first, second = create_app(settings, migrate=False), create_app(settings, migrate=False)
    try:
        kinds, other = first.state.fllc.command_kinds, second.state.fllc.command_kinds
        assert kinds is not other
        assert kinds.names() == other.names()
        assert {"stock.intake", "product.update", "po.receive"} <= set(kinds.names())
        kinds.register(CommandKind("test.first_only", Permission.STOCK_INTAKE, StockIntakeIn, _nothing))
        assert kinds.get("test.first_only") is not None
        assert other.get("test.first_only") is None
        first.state.fllc.shapes.register("test_entity", _nothing)
        assert "test_entity" not in second.state.fllc.shapes.entity_types()
    finally:
        await first.state.fllc.close()
        await second.state.fllc.close()
