"""Job processes for real: `fllc-server worker` and `fllc-server scheduler` processes on the test's
MariaDB and Redis. A worker killed with SIGKILL mid-job: the job runs again on the other worker and
finishes once; a worker paused past its lease and resumed writes nothing over the result of the one
that took over; two schedulers: one leads, the other takes over when it dies, no slot twice.

They need the shared MariaDB + Redis backend (workers share a queue); without it they skip, and
under CI=true they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from fllc_server.config import Settings
from fllc_server.jobs.service import JobService
from fllc_server.models import Job
from fllc_server.state import AppState
from fllc_server.testing import JobProcess, ServerProcess
from sqlalchemy import select

HERE = Path(__file__).parent
SECRET = "test-secret-" + "x" * 40
LEASE = 2.0
TICK = 0.2
PATIENCE = 120  # seconds a test waits for what must happen (never an assertion on speed)


@pytest.fixture
def site(backend: Any, settings: Settings, tmp_path: Path) -> ServerProcess:
    """The configuration the job processes share: the test's emptied database and Redis."""
    if backend.name != "mariadb":
        if os.environ.get("CI", "").lower() in ("1", "true", "yes") and not os.environ.get(
            "FLLC_TEST_REDIS_URL"
        ):
            pytest.fail("CI: job processes need FLLC_TEST_DATABASE_URL and FLLC_TEST_REDIS_URL")
        pytest.skip("job processes share a Redis queue: they run on the MariaDB + Redis backend")
    return ServerProcess(
        tmp_path / "site",
        SECRET,
        database_url=backend.database_url,
        redis_url=backend.redis_url,
        extra_env={
            "PYTHONPATH": str(HERE),
            "FLLC_JOB_MODULES": "job_kinds",
            "FLLC_JOBS_LEASE_SECONDS": str(LEASE),
            "FLLC_JOBS_TICK_SECONDS": str(TICK),
        },
    )


@pytest.fixture
def processes() -> Iterator[list[JobProcess]]:
    """The job processes a test started, stopped afterwards; their logs are printed (pytest shows
    them when the test failed)."""
    started: list[JobProcess] = []
    yield started
    for process in started:
        print(
            f"--- {process.name} (pid {process.process and process.process.pid}):\n{process.log_tail(6000)}"
        )
        process.stop()


def _start(site: ServerProcess, processes: list[JobProcess], name: str, *command: str) -> JobProcess:
    process = JobProcess(site, name, command or ("worker",))
    process.start()
    processes.append(process)
    return process


@pytest.fixture
async def state(settings: Settings) -> AsyncIterator[AppState]:
    """This test's own view of the site: it submits jobs and reads their rows (it runs none)."""
    app_state = AppState.build(settings)
    await app_state.job_queue.start()
    yield app_state
    await app_state.job_queue.stop()
    await app_state.close()


async def _submit(state: AppState, kind: str, params: dict[str, Any]) -> int:
    async with state.db.transaction() as session:
        return (await JobService(session, state).submit(kind, params, None)).id


async def _row(state: AppState, job_id: int) -> Job:
    async with state.db.sessions() as session:
        job = await session.get(Job, job_id)
        assert job is not None
        return job


async def _until(state: AppState, job_id: int, what: str, check: Any) -> Job:
    for _ in range(int(PATIENCE / 0.1)):
        job = await _row(state, job_id)
        if check(job):
            return job
        await asyncio.sleep(0.1)
    seen = {c.name: getattr(job, c.key) for c in Job.__mapper__.columns}
    raise AssertionError(f"job {job_id}: never {what}; last seen {seen}")


def _pid(owner: str | None) -> int:
    assert owner is not None
    return int(owner.split(":")[1])  # jobs.runner.worker_name: host:pid:random


def _gave_up(worker: JobProcess) -> bool:
    """jobs.runner's words for a worker that found another holding its job."""
    log = worker.log_tail(20_000)
    return "lease lost" in log or "result dropped" in log


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


