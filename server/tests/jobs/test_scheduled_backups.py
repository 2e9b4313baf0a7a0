"""Scheduled backups (both backends; the app runs its jobs in-process): the periodic job stores a
backup in the object storage once per slot, and the job's row says what it wrote."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fllc_server.app import create_app
from fllc_server.backup import verify
from fllc_server.backup.store import BackupStore
from fllc_server.config import Settings
from fllc_server.models import Job
from sqlalchemy import select


@pytest.fixture
async def backing_up(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update={"backup_every_minutes": 15}), migrate=False)
    async with LifespanManager(application):
        yield application


async def _backup_jobs(application: FastAPI) -> list[Job]:
    async with application.state.fllc.db.sessions() as session:
        return list((await session.scalars(select(Job).where(Job.kind == "backups.create"))).all())


async def test_the_scheduler_backs_up_once_per_slot_into_the_object_storage(
    backing_up: FastAPI, tmp_path: Path
) -> None:
    for _ in range(600):
        jobs = await _backup_jobs(backing_up)
        if jobs and jobs[0].status in ("succeeded", "failed"):
            break
        await asyncio.sleep(0.1)
    [job] = jobs
    assert job.status == "succeeded", job.error
    assert job.dedupe_key is not None
    assert job.dedupe_key.startswith("backups.create@")
    state = backing_up.state.fllc
    store = BackupStore.for_settings(state.settings, state.storage)
    [backup] = await store.all()
    assert job.result["key"] == backup.key == f"backups/{backup.name}"
    assert job.result["deleted"] == []
    header = verify(await store.fetch(backup, tmp_path))
    assert job.result["rows"] == header.total_rows
    assert not list(state.settings.data_dir.glob("backup-*"))  # the local copy is gone
    await asyncio.sleep(1.0)  # more ticks in the same 15-minute slot: no second backup
    assert len(await _backup_jobs(backing_up)) == 1
    assert len(await store.all()) == 1
