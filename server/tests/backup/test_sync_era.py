"""A restore opens a new era of sync change seqs (the embedded default, and MariaDB + Redis when
configured): every device cursor from before it - past the restored log, at its end, anywhere in it
- gets 410 `cursor_expired`; a device resyncing the way the desktop does (a 410, then a pull from 0)
gets exactly the restored entities and then every new write exactly once; and the era's floor and
sequence are in the database, so a restarted server (or a new one the backup was restored onto)
goes on from them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fllc_server.app import create_app, entity_shapes
from fllc_server.auth.passwords import Passwords
from fllc_server.backup import create_backup, restore_backup
from fllc_server.config import Settings
from fllc_server.sync.repository import ERA_GAP, SNAPSHOT
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

Headers = dict[str, str]
PASSWORD = "correct-horse-9"  # conftest.PASSWORD: make_user's


async def _pull(client: httpx.AsyncClient, headers: Headers, since: int) -> httpx.Response:
    return await client.get("/api/v1/sync/changes", params={"since": since, "limit": 1000}, headers=headers)


Changes = list[dict[str, Any]]


async def _pull_all(client: httpx.AsyncClient, headers: Headers, since: int) -> tuple[Changes, int]:
    """Every change after `since`, page by page; returns them and the cursor to store."""
    changes: Changes = []
    while True:
        answer = await _pull(client, headers, since)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        changes += body["changes"]
        since = body["next_since"]
        if not body["has_more"]:
            return changes, since


async def _resync_like_the_desktop(
    client: httpx.AsyncClient, headers: Headers, cursor: int
) -> tuple[Changes, int]:
    """fllc_desktop.sync.engine.SyncEngine._pull_all: a 410 resets the replica and pulls from
    scratch (`since=None`, sent as 0); a 410 there too is an error the engine cannot get past."""
    gone = await _pull(client, headers, cursor)
    assert gone.status_code == 410, gone.text
    assert gone.json()["error"]["code"] == "cursor_expired"
    return await _pull_all(client, headers, 0)


async def _product(client: httpx.AsyncClient, headers: Headers, sku: str, name: str) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/products", headers=headers, json={"sku": sku, "name": name, "price": "1.00"}
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def _products(changes: Changes) -> list[tuple[str, str]]:
    products = [c for c in changes if c["entity_type"] == "product"]
    return [(c["action"], c["data"]["name"] if c["data"] else "") for c in products]


async def test_after_a_restore_every_older_cursor_resyncs_and_new_writes_arrive_once(
    settings: Settings,
    app: FastAPI,
    client: httpx.AsyncClient,
    make_user: Any,
    login: Any,
    tmp_path: Path,
) -> None:
    await make_user("admin", username="alice")
    headers = {"Authorization": f"Bearer {(await login('alice'))['access_token']}"}
    alpha = await _product(client, headers, "LAN-1", "Lantern Alpha")
    _, backed_up = await _pull_all(client, headers, 0)  # B: the newest seq the backup holds
    backup = (await create_backup(settings.effective_database_url, tmp_path / "a.fllcbak")).path

    # After the backup: a device pulls changes that the restore undoes.
    renamed = await client.patch(
        f"/api/v1/products/{alpha['id']}",
        headers=headers,
        json={"name": "Lantern Beta", "version": alpha["version"]},
    )
    assert renamed.status_code == 200, renamed.text
    await _product(client, headers, "UNDONE-1", "Undone lamp")
    seen, past = await _pull_all(client, headers, backed_up)
    assert _products(seen) == [("upsert", "Lantern Beta"), ("upsert", "Undone lamp")]
    assert past > backed_up

    in_process = app.state.fllc if settings.redis_url is None else None
    result = await restore_backup(settings, backup, force=True, state=in_process)
    start = result.sync_era
    assert start >= past + ERA_GAP

    # Every cursor from before the restore: past the restored log, at its end, inside it.
    for cursor in (past, backed_up, 1, start - 1):
        gone = await _pull(client, headers, cursor)
        assert gone.status_code == 410, (cursor, gone.text)
        assert gone.json()["error"]["code"] == "cursor_expired"
        assert gone.json()["error"]["details"][0]["floor"] == start

    # The desktop's resync: the restored entities, each once, none of the undone ones.
    replica, cursor = await _resync_like_the_desktop(client, headers, past)
    assert _products(replica) == [("upsert", "Lantern Alpha")]
    assert len({(c["entity_type"], c["entity_id"]) for c in replica}) == len(replica)
    assert all(c["seq"] > start for c in replica)
    assert all(c["entity_type"] in entity_shapes().entity_types() for c in replica)
    assert cursor == start + len(replica)

    # A client starting a fresh replica from GET /sync/cursor lands in the new era too.
    told = (await client.get("/api/v1/sync/cursor", headers=headers)).json()
    assert told == {"seq": cursor, "floor": start}

    # A new write: in the next pull exactly once, right after the snapshot, then never again.
    gamma = await _product(client, headers, "LAN-2", "Lantern Gamma")
    for since in (cursor, told["seq"]):
        changes, after = await _pull_all(client, headers, since)
        assert [(c["seq"], c["entity_id"], c["data"]["name"]) for c in changes] == [
            (cursor + 1, gamma["id"], "Lantern Gamma")
        ]
        assert after == cursor + 1
        assert (await _pull_all(client, headers, after)) == ([], after)


async def test_the_era_survives_a_restart_on_a_new_server(
    settings: Settings,
    client: httpx.AsyncClient,
    make_user: Any,
    login: Any,
    scratch: Any,
    tmp_path: Path,
) -> None:
    """The backup restored onto a new, empty server whose devices came from the old one: its
    cursors expire there too, and a restarted server keeps the floor and the sequence."""
    await make_user("admin", username="alice")
    headers = {"Authorization": f"Bearer {(await login('alice'))['access_token']}"}
    await _product(client, headers, "LAN-1", "Lantern Alpha")
    await _product(client, headers, "LAN-2", "Lantern Beta")
    _, old_cursor = await _pull_all(client, headers, 0)
    backup = (await create_backup(settings.effective_database_url, tmp_path / "a.fllcbak")).path

    target = await scratch("new_server")
    start = (await restore_backup(target, backup)).sync_era
    assert start == old_cursor + ERA_GAP  # the new server's own log was empty

    seqs: list[int] = []
    made_in: list[str] = []
    for run in ("first", "restarted"):
        async with _server(target) as (new_client, new_headers):
            gone = await _pull(new_client, new_headers, old_cursor)
            assert gone.status_code == 410, gone.text
            replica, _ = await _resync_like_the_desktop(new_client, new_headers, old_cursor)
            assert [name for _, name in _products(replica)] == [
                "Lantern Alpha",
                "Lantern Beta",
                *(f"Lamp {run}" for run in made_in),
            ]
            told = (await new_client.get("/api/v1/sync/cursor", headers=new_headers)).json()
            assert told["floor"] == start
            made = await _product(new_client, new_headers, f"NEW-{run}", f"Lamp {run}")
            changes, after = await _pull_all(new_client, new_headers, told["seq"])
            assert [(c["entity_id"], c["data"]["name"]) for c in changes] == [(made["id"], f"Lamp {run}")]
            assert after == told["seq"] + 1
            seqs.append(after)
            made_in.append(run)
    assert seqs[0] > start
    assert seqs[1] == seqs[0] + 1  # the sequence went on after the restart, in the new era

    engine = create_async_engine(target.effective_database_url)
    async with engine.connect() as connection:
        settings_rows = dict(
            (
                await connection.execute(
                    text(
                        "SELECT `key`, value FROM settings WHERE `key` LIKE 'sync.%'"
                        if connection.dialect.name != "sqlite"
                        else "SELECT key, value FROM settings WHERE key LIKE 'sync.%'"
                    )
                )
            ).all()
        )
        oldest = await connection.scalar(text("SELECT MIN(seq) FROM change_log"))
    await engine.dispose()
    assert {k: int(v) for k, v in settings_rows.items()} == {
        "sync.change_log_floor": start,
        "sync.change_log_compacted": start,
    }
    assert oldest == start  # the era's marker: nothing of the old log is left


async def test_the_snapshot_covers_every_entity_type_sync_serves() -> None:
    assert {entity_type for entity_type, _ in SNAPSHOT} == set(entity_shapes().entity_types())


@asynccontextmanager
async def _server(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Headers]]:
    """A server process's app on `settings`' database, signed in as the restored alice."""
    application = create_app(settings, migrate=False)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    application.state.fllc.passwords = Passwords(4, cheap)
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            signed_in = await http.post(
                "/api/v1/auth/login", json={"username": "alice", "password": PASSWORD}
            )
            assert signed_in.status_code == 200, signed_in.text
            yield http, {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
