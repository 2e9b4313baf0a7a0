"""run_command: one op_id is applied once; a retry replays the first result; a different request or
another user under the same op_id is refused. Over a real session on each backend."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from fllc_server.kit.commands import CommandOutcome, DuplicateCommand, payload_hash, run_command
from fllc_server.kit.errors import Conflict
from fllc_server.models import AppliedOp, Category
from sqlalchemy import func, select


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


async def _run(app: FastAPI, *, op_id: str | None, user_id: int, payload: Any,
               name: str = "Fasteners", status_code: int = 201) -> tuple[CommandOutcome, int]:
    async with app.state.fllc.db.transaction() as session:
        effect = Effect(session, name)
        outcome = await run_command(session, op_id=op_id, user_id=user_id, kind="category.create",
                                    payload=payload, effect=effect, status_code=status_code)
    return outcome, effect.calls


async def _count(app: FastAPI, model: type) -> int:
    async with app.state.fllc.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


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
            await run_command(session, op_id="op-0004-dddd", user_id=user_id, kind="category.create",
                              payload={"name": "Fasteners"}, effect=failing)
    assert await _count(app, AppliedOp) == 0
    outcome, calls = await _run(app, op_id="op-0004-dddd", user_id=user_id, payload={"name": "Fasteners"})
    assert calls == 1
    assert outcome.replayed is False


async def test_the_payload_hash_ignores_key_order(app: FastAPI, user_id: int) -> None:
    await _run(app, op_id="op-0005-eeee", user_id=user_id, payload={"name": "Tape", "parent_id": None})
    again, calls = await _run(app, op_id="op-0005-eeee", user_id=user_id,
                              payload={"parent_id": None, "name": "Tape"})
    assert calls == 0
    assert again.replayed


async def test_a_concurrent_duplicate_waits_for_the_first_and_then_is_refused_as_duplicate(
    app: FastAPI, user_id: int
) -> None:
    db = app.state.fllc.db
    first_applied = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with db.transaction() as session:
            await run_command(session, op_id="op-0006-ffff", user_id=user_id, kind="category.create",
                              payload={"name": "Fasteners"}, effect=Effect(session))
            first_applied.set()
            await release.wait()

    async def second() -> None:
        await first_applied.wait()
        async with db.transaction() as session:
            await run_command(session, op_id="op-0006-ffff", user_id=user_id, kind="category.create",
                              payload={"name": "Fasteners"}, effect=Effect(session))

    first_task = asyncio.create_task(first())
    second_task = asyncio.create_task(second())
    await first_applied.wait()
    await asyncio.sleep(0.2)  # let the second reach the unique key and block on it
    release.set()
    await first_task
    with pytest.raises(DuplicateCommand) as caught:
        await second_task
    assert caught.value.op_id == "op-0006-ffff"
    assert caught.value.request_hash == payload_hash("category.create", {"name": "Fasteners"})
    assert await _count(app, Category) == 1
