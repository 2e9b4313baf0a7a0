"""The scheduler: one per deployment, however many server and worker processes run it.

Every process runs the loop; each tick, only the holder of the scheduler lease (a Redis key, or
in-process on the embedded default) acts:
- periodic jobs: one job per slot, inserted with a unique `dedupe_key` (so even two schedulers in
  a lease hand-over cannot send a slot twice);
- retries: a job queued again with backoff is sent when its `run_after` comes;
- rescue: a job whose worker died (its lease ran out) or whose message was lost is sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import TYPE_CHECKING

from fllc_server.jobs.events import job_event_data, publish_job_event
from fllc_server.jobs.repository import JobRepository
from fllc_server.jobs.runner import worker_name
from fllc_server.jobs.service import JobService
from fllc_server.models import utcnow

if TYPE_CHECKING:
    from fllc_server.infra.jobs import Lease
    from fllc_server.state import AppState

log = logging.getLogger("fllc.jobs")
STOP_PATIENCE = 1.0  # seconds stop() waits for the loop to end


class Scheduler:
    def __init__(self, state: AppState, lease: Lease) -> None:
        self.state = state
        self.lease = lease
        self.owner = worker_name()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.ticks_led = 0  # ticks this process acted as the scheduler

    def start(self) -> None:
        if self._task is None:
            self._stopping = asyncio.Event()
            self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Stop at once: the loop is told by an event as well as cancelled, because a library deep in
        a tick (a database driver) may swallow the cancellation; the loop then ends at its next check
        instead of sleeping out the tick."""
        if self._task is not None:
            self._stopping.set()
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=STOP_PATIENCE)  # bounded: a stuck tick is left
            self._task = None
            with contextlib.suppress(Exception):
                await self.lease.release(self.owner)

    async def _loop(self) -> None:
        tick = self.state.settings.jobs_tick_seconds
        while not self._stopping.is_set():
            try:
                if await self.lease.hold(self.owner, tick * 3):
                    self.ticks_led += 1
                    await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database or Redis away for a moment: try again next tick
                log.exception("scheduler tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), tick)

    async def tick(self, now: dt.datetime | None = None) -> None:
        now = now or utcnow()
        await self._send_periodic(now)
        await self._fail_exhausted(now)
        await self._dispatch(now)

    async def _send_periodic(self, now: dt.datetime) -> None:
        for periodic in self.state.job_kinds.periodic:
            if self._stopping.is_set():  # a cancellation swallowed by a driver: no more work
                return
            slot = periodic.slot(now)
            async with self.state.db.transaction() as session:
                await JobService(session, self.state).submit_once(
                    periodic.kind,
                    {**periodic.params, "slot": slot.isoformat(), "scheduled_by": self.owner},
                    f"{periodic.kind}@{slot.isoformat()}",
                )

    async def _fail_exhausted(self, now: dt.datetime) -> None:
        reason = (
            "The worker running this job stopped responding on its last allowed attempt. "
            "Check that the worker processes are running and have enough memory, then try again."
        )
        failed = []
        async with self.state.db.transaction() as session:
            jobs = JobRepository(session)
            for job_id in await jobs.give_up_lapsed(now):
                if await jobs.fail_lapsed(job_id, now, reason) and (row := await jobs.get(job_id)):
                    failed.append(job_event_data(row))
        for data in failed:
            await publish_job_event(self.state.events, "job.done", data)

    async def _dispatch(self, now: dt.datetime) -> None:
        stale = now - dt.timedelta(seconds=self.state.settings.jobs_lease_seconds * 2)
        async with self.state.db.transaction() as session:
            jobs = JobRepository(session)
            due = await jobs.to_dispatch(now, stale)
            await jobs.mark_dispatched(due, now)
        for job_id in due:
            await self.state.job_queue.send(job_id)