async def test_a_worker_killed_mid_job_the_job_runs_again_elsewhere_and_finishes_once(
    site: ServerProcess, processes: list[JobProcess], state: AppState, tmp_path: Path
) -> None:
    workers = {w.pid: w for w in (_start(site, processes, f"worker-{n}") for n in range(2))}
    folder = tmp_path / "record"
    folder.mkdir()
    job_id = await _submit(state, "test.record", {"folder": str(folder), "steps": 20, "pause": 0.25})

    running = await _until(state, job_id, "started", lambda j: j.status == "running" and j.progress > 0)
    victim = workers[_pid(running.lease_owner)]
    [survivor] = [w for pid, w in workers.items() if pid != victim.pid]
    victim.kill()

    done = await _until(state, job_id, "finished", lambda j: j.status in ("succeeded", "failed"))
    assert done.status == "succeeded", done.error
    assert done.attempts == 2
    assert done.result == {"pid": survivor.pid, "attempt": 2}
    assert done.lease_owner is None
    assert _lines(folder / "starts") == [f"{job_id} {victim.pid} 1", f"{job_id} {survivor.pid} 2"]
    assert _lines(folder / "finishes") == [f"{job_id} {survivor.pid} 2"]  # once: never two, never lost
    await asyncio.sleep(LEASE * 2)  # the queue's redeliveries of the id change nothing now
    again = await _row(state, job_id)
    assert (again.status, again.attempts, again.result) == ("succeeded", 2, done.result)
    assert _lines(folder / "finishes") == [f"{job_id} {survivor.pid} 2"]


async def test_a_worker_paused_past_its_lease_writes_nothing_over_the_result_of_the_one_that_took_over(
    site: ServerProcess, processes: list[JobProcess], state: AppState, tmp_path: Path
) -> None:
    workers = {w.pid: w for w in (_start(site, processes, f"worker-{n}") for n in range(2))}
    folder = tmp_path / "record"
    folder.mkdir()
    job_id = await _submit(state, "test.record", {"folder": str(folder), "steps": 12, "pause": 0.25})

    running = await _until(state, job_id, "started", lambda j: j.status == "running" and j.progress > 0)
    paused = workers[_pid(running.lease_owner)]
    [other] = [w for pid, w in workers.items() if pid != paused.pid]
    paused.signal(signal.SIGSTOP)
    try:
        done = await _until(state, job_id, "finished", lambda j: j.status == "succeeded")
    finally:
        paused.signal(signal.SIGCONT)
    assert done.result == {"pid": other.pid, "attempt": 2}
    for _ in range(int(PATIENCE / 0.1)):  # the resumed worker finds its lease gone and stops
        if _gave_up(paused):
            break
        await asyncio.sleep(0.1)
    assert _gave_up(paused), paused.log_tail()
    after = await _row(state, job_id)
    assert (after.status, after.attempts, after.result) == ("succeeded", 2, done.result)
    assert f"{job_id} {paused.pid} 1" not in _lines(folder / "finishes")


async def _ticks(state: AppState) -> list[Job]:
    async with state.db.sessions() as session:
        query = select(Job).where(Job.kind == "test.tick").order_by(Job.id)
        return list((await session.scalars(query)).all())


async def test_two_scheduler_processes_one_leads_and_the_other_takes_over_when_it_dies(
    site: ServerProcess, processes: list[JobProcess], state: AppState
) -> None:
    site.extra_env["FLLC_JOB_MODULES"] = "job_kinds,periodic_kinds"  # test.tick every 2 s
    schedulers = [_start(site, processes, f"scheduler-{n}", "scheduler") for n in range(2)]
    by_pid = {s.pid: s for s in schedulers}

    for _ in range(int(PATIENCE / 0.1)):  # three slots with both running
        if len(ticks := await _ticks(state)) >= 3:
            break
        await asyncio.sleep(0.1)
    leaders = {_pid(job.params["scheduled_by"]) for job in ticks}
    assert len(leaders) == 1, ticks  # one scheduler acted, the other waited
    [leader] = leaders
    by_pid[leader].kill()
    [follower] = [pid for pid in by_pid if pid != leader]

    seen = len(await _ticks(state))  # the dead leader's last rows included
    for _ in range(int(PATIENCE / 0.1)):
        ticks = await _ticks(state)
        if any(_pid(job.params["scheduled_by"]) == follower for job in ticks[seen:]):
            break
        await asyncio.sleep(0.1)
    assert {_pid(job.params["scheduled_by"]) for job in ticks[seen:]} == {follower}
    slots = [job.params["slot"] for job in ticks]
    assert len(slots) == len(set(slots))  # no slot twice, across the hand-over too
    assert all(job.dedupe_key == f"test.tick@{job.params['slot']}" for job in ticks)
