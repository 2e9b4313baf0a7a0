"""The inbox's group commit (inbox.intake): messages arriving together share one transaction, each
caller gets its own answer — new, a duplicate of a stored message, or a duplicate of one earlier
in the same batch — only after the commit, one handling job per new message, and a message the
database refuses fails only its own caller. Both ways of learning what was inserted are run:
RETURNING (MariaDB, SQLite) and one statement per message (MySQL's way)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fllc_server.integrations.inbox.intake import InboxIntake
from fllc_server.integrations.inbox.service import HANDLE_JOB, receive
from fllc_server.models import InboxMessage, Job
from sqlalchemy import select
from sqlalchemy.exc import StatementError

WAYS = pytest.mark.parametrize("returning", [None, False], ids=["returning", "row-by-row"])


async def _stored(app: FastAPI) -> dict[str, int]:
    async with app.state.fllc.db.sessions() as session:
        rows = await session.execute(
            select(InboxMessage.external_id, InboxMessage.id).where(InboxMessage.source == "test")
        )
        return {external_id: int(i) for external_id, i in rows.all()}


async def _handle_jobs(app: FastAPI) -> list[int]:
    async with app.state.fllc.db.sessions() as session:
        jobs = await session.scalars(select(Job).where(Job.kind == HANDLE_JOB))
        return sorted(int(j.params["message_id"]) for j in jobs)


@WAYS
async def test_concurrent_messages_share_one_transaction_and_each_gets_its_own_answer(
    app: FastAPI, returning: bool | None
) -> None:
    state = app.state.fllc
    async with state.db.transaction() as session:
        before = await receive(session, state, source="test", external_id="old", kind="k", payload={"n": 0})
    intake = InboxIntake(state, returning=returning)
    ids = ["old", *[f"m-{n}" for n in range(20)], "m-3", "m-7", "old"]
    answers = await asyncio.gather(
        *(intake.store(source="test", external_id=i, kind="k", payload={"id": i}) for i in ids)
    )
    assert intake.batches == 1  # all of them arrived while the first batch was forming
    stored = await _stored(app)
    assert sorted(stored) == sorted({"old", *ids})
    by_id: dict[str, Any] = {}
    for external_id, answer in zip(ids, answers, strict=True):
        by_id.setdefault(external_id, answer)  # the first answer of each id
    for external_id, answer in zip(ids, answers, strict=True):
        assert answer.id == stored[external_id]
    assert [a.duplicate for a in answers] == [True, *[False] * 20, True, True, True]
    assert answers[0].id == before.id
    assert by_id["m-3"].duplicate is False
    assert answers[21].id == by_id["m-3"].id  # the second m-3 of the batch: a duplicate
    # one handling job per stored message: the old one's, and one for each new message
    assert await _handle_jobs(app) == sorted(stored.values())


@WAYS
async def test_a_caller_is_answered_only_after_the_commit(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, returning: bool | None
) -> None:
    state = app.state.fllc
    happened: list[str] = []
    transaction = state.db.transaction

    intake = InboxIntake(state, returning=returning)

    @asynccontextmanager
    async def noting(**kwargs: Any) -> AsyncIterator[Any]:
        ours = asyncio.current_task() in intake._flushers  # not a handling job's
        async with transaction(**kwargs) as session:
            yield session
            if ours:
                happened.append("writing")
        if ours:
            happened.append("committed")

    monkeypatch.setattr(state.db, "transaction", noting)

    async def send(external_id: str) -> None:
        await intake.store(source="test", external_id=external_id, kind="k", payload={})
        happened.append("answered")

    await asyncio.gather(*(send(f"a-{n}") for n in range(5)))
    await send("a-0")  # a duplicate on its own: a transaction of its own, answered after it
    assert happened == ["writing", "committed", *["answered"] * 5, "writing", "committed", "answered"]


@WAYS
async def test_a_message_the_database_refuses_fails_only_its_caller(
    app: FastAPI, returning: bool | None
) -> None:
    intake = InboxIntake(app.state.fllc, returning=returning)
    payloads: list[Any] = [{"n": 1}, {"not json": {1, 2}}, {"n": 3}]
    answers = await asyncio.gather(
        *(
            intake.store(source="test", external_id=f"p-{n}", kind="k", payload=payload)
            for n, payload in enumerate(payloads)
        ),
        return_exceptions=True,
    )
    assert isinstance(answers[1], StatementError)  # what receive() alone would have raised
    assert isinstance(answers[1].orig, TypeError)
    assert not isinstance(answers[0], BaseException)
    assert not isinstance(answers[2], BaseException)
    assert not answers[0].duplicate
    assert not answers[2].duplicate
    stored = await _stored(app)
    assert sorted(stored) == ["p-0", "p-2"]
    assert await _handle_jobs(app) == sorted(stored.values())


@WAYS
async def test_overlapping_batches_store_each_message_once(app: FastAPI, returning: bool | None) -> None:
    """Messages keep arriving while batches commit, the same ids in several batches and callers:
    each message is stored once, exactly one of its callers hears it is new, all hear its id."""
    intake = InboxIntake(app.state.fllc, returning=returning)

    async def wave(delay: float, ids: range) -> list[tuple[str, Any]]:
        await asyncio.sleep(delay)
        answers = await asyncio.gather(
            *(intake.store(source="test", external_id=f"w-{n}", kind="k", payload={}) for n in ids)
        )
        return [(f"w-{n}", a) for n, a in zip(ids, answers, strict=True)]

    waves = await asyncio.gather(
        wave(0, range(40)), wave(0.005, range(20, 60)), wave(0.01, range(50, 80)), wave(0.01, range(80))
    )
    heard = [pair for one in waves for pair in one]
    stored = await _stored(app)
    assert sorted(stored) == sorted(f"w-{n}" for n in range(80))
    for external_id, answer in heard:
        assert answer.id == stored[external_id]
    new = sorted(external_id for external_id, answer in heard if not answer.duplicate)
    assert new == sorted(stored)  # once each
    assert await _handle_jobs(app) == sorted(stored.values())
