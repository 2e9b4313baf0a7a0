"""GET /api/v1/sync/changes: seq order, one change per entity in its current state, tombstones,
410 for a cursor older than the retained log; a refused op leaves no change and no event."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from fllc_server.auth.permissions import Permission
from fllc_server.kit.changes import record_change
from fllc_server.kit.errors import Conflict
from fllc_server.kit.schemas import RequestSchema
from fllc_server.models import Change, SettingRow, utcnow
from fllc_server.sync.kinds import CommandKind
from fllc_server.sync.service import settled
from sqlalchemy import select


async def _pull(client, headers, since: int = 0, limit: int = 500):
    return await client.get(f"/api/v1/sync/changes?since={since}&limit={limit}", headers=headers)


async def test_an_empty_log_pulls_nothing(client, auth_headers) -> None:
    viewer = await auth_headers("viewer")
    response = await _pull(client, viewer)
    assert response.status_code == 200
    assert response.json() == {"changes": [], "next_since": 0, "has_more": False}


async def test_changes_are_collapsed_to_each_entitys_current_state(
    push, ops, client, auth_headers, warehouse
) -> None:
    staff = await auth_headers("staff")
    await push(
        staff,
        ops.intake(warehouse.widget, 1),
        ops.intake(warehouse.gadget, 2),
        ops.intake(warehouse.widget, 3),
    )

    body = (await _pull(client, staff)).json()

    assert [(c["entity_type"], c["entity_id"], c["action"]) for c in body["changes"]] == [
        ("product", warehouse.gadget, "upsert"),
        ("product", warehouse.widget, "upsert"),
    ]
    widget = body["changes"][1]
    assert widget["data"]["quantity_on_hand"] == 4
    assert widget["data"]["sku"] == "WID-1"
    assert widget["seq"] == body["next_since"]
    assert body["has_more"] is False
    assert body["changes"][0]["seq"] < widget["seq"]


async def test_pulling_page_by_page_reaches_every_change(push, ops, client, auth_headers, warehouse) -> None:
    staff = await auth_headers("staff")
    await push(staff, *(ops.intake(warehouse.widget if n % 2 else warehouse.gadget, 1) for n in range(5)))

    seen, since, pages = [], 0, 0
    while True:
        body = (await _pull(client, staff, since, limit=2)).json()
        seen += [c["entity_id"] for c in body["changes"]]
        since, pages = body["next_since"], pages + 1
        if not body["has_more"]:
            break

    assert pages == 3
    assert set(seen) == {warehouse.widget, warehouse.gadget}
    assert (await _pull(client, staff, since)).json()["changes"] == []


async def test_a_deleted_product_comes_as_a_tombstone(push, ops, client, auth_headers, warehouse) -> None:
    admin = await auth_headers("admin")
    await push(admin, ops.intake(warehouse.widget, 1))
    cursor = (await _pull(client, admin)).json()["next_since"]

    deleted = await client.delete(f"/api/v1/products/{warehouse.widget}", headers=admin)
    assert deleted.status_code == 204, deleted.text
    body = (await _pull(client, admin, cursor)).json()

    assert body["changes"] == [
        {
            "seq": body["next_since"],
            "entity_type": "product",
            "entity_id": warehouse.widget,
            "action": "delete",
            "data": None,
        }
    ]
    # From scratch, the product's whole history collapses to its tombstone.
    from_scratch = (await _pull(client, admin)).json()["changes"]
    assert [(c["entity_id"], c["action"]) for c in from_scratch] == [(warehouse.widget, "delete")]


async def test_a_cursor_below_the_floor_is_gone_and_zero_is_not(
    app, push, ops, client, auth_headers, warehouse
) -> None:
    """Only a cursor (other than 0) below the floor - the highest tombstone compaction dropped,
    test_compaction.py - gets 410."""
    staff = await auth_headers("staff")
    await push(staff, *(ops.intake(warehouse.gadget, 1) for _ in range(4)))
    async with app.state.fllc.db.transaction() as session:
        session.add(SettingRow(key="sync.change_log_floor", value=3))

    expired = await _pull(client, staff, 2)
    cursor = (await client.get("/api/v1/sync/cursor", headers=staff)).json()

    assert expired.status_code == 410
    assert expired.json()["error"]["code"] == "cursor_expired"
    assert expired.json()["error"]["details"][0]["floor"] == cursor["floor"] == 3
    for since in (0, 3):
        assert (await _pull(client, staff, since)).status_code == 200


async def test_pull_needs_products_view(client) -> None:
    response = await _pull(client, {})
    assert response.status_code == 401


@pytest.mark.parametrize("query", ["since=-1", "limit=0", "limit=5000", "since=abc"])
async def test_bad_pull_parameters_are_400(client, auth_headers, query) -> None:
    viewer = await auth_headers("viewer")
    response = await client.get(f"/api/v1/sync/changes?{query}", headers=viewer)
    assert response.status_code == 400


def _change(seq: int, age_seconds: float) -> Change:
    return Change(
        seq=seq,
        entity_type="product",
        entity_id=1,
        action="upsert",
        created_at=utcnow() - dt.timedelta(seconds=age_seconds),
    )


def test_a_young_gap_holds_back_the_changes_after_it() -> None:
    rows = [_change(5, 60), _change(6, 60), _change(8, 0.1), _change(9, 0.1)]
    assert [r.seq for r in settled(rows, 4, utcnow())] == [5, 6]


def test_an_old_gap_is_a_rolled_back_transaction_and_is_skipped() -> None:
    rows = [_change(5, 60), _change(7, 60), _change(8, 0.1)]
    assert [r.seq for r in settled(rows, 4, utcnow())] == [5, 7, 8]


# -- a refused op leaves nothing behind ---------------------------------------------------------


class _Probe(RequestSchema):
    product_id: int


async def _change_then_refuse(session, state, actor, payload, base_version, *, op_id):
    await record_change(
        session,
        entity_type="product",
        entity_id=payload.product_id,
        event_type="stock.changed",
        data={"probe": True},
    )
    raise Conflict("refused after writing", code="probe_refused")


@pytest.fixture
def refusing_kind(app):
    """A kind of this test's app alone (another app never sees it)."""
    app.state.fllc.command_kinds.register(
        CommandKind("test.refuse", Permission.STOCK_INTAKE, _Probe, _change_then_refuse)
    )
    return "test.refuse"


