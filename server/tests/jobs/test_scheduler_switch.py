"""The scheduler runs by default (development and production alike); `FLLC_JOBS_SCHEDULER=false`
keeps a process from scheduling, which the test settings use for every test that does not ask for
the scheduler (server/tests/conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fllc_server.app import create_app
from fllc_server.config import Settings
from fllc_server.jobs.service import JobService
from fllc_server.models import Job
from sqlalchemy import select

STRONG = "Zq3vK9pW2mX7tR4yB8nL6cF1hJ5sD0gA-uE_oIeQ"


def test_every_environment_schedules_unless_told_not_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLLC_JOBS_SCHEDULER", raising=False)
    assert Settings(environment="production", secret_key=STRONG).jobs_scheduler is True
    assert Settings(environment="development").jobs_scheduler is True
    monkeypatch.setenv("FLLC_JOBS_SCHEDULER", "false")
    assert Settings(environment="production", secret_key=STRONG).jobs_scheduler is False


async def _app(settings: Settings, *, scheduler: bool) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update={"jobs_scheduler": scheduler}), migrate=False)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def scheduling(settings: Settings) -> AsyncIterator[FastAPI]:
    async for application in _app(settings, scheduler=True):
        yield application


@pytest.fixture
async def not_scheduling(settings: Settings) -> AsyncIterator[FastAPI]:
    async for application in _app(settings, scheduler=False):
        yield application


async def _jobs(application: FastAPI) -> list[Job]:
    async with application.state.fllc.db.sessions() as session:
        return list((await session.scalars(select(Job))).all())


async def test_a_scheduling_app_sends_every_periodic_job_at_start(scheduling: FastAPI) -> None:
    periodic = {p.kind for p in scheduling.state.fllc.job_kinds.periodic}
    assert {"jobs.prune", "stock.snapshot", "reports.schedules"} <= periodic
    for _ in range(300):
        sent = {job.kind for job in await _jobs(scheduling) if job.dedupe_key}
        if sent >= periodic:
            break
        await asyncio.sleep(0.1)
    assert sent == periodic


async def test_an_app_told_not_to_schedule_sends_no_periodic_job_but_runs_jobs(
    not_scheduling: FastAPI,
) -> None:
    state = not_scheduling.state.fllc
    async with state.db.transaction() as session:
        job_id = (await JobService(session, state).submit("test.count", {"steps": 1}, None)).id
    for _ in range(300):
        [job] = [job for job in await _jobs(not_scheduling) if job.id == job_id]
        if job.status in ("succeeded", "failed"):
            break
        await asyncio.sleep(0.1)
    assert job.status == "succeeded", job.error
    await asyncio.sleep(0.5)  # past two ticks of the test pace (0.2 s) had the scheduler run
    assert [job.kind for job in await _jobs(not_scheduling) if job.dedupe_key] == []
