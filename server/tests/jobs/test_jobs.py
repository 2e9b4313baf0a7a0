"""Jobs (both backends; on MariaDB + Redis the app consumes the Redis queue in-process): a job
leaves only after its request commits, runs once with progress, and ends with a result or a reason."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fllc_server.app import create_app
from fllc_server.config import Settings
from fllc_server.jobs.service import JobService
from fllc_server.kit.uow import unit_of_work
from fllc_server.models import Job
from fllc_server.observability.logging import configure_logging
from sqlalchemy import func, select


async def _submit(app: FastAPI, kind: str, params: dict[str, Any], user_id: int | None = None) -> int:
    state = app.state.fllc
    async with state.db.transaction() as session:
        job = await JobService(session, state).submit(kind, params, user_id)
        return job.id


async def _until_done(client: httpx.AsyncClient, job_id: int, headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(300):
        response = await client.get(f"/api/v1/jobs/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] in ("succeeded", "failed"):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {body}")


async def test_a_job_runs_after_commit_and_its_requester_reads_the_result(
    app, client, make_user, login
) -> None:
    user = await make_user("manager")
    headers = {"Authorization": f"Bearer {(await login(user['username']))['access_token']}"}
    job_id = await _submit(app, "test.count", {"steps": 3}, int(user["id"]))
    body = await _until_done(client, job_id, headers)
    assert body["status"] == "succeeded"
    assert body["progress"] == 100
    assert body["attempts"] == 1
    assert body["result"]["counted"] == 3
    assert body["requested_by"] == user["id"]


async def test_another_users_job_is_not_found_but_an_admin_sees_it(app, client, make_user, login) -> None:
    owner = await make_user("manager")
    job_id = await _submit(app, "test.count", {"steps": 1}, int(owner["id"]))
    other = await make_user("manager")
    other_headers = {"Authorization": f"Bearer {(await login(other['username']))['access_token']}"}
    assert (await client.get(f"/api/v1/jobs/{job_id}", headers=other_headers)).status_code == 404
    admin = await make_user("admin")
    admin_headers = {"Authorization": f"Bearer {(await login(admin['username']))['access_token']}"}
    assert (await _until_done(client, job_id, admin_headers))["status"] == "succeeded"


async def test_a_rolled_back_request_sends_nothing(app) -> None:
    state = app.state.fllc
    state.job_kinds.periodic.clear()  # only this test's job may be sent
    await asyncio.sleep(0.5)
    sent: list[int] = []
    real_send = state.job_queue.send

    async def spy(job_id: int) -> None:
        sent.append(job_id)
        await real_send(job_id)

    state.job_queue.send = spy
    try:
        async with state.db.transaction() as session:
            await JobService(session, state).submit("test.count", {"steps": 1}, None)
            raise RuntimeError("the request failed after submitting")
    except RuntimeError:
        pass
    await asyncio.sleep(0.3)
    assert sent == []
    async with state.db.sessions() as session:
        assert (
            await session.scalar(select(func.count()).select_from(Job).where(Job.kind == "test.count")) == 0
        )


async def test_a_job_submitted_in_a_rolled_back_savepoint_is_never_sent(app) -> None:
    """The unit of work (kit.uow) drops what a failed savepoint registered: the job submitted inside
    it is gone with its row and never sent; the one submitted beside it is sent after the commit."""
    state = app.state.fllc
    state.job_kinds.periodic.clear()
    await asyncio.sleep(0.5)
    sent: list[int] = []
    real_send = state.job_queue.send

    async def spy(job_id: int) -> None:
        sent.append(job_id)
        await real_send(job_id)

    state.job_queue.send = spy
    async with state.db.transaction() as session:
        kept = await JobService(session, state).submit("test.count", {"steps": 1}, None)
        with contextlib.suppress(RuntimeError):
            async with unit_of_work(session).savepoint():
                await JobService(session, state).submit("test.count", {"steps": 1}, None)
                raise RuntimeError("this part of the request failed")
        assert sent == []  # nothing leaves before the commit
    await asyncio.sleep(0.3)
    assert sent == [kept.id]
    async with state.db.sessions() as session:
        ids = (await session.scalars(select(Job.id).where(Job.kind == "test.count"))).all()
    assert list(ids) == [kept.id]


async def test_a_job_that_cannot_succeed_fails_at_once_with_its_reason(app, client, auth_headers) -> None:
    headers = await auth_headers("admin")
    job_id = await _submit(app, "test.refuse", {}, None)
    body = await _until_done(client, job_id, headers)
    assert body["status"] == "failed"
    assert body["attempts"] == 1
    assert "add one on the Suppliers screen" in body["error"]


async def test_a_failing_job_is_retried_with_backoff_then_says_why(app, client, auth_headers) -> None:
    headers = await auth_headers("admin")
    job_id = await _submit(app, "test.count", {"steps": "many"}, None)  # int("many") fails every time
    body = await _until_done(client, job_id, headers)
    assert body["status"] == "failed"
    assert body["attempts"] == 3
    assert body["error"].startswith("Counting failed 3 times; the last error was: ValueError")


async def test_a_periodic_job_is_sent_once_per_slot(app) -> None:
    state = app.state.fllc
    async with state.db.sessions() as session:
        for _ in range(50):
            count = await session.scalar(
                select(func.count()).select_from(Job).where(Job.kind == "jobs.prune")
            )
            if count:
                break
            await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # several more ticks within the same hourly slot
    async with state.db.sessions() as session:
        rows = (await session.scalars(select(Job).where(Job.kind == "jobs.prune"))).all()
    assert len(rows) == 1
    assert rows[0].dedupe_key is not None
    assert rows[0].dedupe_key.startswith("jobs.prune@")


async def test_a_passing_trouble_is_retried_with_growing_backoff_then_succeeds(app) -> None:
    """test.flaky raises TryAgainLater on its first two attempts (backoff 0.3 s, doubling): while it
    waits, the row says which attempt failed and why, and it runs again no sooner than its backoff."""
    state = app.state.fllc
    job_id = await _submit(app, "test.flaky", {"failures": 2}, None)
    waits: dict[int, tuple[float, str]] = {}  # attempt -> (run_after - started_at, error)
    for _ in range(3000):
        async with state.db.sessions() as session:
            job = await session.get(Job, job_id)
        assert job is not None
        if job.status == "queued" and job.attempts and job.started_at is not None:
            waits[job.attempts] = ((job.run_after - job.started_at).total_seconds(), job.error or "")
        if job.status in ("succeeded", "failed"):
            break
        await asyncio.sleep(0.02)
    assert job.status == "succeeded", job.error
    assert job.attempts == 3
    assert job.result == {"attempt": 3}
    assert job.error is None
    assert sorted(waits) == [1, 2]
    assert waits[1][1] == "Attempt 1 failed: The mail server did not answer."
    assert waits[2][1] == "Attempt 2 failed: The mail server did not answer."
    assert waits[1][0] >= 0.3  # backoff * 2**0
    assert waits[2][0] >= 0.6  # backoff * 2**1


async def test_pruning_keeps_a_day_of_periodic_successes_and_failures_for_the_whole_retention(app) -> None:
    """A job run every minute (EDI polls, report schedules) must not keep 1,440 rows a day for the
    whole retention: its successful runs go after a day; its failures, and one-off jobs, stay."""
    from fllc_server.jobs.repository import JobRepository
    from fllc_server.models import utcnow

    state = app.state.fllc
    now = utcnow()
    two_days, two_hours = now - dt.timedelta(days=2), now - dt.timedelta(hours=2)
    rows = {
        "old periodic success": ("succeeded", "test.tick@1", two_days),
        "recent periodic success": ("succeeded", "test.tick@2", two_hours),
        "old periodic failure": ("failed", "test.tick@3", two_days),
        "old one-off success": ("succeeded", None, two_days),
        "ancient one-off": ("succeeded", None, now - dt.timedelta(days=200)),
    }
    ids: dict[str, int] = {}
    async with state.db.transaction() as session:
        for name, (status, key, finished) in rows.items():
            job = Job(kind="test.tick", params={}, status=status, dedupe_key=key, finished_at=finished)
            session.add(job)
            await session.flush()
            ids[name] = job.id
    async with state.db.transaction() as session:
        deleted = await JobRepository(session).prune(
            now - dt.timedelta(days=90), keep=0, periodic_cutoff=now - dt.timedelta(days=1)
        )
    assert deleted == 2
    async with state.db.sessions() as session:
        left = set((await session.scalars(select(Job.id).where(Job.kind == "test.tick"))).all())
    assert left == {ids["recent periodic success"], ids["old periodic failure"], ids["old one-off success"]}


@pytest.fixture
async def logging_info(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app at the log level `dev.py start` and production run at (INFO)."""
    application = create_app(settings.model_copy(update={"log_level": "INFO"}), migrate=False)
    try:
        async with LifespanManager(application):
            yield application
    finally:
        configure_logging(settings.log_level, settings.log_json)


async def test_a_periodic_jobs_success_is_not_logged_at_info_a_one_off_job_is(logging_info, capsys) -> None:
    """The minute-by-minute runs (EDI polls, report schedules) would fill a user's console: their
    successes are DEBUG; every other attempt (a one-off job, a failure) stays INFO."""
    state = logging_info.state.fllc
    job_id = await _submit(logging_info, "test.count", {"steps": 1})
    for _ in range(300):
        async with state.db.sessions() as session:
            rows = (await session.scalars(select(Job))).all()
        done = {(row.kind, row.dedupe_key is not None) for row in rows if row.status == "succeeded"}
        if {("test.count", False), ("jobs.prune", True)} <= done:
            break
        await asyncio.sleep(0.05)
    assert {("test.count", False), ("jobs.prune", True)} <= done
    lines = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    attempts = [x for x in lines if x.get("event") == "job attempt finished"]
    assert [(x["job_id"], x["level"]) for x in attempts if x["kind"] == "test.count"] == [(job_id, "info")]
    assert [x for x in attempts if x["kind"] == "jobs.prune"] == []
