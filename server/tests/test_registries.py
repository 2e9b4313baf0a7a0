"""What an app runs is built with the app: two apps in one process share no registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import fllc_server
from fllc_server.app import create_app
from fllc_server.auth.permissions import Permission
from fllc_server.integrations.providers.base import Provider
from fllc_server.stock.schemas import StockIntakeIn
from fllc_server.sync.kinds import CommandKind


async def _nothing(*_args, **_kwargs) -> None:
    return None


class _FirstOnly(Provider):
    name: ClassVar[str] = "test.first_only"
    kind: ClassVar[str] = "pos"
    title: ClassVar[str] = "Only in the first app"


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


async def test_two_apps_share_no_providers_inbox_handlers_or_access_log(settings) -> None:
    first, second = create_app(settings, migrate=False), create_app(settings, migrate=False)
    try:
        one, two = first.state.fllc, second.state.fllc
        assert one.providers is not two.providers
        assert [p.name for p in one.providers.all()] == ["stripe", "generic", "shopify"]
        assert [p.name for p in two.providers.all()] == ["stripe", "generic", "shopify"]
        assert one.inbox_handlers is not two.inbox_handlers
        assert set(one.inbox_handlers.sources()) == {"generic", "shopify", "stripe", "edi"}
        assert one.inbox_handlers.sources() == two.inbox_handlers.sources()
        one.providers.register(_FirstOnly())
        one.inbox_handlers.register("test.first_only", _nothing)
        assert one.providers.get("test.first_only") is not None
        assert two.providers.get("test.first_only") is None
        assert two.inbox_handlers.get("test.first_only") is None
        assert one.access_log is not two.access_log
    finally:
        await first.state.fllc.close()
        await second.state.fllc.close()


def test_no_module_holds_a_registry_filled_after_import() -> None:
    """No module-level dict, list or set is written by a function or at import (besides pure
    memos), no `global` is rebound, and importing a module calls nothing but route declarations:
    what an app runs lives in objects create_app (or a worker) builds. Read from the source
    (registry_scan.py), in a process of its own: CPython 3.11.7's `ast` counts its recursion per
    interpreter, so another thread formatting a traceback meanwhile made `ast.parse` raise
    SystemError ("AST constructor recursion depth mismatch") in this suite."""
    package = Path(fllc_server.__file__).parent
    scan = Path(__file__).with_name("registry_scan.py")
    done = subprocess.run(
        [sys.executable, str(scan), str(package)], capture_output=True, text=True, check=False, timeout=120
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
