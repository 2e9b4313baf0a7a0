"""run_command: one op_id is applied once; a retry replays the first result; a different request or
another user under the same op_id is refused. Over a real session on each backend."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fllc_server.kit.commands import CommandOutcome, run_command
from fllc_server.kit.db import Database
from fllc_server.kit.errors import Conflict
from fllc_server.models import AppliedOp, Category
from sqlalchemy import event, func, select, text


class Effect:
    """A real write (a category row) that counts how often it ran."""

    def __init__(self, session: Any, name: str = "Fasteners") -> None:
        self.session = session
        self.name = name
        self.calls = 0

    async def __call__(self) -> dict[str, Any]:
        self.calls += 1
        category = Category(name=self.name)
        self.session.add(category)
        await self.session.flush()
        return {"id": category.id, "name": category.name}


async def _run(
    app: FastAPI,
    *,
    op_id: str | None,
    user_id: int,
    payload: Any,
    name: str = "Fasteners",
    status_code: int = 201,
) -> tuple[CommandOutcome, int]:
    async with app.state.fllc.db.transaction() as session:
        effect = Effect(session, name)
        outcome = await run_command(
            session,
            op_id=op_id,
            user_id=user_id,
            kind="category.create",
            payload=payload,
            effect=effect,
            status_code=status_code,
        )
    return outcome, effect.calls


async def _count(app: FastAPI, model: type) -> int:
    async with app.state.fllc.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


class _Begins:
    """Counts the write transactions `db` begins on SQLite (its BEGIN IMMEDIATEs) while installed."""

    def __init__(self) -> None:
        self.count = 0
        self.second = asyncio.Event()

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            self.count += 1
            if self.count >= 2:
                self.second.set()


@contextlib.contextmanager
def _counting_begins(db: Database) -> Iterator[_Begins]:
    begins = _Begins()
    event.listen(db.engine.sync_engine, "before_cursor_execute", begins)
    try:
        yield begins
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", begins)


async def _until_the_second_waits(db: Database, begins: _Begins) -> None:
    """Until the second transaction waits for the first, which holds its op_id's record.

    MariaDB: a connection to this database is running its INSERT of the op's record (the first's
    is done, so it is the second's, and it cannot finish before the first ends). SQLite reports no
    waiters, but the first holds the one write lock until it is released, so the second waits from
    the moment its BEGIN IMMEDIATE is sent (the first's was the first)."""
    async with asyncio.timeout(10):
        if db.sqlite:
            await begins.second.wait()
            return
        for _ in range(1000):
            if await _inserting_the_record(db):
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the second transaction never reached the op's record")


async def _inserting_the_record(db: Database) -> bool:
    # PROCESSLIST, not INNODB_TRX: MariaDB refreshes INNODB_TRX only when it was last read more
    # than 0.1 s ago, so polling it faster never sees the lock wait.
    query = text(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE()"
        " AND COMMAND = 'Query' AND INFO LIKE 'INSERT IGNORE INTO applied_ops%'"
    )
    async with db.sessions() as session:
        return bool(await session.scalar(query))


@pytest.fixture
async def user_id(make_user) -> int:
    user = await make_user("manager")
    return int(user["id"])


async def test_a_retried_op_is_applied_once_and_replays_the_first_result(app: FastAPI, user_id: int) -> None:
    first, calls = await _run(app, op_id="op-0001-aaaa", user_id=user_id, payload={"name": "Fasteners"})
    assert calls == 1
    assert first.replayed is False
    assert first.status_code == 201
    again, calls = await _run(app, op_id="op-0001-aaaa", user_id=user_id, payload={"name": "Fasteners"})
    assert calls == 0
    assert again.replayed is True
    assert again.result == first.result
    assert again.status_code == 201
    assert again.response().headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.response().headers
    assert await _count(app, Category) == 1
    assert await _count(app, AppliedOp) == 1


async def test_without_an_op_id_every_call_applies(app: FastAPI, user_id: int) -> None:
    for _ in range(2):
        _, calls = await _run(app, op_id=None, user_id=user_id, payload={"name": "Fasteners"})
        assert calls == 1
    assert await _count(app, Category) == 2
    assert await _count(app, AppliedOp) == 0


async def test_the_same_key_for_a_different_request_is_a_conflict(app: FastAPI, user_id: int) -> None:
    await _run(app, op_id="op-0002-bbbb", user_id=user_id, payload={"name": "Fasteners"})
    with pytest.raises(Conflict) as caught:
        await _run(app, op_id="op-0002-bbbb", user_id=user_id, payload={"name": "Adhesives"})
    assert caught.value.code == "idempotency_key_reused"
    assert await _count(app, Category) == 1


async def test_another_users_op_id_is_refused(app: FastAPI, user_id: int, make_user) -> None:
    other = await make_user("manager")
    await _run(app, op_id="op-0003-cccc", user_id=user_id, payload={"name": "Fasteners"})
    with pytest.raises(Conflict) as caught:
        await _run(app, op_id="op-0003-cccc", user_id=int(other["id"]), payload={"name": "Fasteners"})
    assert caught.value.code == "op_owner_mismatch"


async def test_a_failed_effect_leaves_no_record_so_a_retry_applies(app: FastAPI, user_id: int) -> None:
    async def failing() -> None:
        raise Conflict("not now", code="busy")

    with pytest.raises(Conflict):
        async with app.state.fllc.db.transaction() as session:
            await run_command(
                session,
                op_id="op-0004-dddd",
                user_id=user_id,
                kind="category.create",
                payload={"name": "Fasteners"},
                effect=failing,
            )
    assert await _count(app, AppliedOp) == 0
    outcome, calls = await _run(app, op_id="op-0004-dddd", user_id=user_id, payload={"name": "Fasteners"})
    assert calls == 1
    assert outcome.replayed is False


async def test_the_payload_hash_ignores_key_order(app: FastAPI, user_id: int) -> None:
    await _run(app, op_id="op-0005-eeee", user_id=user_id, payload={"name": "Tape", "parent_id": None})
    again, calls = await _run(
        app, op_id="op-0005-eeee", user_id=user_id, payload={"parent_id": None, "name": "Tape"}
    )
    assert calls == 0
    assert again.replayed


async def test_a_concurrent_duplicate_waits_for_the_first_and_then_replays_its_result(
    app: FastAPI, user_id: int
) -> None:
    db = app.state.fllc.db
    first_applied = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with db.transaction() as session:
            await run_command(
                session,
                op_id="op-0006-ffff",
                user_id=user_id,
                kind="category.create",
                payload={"name": "Fasteners"},
                effect=Effect(session),
            )
            first_applied.set()
            await release.wait()

    async def second() -> CommandOutcome:
        await first_applied.wait()
        async with db.transaction() as session:
            return await run_command(
                session,
                op_id="op-0006-ffff",
                user_id=user_id,
                kind="category.create",
                payload={"name": "Fasteners"},
                effect=Effect(session),
            )

    with _counting_begins(db) as begins:
        first_task = asyncio.create_task(first())
        second_task = asyncio.create_task(second())
        await first_applied.wait()
        await _until_the_second_waits(db, begins)
    release.set()
    await first_task
    # The second waited for the first to commit (MariaDB: on the unique key; SQLite: at its
    # BEGIN IMMEDIATE), then replayed the first's result; its own effect never ran.
    outcome = await second_task
    assert outcome.replayed
    assert outcome.result["name"] == "Fasteners"
    assert await _count(app, Category) == 1


@pytest.mark.parametrize(
    ("payload", "other_user", "code"),
    [({"name": "Tape"}, False, "idempotency_key_reused"), ({"name": "Fasteners"}, True, "op_owner_mismatch")],
)
async def test_a_concurrent_duplicate_of_a_different_request_is_refused_after_waiting(
    app: FastAPI, user_id: int, make_user, payload, other_user, code
) -> None:
    db = app.state.fllc.db
    second_user = int((await make_user("staff"))["id"]) if other_user else user_id
    first_applied = asyncio.Event()
    release = asyncio.Event()
    effect_calls: list[int] = []

    async def first() -> None:
        async with db.transaction() as session:
            await run_command(
                session,
                op_id="op-0007-gggg",
                user_id=user_id,
                kind="category.create",
                payload={"name": "Fasteners"},
                effect=Effect(session),
            )
            first_applied.set()
            await release.wait()

    async def second() -> None:
        await first_applied.wait()
        async with db.transaction() as session:
            effect = Effect(session, "Second")
            try:
                await run_command(
                    session,
                    op_id="op-0007-gggg",
                    user_id=second_user,
                    kind="category.create",
                    payload=payload,
                    effect=effect,
                )
            finally:
                effect_calls.append(effect.calls)

    with _counting_begins(db) as begins:
        first_task = asyncio.create_task(first())
        second_task = asyncio.create_task(second())
        await first_applied.wait()
        await _until_the_second_waits(db, begins)
    release.set()
    await first_task
    with pytest.raises(Conflict) as caught:
        await second_task
    assert caught.value.code == code
    assert effect_calls == [0]
    assert await _count(app, Category) == 1
