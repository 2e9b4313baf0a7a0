"""The sync engine's 410 path against a real ``fllc-server`` process whose change log has been
compacted past a tablet's cursor: the tablet's pull gets 410, it wipes its replica and pulls from 0
- page by page, never below the floor - and ends up with exactly the server's live catalog; a new
tablet with nothing gets the same from 0. (Before compaction, a pruned server answered the pull
from 0 with 410 too, and such a tablet stayed empty, failing every round.)"""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fllc_desktop.api import ApiClient
from fllc_desktop.store import LocalStore, OpOwner
from fllc_desktop.sync import SyncEngine


def _helpers(name: str) -> Any:
    """tests/durability's helper module `name` (a real server process, a client as a tablet's)."""
    path = Path(__file__).parents[1] / "durability" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"durability_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


durability, client_proc = _helpers("server"), _helpers("client_proc")

RETENTION = 2


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Any]:
    """An embedded server that keeps only the newest RETENTION changes uncompacted."""

    process = durability.durability_server(
        tmp_path / "server", extra_env={"FLLC_CHANGE_LOG_RETENTION": str(RETENTION)}
    )
    process.create_user(*durability.ADMIN[:1], "admin", durability.ADMIN[1])
    process.start()
    yield process
    process.stop()


def _age_the_log(server: Any) -> None:
    """Every change so far written long ago (compaction only touches settled changes)."""
    with sqlite3.connect(Path(server.data_dir) / "fllc.sqlite3") as database:
        database.execute("UPDATE change_log SET created_at = '2000-01-01 00:00:00.000000'")


def _engine(client: ApiClient, store: LocalStore, url: str, user_id: int) -> SyncEngine:
    owner = OpOwner.of(url, user_id)
    return SyncEngine(client.sync, store.outbox, store.catalog, owner, "tablet", pull_limit=1)


def test_a_tablet_whose_cursor_was_compacted_away_resyncs_from_zero(server: Any, tmp_path: Path) -> None:
    url = server.url
    admin = client_proc.api_client(url)
    user_id = int(admin.auth.login(*durability.ADMIN).user.id)
    lamp, saw, drill = (
        admin.products.create({"sku": f"P-{n}", "name": n, "price": "1.00"}) for n in ("lamp", "saw", "drill")
    )
    store, _ = LocalStore.open_or_recover(tmp_path / "tablet")
    tablet = _engine(admin, store, url, user_id)
    assert tablet.sync_once().error is None
    assert store.catalog.product(lamp["id"]) is not None

    # The tablet goes away; meanwhile the lamp is deleted, everything else changes, and the
    # deletion grows older than the retention window: compaction (after a push) drops it.
    admin.products.delete(lamp["id"])
    saw = admin.products.update(saw["id"], {"name": "saw 2"}, version=saw["version"])
    drill = admin.products.update(drill["id"], {"name": "drill 2"}, version=drill["version"])
    late = admin.products.create({"sku": "P-late", "name": "late", "price": "1.00"})
    admin.products.update(late["id"], {"name": "late 2"}, version=late["version"])
    _age_the_log(server)
    admin.sync.push("trigger", [])
    floor = admin.sync._connection.call("GET", "/api/v1/sync/cursor")["floor"]
    assert floor > 0
    assert store.catalog.cursor() is not None
    assert store.catalog.cursor() < floor

    report = tablet.sync_once()
    assert report.error is None, report.error
    assert report.resynced
    assert store.catalog.product(lamp["id"]) is None
    assert {store.catalog.product(p["id"]).name for p in (saw, drill, late)} == {"saw 2", "drill 2", "late 2"}

    fresh, _ = LocalStore.open_or_recover(tmp_path / "new-tablet")
    report = _engine(admin, fresh, url, user_id).sync_once()
    assert report.error is None
    assert not report.resynced
    assert fresh.catalog.product(lamp["id"]) is None
    assert {fresh.catalog.product(p["id"]).name for p in (saw, drill, late)} == {"saw 2", "drill 2", "late 2"}
    fresh.close()
    store.close()
    admin.close()