async def test_a_refused_op_leaves_no_change_and_sends_no_event(
    app, push, ops, auth_headers, warehouse, refusing_kind
) -> None:
    staff = await auth_headers("staff")
    async with app.state.fllc.events.live() as events:
        response = await push(
            staff, ops.make(refusing_kind, {"product_id": warehouse.gadget}), ops.intake(warehouse.widget, 1)
        )
        # A leaked probe event would come before the applied op's (hooks run in order), and
        # other test runs sharing the Redis server may publish on the same channel meanwhile.
        mine = {"product_id": warehouse.widget, "quantity_on_hand": 1, "delta": 1}
        heard = [json.loads(await asyncio.wait_for(events.get(), 10))]
        while not heard[-1]["data"].get("probe") and mine.items() - heard[-1]["data"].items():
            heard.append(json.loads(await asyncio.wait_for(events.get(), 10)))

    assert [r["status"] for r in response.json()["results"]] == ["rejected", "applied"]
    assert response.json()["results"][0]["error"]["code"] == "probe_refused"
    assert not any(m["data"].get("probe") for m in heard)
    async with app.state.fllc.db.sessions() as session:
        changes = (await session.scalars(select(Change))).all()
    assert [c.entity_id for c in changes] == [warehouse.widget]


def test_a_cursor_of_zero_takes_the_log_from_wherever_it_starts() -> None:
    rows = [_change(500, 0.1), _change(502, 0.1)]
    assert [r.seq for r in settled(rows, 0, utcnow())] == [500]
