"""The unit of work: events, callbacks and the catalog bump run after the commit, in order, never after
a rollback, and a rolled-back savepoint drops what it registered. Over the app's real database,
event bus and cache on each backend."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fllc_server.kit.uow import CommitTargets, NoUnitOfWorkError, unit_of_work
from fllc_server.models import Category
from sqlalchemy import func, select


@pytest.fixture
def bumps(app: FastAPI) -> Iterator[list[str]]:
    """The app's database with a catalog bump that also notes itself here (then bumps as usual)."""
    db = app.state.fllc.db
    real = db.targets
    noted: list[str] = []

    async def bump() -> None:
        noted.append("bump")
        assert real.bump_catalog is not None
        await real.bump_catalog()

    db.targets = CommitTargets(publish=real.publish, bump_catalog=bump)
    yield noted
    db.targets = real


async def _heard(app: FastAPI, work: Any) -> list[dict[str, Any]]:
    """The test events published on the app's bus while `work()` runs (with its commit). Only
    `test.*`: Redis pub/sub channels are shared by every database number, so other apps' events
    may pass by on the MariaDB + Redis backend."""
    import json

    async with app.state.fllc.events.live() as queue:
        await work()
        await asyncio.sleep(0)  # the in-process bus hands messages over on the next turn
        heard = []
        while True:
            try:
                raw = await asyncio.wait_for(queue.get(), 0.5)
            except TimeoutError:
                return heard
            message = json.loads(raw)
            if str(message.get("type", "")).startswith("test."):
                heard.append(message)


async def test_work_runs_after_the_commit_in_order_with_the_bump_first(
    app: FastAPI, bumps: list[str]
) -> None:
    db = app.state.fllc.db
    order = bumps  # the bump notes itself in the same list

    async def work() -> None:
        async with db.transaction() as session:
            uow = unit_of_work(session)

            async def first() -> None:
                order.append("callback")

            uow.after_commit(first)
            uow.publish("test.happened", 7, {"n": 1}, entity_type="test")
            uow.bump_catalog()
            uow.bump_catalog()
            session.add(Category(name="Hooks"))
            await session.flush()
            assert order == []  # nothing before the commit

    heard = await _heard(app, work)
    assert order == ["bump", "callback"]  # once, and first: an event's reader sees fresh answers
    assert [(m["type"], m["seq"], m["data"]) for m in heard] == [("test.happened", 7, {"n": 1})]


async def test_nothing_runs_after_a_rollback(app: FastAPI, bumps: list[str]) -> None:
    db = app.state.fllc.db
    ran: list[str] = []

    async def failing() -> None:
        async with db.transaction() as session:
            uow = unit_of_work(session)

            async def callback() -> None:
                ran.append("callback")

            uow.after_commit(callback)
            uow.publish("test.happened", 1, {}, entity_type="test")
            uow.bump_catalog()
            raise RuntimeError("the request failed")

    async def work() -> None:
        with pytest.raises(RuntimeError):
            await failing()

    assert await _heard(app, work) == []
    assert ran == []
    assert bumps == []


async def test_a_rolled_back_savepoint_drops_its_work_and_keeps_the_rest(
    app: FastAPI, bumps: list[str]
) -> None:
    db = app.state.fllc.db
    ran: list[str] = []

    def note(name: str) -> Any:
        async def callback() -> None:
            ran.append(name)

        return callback

    async def refused(session: Any) -> None:
        uow = unit_of_work(session)
        async with uow.savepoint():
            session.add(Category(name="Refused"))
            await session.flush()
            uow.after_commit(note("inside"))
            uow.publish("test.refused", 2, {}, entity_type="test")
            uow.bump_catalog()
            raise LookupError("refused")

    async def work() -> None:
        async with db.transaction() as session:
            uow = unit_of_work(session)
            uow.after_commit(note("before"))
            with pytest.raises(LookupError):
                await refused(session)
            async with uow.savepoint():
                session.add(Category(name="Kept"))
                await session.flush()
                uow.publish("test.kept", 3, {}, entity_type="test")
            uow.after_commit(note("after"))

    heard = await _heard(app, work)
    assert ran == ["before", "after"]
    assert [m["type"] for m in heard] == ["test.kept"]
    assert bumps == []  # the only bump was in the rolled-back savepoint
    async with db.sessions() as session:
        names = set((await session.scalars(select(Category.name))).all())
    assert names == {"Kept"}


async def test_a_session_without_a_unit_of_work_is_refused(app: FastAPI) -> None:
    async with app.state.fllc.db.sessions() as session:
        with pytest.raises(NoUnitOfWorkError):
            unit_of_work(session)


async def test_a_write_transaction_reads_inside_itself(app: FastAPI) -> None:
    """SQLite: check-then-write is atomic. A second writer waits at its BEGIN IMMEDIATE for the
    first to commit before it reads, so it counts what the first wrote (with the driver's implicit
    transactions both read 0: reads before the first write ran outside any transaction)."""
    db = app.state.fllc.db
    if not db.sqlite:
        pytest.skip("how SQLite transactions begin; MariaDB's row locks: stock/test_concurrency.py")
    counted = asyncio.Event()
    release = asyncio.Event()
    seen: list[int] = []

    async def writer(name: str, hold: bool) -> None:
        async with db.transaction() as session:
            seen.append(int(await session.scalar(select(func.count()).select_from(Category)) or 0))
            session.add(Category(name=name))
            await session.flush()
            if hold:
                counted.set()
                await release.wait()

    first = asyncio.create_task(writer("First", hold=True))
    await counted.wait()
    second = asyncio.create_task(writer("Second", hold=False))
    await asyncio.sleep(0.2)  # time for the second to reach its read (it must be waiting instead)
    assert seen == [0]
    release.set()
    await asyncio.gather(first, second)
    assert seen == [0, 1]
