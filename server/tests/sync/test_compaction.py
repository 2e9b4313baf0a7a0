"""Change log compaction (the embedded default, and MariaDB + Redis when configured): once changes
are older than the retention window, only each entity's newest change is kept, so a pull from 0 is
always a whole snapshot; a cursor inside the compacted range misses nothing current; a tombstone
reaches every cursor that saw its entity until it expires, and only then do cursors older than it
get 410 - while a pull from 0 still works. After a restore (a new era) the same holds."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any

import httpx
from fastapi import FastAPI
from fllc_server.models import Change, utcnow
from fllc_server.sync.repository import SNAPSHOT, ChangeLogRepository
from fllc_server.sync.service import GAP_SETTLE, SyncService, settled
from sqlalchemy import func, select, update

Headers = dict[str, str]
Entity = tuple[str, int]


async def _pull(client: httpx.AsyncClient, headers: Headers, since: int, limit: int = 1000) -> httpx.Response:
    return await client.get("/api/v1/sync/changes", params={"since": since, "limit": limit}, headers=headers)


async def _pull_all(
    client: httpx.AsyncClient, headers: Headers, since: int, limit: int = 3
) -> tuple[list[dict[str, Any]], int]:
    changes: list[dict[str, Any]] = []
    while True:
        answer = await _pull(client, headers, since, limit)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        changes += body["changes"]
        since = body["next_since"]
        if not body["has_more"]:
            return changes, since


def _apply(replica: dict[Entity, Any], changes: list[dict[str, Any]]) -> dict[Entity, Any]:
    """What a device's replica does with a pull's changes."""
    for change in changes:
        key = (change["entity_type"], change["entity_id"])
        if change["action"] == "delete":
            replica.pop(key, None)
        else:
            replica[key] = change["data"]
    return replica


async def _age(app: FastAPI) -> None:
    """Every change so far was written well before now (older than the pull's gap wait)."""
    async with app.state.fllc.db.transaction() as session:
        past = utcnow() - 10 * GAP_SETTLE
        aged = update(Change).values(created_at=past).execution_options(synchronize_session=False)
        await session.execute(aged)


async def _compact(app: FastAPI, retention: int) -> int:
    """A push's compaction, run until nothing is left to do; returns the rows deleted."""
    app.state.fllc.settings.change_log_retention = retention
    deleted = 0
    while True:
        async with app.state.fllc.db.transaction() as session:
            pass_deleted = await SyncService(session, app.state.fllc).prune()
        if not pass_deleted:
            return deleted
        deleted += pass_deleted


async def _live(app: FastAPI) -> dict[Entity, Any]:
    """The database's live entities of every type sync serves, rendered as a pull renders them."""
    state: dict[Entity, Any] = {}
    async with app.state.fllc.db.sessions() as session:
        for entity_type, model in SNAPSHOT:
            query = select(model.id)
            if hasattr(model, "deleted_at"):
                query = query.where(model.deleted_at.is_(None))
            ids = list(await session.scalars(query))
            shapes = await app.state.fllc.shapes.load(session, app.state.fllc, entity_type, ids)
            state.update({(entity_type, entity_id): shape for entity_id, shape in shapes.items()})
    return state


async def _log(app: FastAPI) -> list[tuple[int, str, int, str]]:
    async with app.state.fllc.db.sessions() as session:
        rows = await session.execute(
            select(Change.seq, Change.entity_type, Change.entity_id, Change.action).order_by(Change.seq)
        )
        return [(int(s), t, int(i), a) for s, t, i, a in rows.all()]


async def _marks(app: FastAPI) -> tuple[int, int]:
    async with app.state.fllc.db.sessions() as session:
        return await ChangeLogRepository(session).marks()


class Catalog:
    """Writes through the API, as the desktop and the web app make them."""

    def __init__(self, client: httpx.AsyncClient, headers: Headers) -> None:
        self.client, self.headers = client, headers

    async def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self.client.post(f"/api/v1/{path}", headers=self.headers, json=body)
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created

    async def product(self, sku: str, name: str) -> dict[str, Any]:
        return await self.create("products", {"sku": sku, "name": name, "price": "1.00"})

    async def rename(self, product: dict[str, Any], name: str) -> dict[str, Any]:
        answer = await self.client.patch(
            f"/api/v1/products/{product['id']}",
            headers=self.headers,
            json={"name": name, "version": product["version"]},
        )
        assert answer.status_code == 200, answer.text
        renamed: dict[str, Any] = answer.json()
        return renamed

    async def delete(self, product: dict[str, Any]) -> None:
        answer = await self.client.delete(f"/api/v1/products/{product['id']}", headers=self.headers)
        assert answer.status_code == 204, answer.text

    async def intake(self, product: dict[str, Any], quantity: int, location: dict[str, Any]) -> None:
        answer = await self.client.post(
            "/api/v1/stock/intake",
            headers={**self.headers, "Idempotency-Key": str(uuid.uuid4())},
            json={"product_id": product["id"], "quantity": quantity, "location_id": location["id"]},
        )
        assert answer.status_code in (200, 201), answer.text


async def _history(catalog: Catalog) -> dict[str, Any]:
    """A catalog with a history: entities written many times, one product deleted."""
    main = await catalog.create("locations", {"code": "MAIN", "name": "Main floor"})
    tools = await catalog.create("categories", {"name": "Tools"})
    lamp = await catalog.product("LAMP-1", "Lamp")
    saw = await catalog.product("SAW-1", "Saw")
    drill = await catalog.product("DRILL-1", "Drill")
    for round_ in range(3):
        await catalog.intake(lamp, 2, main)
        await catalog.intake(saw, 1, main)
        lamp = await catalog.rename(lamp, f"Lamp mk{round_}")
    await catalog.delete(drill)
    return {"main": main, "tools": tools, "lamp": lamp, "saw": saw, "drill": drill}


async def test_a_pull_from_zero_after_compaction_is_exactly_the_newest_state_of_every_live_entity(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth_headers: Any,
) -> None:
    admin = await auth_headers("admin")
    catalog = Catalog(client, admin)
    made = await _history(catalog)
    await catalog.product("LATE-1", "Late")
    before = await _log(app)
    await _age(app)
    await _compact(app, retention=1)
    newest = before[-1][0]

    log = await _log(app)
    entities = Counter((t, i) for _, t, i, _ in log)
    assert all(count == 1 for count in entities.values()), entities  # nothing superseded is left
    assert {(t, i): s for s, t, i, _ in log} == {(t, i): s for s, t, i, _ in before}  # each one's newest
    drill = ("product", made["drill"]["id"])
    assert [a for _, t, i, a in log if (t, i) == drill] == ["delete"]  # behind live rows: kept
    assert await _marks(app) == (0, newest - 1)

    changes, cursor = await _pull_all(client, admin, 0)
    assert cursor == newest
    assert Counter((c["entity_type"], c["entity_id"]) for c in changes).most_common(1)[0][1] == 1
    assert {c["seq"] for c in changes} == {s for s, *_ in log}
    replica = _apply({}, changes)
    assert replica == await _live(app)
    assert replica[("product", made["lamp"]["id"])]["name"] == "Lamp mk2"
    assert replica[("product", made["lamp"]["id"])]["quantity_on_hand"] == 6


async def test_a_cursor_inside_the_compacted_range_misses_nothing_current(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth_headers: Any,
) -> None:
    admin = await auth_headers("admin")
    catalog = Catalog(client, admin)
    main = await catalog.create("locations", {"code": "MAIN", "name": "Main floor"})
    lamp, saw = await catalog.product("LAMP-1", "Lamp"), await catalog.product("SAW-1", "Saw")
    await catalog.intake(lamp, 1, main)
    replicas = []  # (cursor, replica) of devices that stopped pulling at every step of the way
    for step in range(4):
        changes, cursor = await _pull_all(client, admin, 0)
        replicas.append((cursor, _apply({}, changes)))
        await catalog.intake(saw if step % 2 else lamp, step + 1, main)
        lamp = await catalog.rename(lamp, f"Lamp {step}")
    await catalog.product("LATE-1", "Late")
    await _age(app)
    deleted = await _compact(app, retention=2)

    assert deleted > 0
    assert await _marks(app) == (0, (await _log(app))[-1][0] - 2)  # no tombstone: no floor
    live = await _live(app)
    for cursor, replica in replicas:
        changes, _ = await _pull_all(client, admin, cursor)
        assert _apply(replica, changes) == live, cursor


async def test_a_tombstone_reaches_a_cursor_that_saw_its_entity_until_it_expires(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth_headers: Any,
) -> None:
    admin = await auth_headers("admin")
    catalog = Catalog(client, admin)
    lamp, saw = await catalog.product("LAMP-1", "Lamp"), await catalog.product("SAW-1", "Saw")
    seen, cursor = await _pull_all(client, admin, 0)
    saw = await catalog.rename(saw, "Saw 1")
    saw = await catalog.rename(saw, "Saw 2")
    await catalog.delete(lamp)
    tombstone = (await _log(app))[-1][0]
    saw = await catalog.rename(saw, "Saw 3")
    saw = await catalog.rename(saw, "Saw 4")
    await _age(app)

    # Still in the retention window: compacted around, delivered to the cursor that saw the lamp.
    assert await _compact(app, retention=3) > 0
    changes, after = await _pull_all(client, admin, cursor, limit=1000)
    assert [(c["entity_id"], c["action"]) for c in changes] == [(lamp["id"], "delete"), (saw["id"], "upsert")]
    assert _apply(_apply({}, seen), changes) == await _live(app)
    assert (await _marks(app))[0] == 0

    # Out of the window, and the head of the log once the lamp's upsert is gone: dropped, and the
    # floor rises to it.
    await catalog.product("LATE-1", "Late")
    await _age(app)
    await _compact(app, retention=1)
    assert (await _marks(app))[0] == tombstone
    assert min(s for s, *_ in await _log(app)) > tombstone  # nothing left at or below the floor
    gone = await _pull(client, admin, cursor)
    assert gone.status_code == 410, gone.text
    assert gone.json()["error"]["code"] == "cursor_expired"
    assert gone.json()["error"]["details"][0]["floor"] == tombstone
    # A cursor at or past the tombstone saw it (or never needed it); 0 holds nothing to delete.
    for since in (tombstone, after):
        answer = await _pull(client, admin, since)
        assert answer.status_code == 200, answer.text
    for limit in (1, 1000):  # paged from 0, no cursor falls below the floor
        scratch, _ = await _pull_all(client, admin, 0, limit)
        assert _apply({}, scratch) == await _live(app)
        assert [c["action"] for c in scratch] == ["upsert", "upsert"]


def test_compaction_gaps_do_not_hold_back_young_changes() -> None:
    """A pull waits out a young gap in the seqs (a transaction in flight); the seqs at or below the
    compaction mark are settled, so the gaps compaction left there are no such gap."""
    now = utcnow()

    def row(seq: int, age: dt.timedelta) -> Change:
        return Change(seq=seq, entity_type="product", entity_id=seq, action="upsert", created_at=now - age)

    old, young = 10 * GAP_SETTLE, dt.timedelta(0)
    rows = [row(3, old), row(7, young), row(8, young), row(11, young)]
    assert [r.seq for r in settled(rows, 0, now, compacted=6)] == [3, 7, 8]  # 9, 10: in flight
    assert [r.seq for r in settled(rows, 3, now, compacted=6)] == [3, 7, 8]
    assert [r.seq for r in settled(rows[1:], 3, now)] == []  # 4..6 could be in flight without the mark
    assert [r.seq for r in settled(rows[1:], 0, now)] == [7, 8]


async def test_young_changes_are_not_compacted(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth_headers: Any,
) -> None:
    admin = await auth_headers("admin")
    catalog = Catalog(client, admin)
    lamp = await catalog.product("LAMP-1", "Lamp")
    for n in range(3):
        lamp = await catalog.rename(lamp, f"Lamp {n}")
    before = await _log(app)
    assert await _compact(app, retention=1) == 0
    assert await _log(app) == before


async def test_after_a_new_era_compaction_keeps_zero_whole_and_older_cursors_gone(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth_headers: Any,
) -> None:
    admin = await auth_headers("admin")
    catalog = Catalog(client, admin)
    lamp, saw = await catalog.product("LAMP-1", "Lamp"), await catalog.product("SAW-1", "Saw")
    _, old_cursor = await _pull_all(client, admin, 0)
    async with app.state.fllc.db.transaction() as session:
        changes = ChangeLogRepository(session)
        start = await changes.highest_reached() + 2**32
        await changes.open_era(start, utcnow() - 10 * GAP_SETTLE)
    for n in range(3):
        saw = await catalog.rename(saw, f"Saw {n}")
    await catalog.delete(lamp)
    await catalog.product("LATE-1", "Late")
    await _age(app)
    await _compact(app, retention=1)

    floor, compacted = await _marks(app)
    assert floor == start  # the marker went with the head; the lamp's tombstone is behind the saw
    assert compacted == (await _log(app))[-1][0] - 1
    for cursor in (old_cursor, start - 1):
        assert (await _pull(client, admin, cursor)).status_code == 410
    replica, cursor = await _pull_all(client, admin, 0)
    assert _apply({}, replica) == await _live(app)
    assert [c["data"]["name"] for c in replica if c["data"]] == ["Saw 2", "Late"]
    async with app.state.fllc.db.sessions() as session:
        assert await session.scalar(select(func.min(Change.seq))) > start


async def test_a_jump_in_the_seqs_does_not_stall_compaction(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth_headers: Any,
) -> None:
    """A log whose seqs start far past the mark (a log emptied by hand; MySQL keeps its counter)."""
    async with app.state.fllc.db.transaction() as session:
        session.add(Change(seq=3_000_000, entity_type="location", entity_id=1, action="delete"))
    admin = await auth_headers("admin")
    catalog = Catalog(client, admin)
    lamp = await catalog.product("LAMP-1", "Lamp")
    for n in range(3):
        lamp = await catalog.rename(lamp, f"Lamp {n}")
    await _age(app)
    assert await _compact(app, retention=1) == 3  # the tombstone at the head, two lamps
    assert [(t, a) for _, t, _, a in await _log(app)] == [("product", "upsert")] * 2  # + the newest
    assert (await _marks(app))[0] == 3_000_000
