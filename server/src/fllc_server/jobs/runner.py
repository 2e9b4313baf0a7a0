"""Running one job: claim its row with a lease, heartbeat while the handler works, write the outcome
only while the lease is still ours. A worker killed mid-job leaves a lease that runs out; the
scheduler sends the job again and another worker claims it, so it finishes once."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import uuid
from typing import TYPE_CHECKING, Any

from fllc_server.jobs.events import job_event_data, publish_job_event
from fllc_server.jobs.kinds import JobFailed, JobKind, JobKinds, TryAgainLater
from fllc_server.jobs.repository import FAILED, QUEUED, SUCCEEDED, JobRepository
from fllc_server.models import Job, utcnow
from fllc_server.observability.logging import get_logger
from fllc_server.observability.tracing import job_outcome, running_job

if TYPE_CHECKING:
    from fllc_server.state import AppState

log = logging.getLogger("fllc.jobs")
attempts_log = get_logger("fllc.jobs")  # one line per attempt; with tracing on it names the trace


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseLost(Exception):  # noqa: N818 — what happened
    """Another worker took the job over (our lease ran out): stop, write nothing."""


class JobContext:
    """What a handler gets: the app, its job's id and who asked, and a way to report progress."""

    def __init__(self, state: AppState, job: Job, owner: str) -> None:
        self.state = state
        self.job_id = job.id
        self.requested_by = job.requested_by
        self.attempt = job.attempts
        self.max_attempts = job.max_attempts  # attempt == max_attempts: the last try
        self._owner = owner
        self._progress: int | None = None
        self._last_sent = -1

    async def progress(self, percent: float) -> None:
        """Record progress 0-100 (kept in the row at the next heartbeat; an event when it moves)."""
        value = max(0, min(100, int(percent)))
        self._progress = value
        if value != self._last_sent:
            self._last_sent = value
            await self.heartbeat()

    async def heartbeat(self) -> None:
        lease = self.state.settings.jobs_lease_seconds
        async with self.state.db.transaction() as session:
            held = await JobRepository(session).renew(
                self.job_id, self._owner, utcnow() + dt.timedelta(seconds=lease), self._progress
            )
        if not held:
            raise LeaseLost(f"job {self.job_id} was taken over")
        if self._progress is not None:
            data = {"id": self.job_id, "status": "running", "progress": self._progress}
            await publish_job_event(
                self.state.events, "job.progress", {**data, "requested_by": self.requested_by}
            )


class JobRunner:
    def __init__(self, state: AppState, kinds: JobKinds) -> None:
        self.state = state
        self.kinds = kinds
        self.owner = worker_name()

    async def run(self, job_id: int) -> None:
        """Run the job if it can be claimed; a job already done or held elsewhere is left alone."""
        job = await self._claim(job_id)
        if job is None:
            return
        with running_job(self.state, job) as span:  # tracing on: this attempt's span, current
            await self._attempt(job, span)

    async def _attempt(self, job: Job, span: Any) -> None:
        kind = self.kinds.get(job.kind)
        context = JobContext(self.state, job, self.owner)
        beat = asyncio.create_task(self._heartbeat(context))
        try:
            outcome = await self._outcome(kind, context, job)
        except LeaseLost:
            log.warning("job %s: lease lost, another worker has it", job.id)
            job_outcome(span, "lease_lost")
            return
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError, LeaseLost, Exception):
                await beat
        job_outcome(span, outcome["status"], outcome.get("error"))
        await self._finish(job, outcome)
        # a periodic job's success (an EDI poll, the report schedules: every minute) is routine: DEBUG
        routine = job.dedupe_key is not None and outcome["status"] == SUCCEEDED
        (attempts_log.debug if routine else attempts_log.info)(
            "job attempt finished",
            job_id=job.id,
            kind=job.kind,
            attempt=job.attempts,
            outcome=outcome["status"],
            error=outcome.get("error"),
        )

    async def _claim(self, job_id: int) -> Job | None:
        now = utcnow()
        lease_until = now + dt.timedelta(seconds=self.state.settings.jobs_lease_seconds)
        async with self.state.db.transaction() as session:
            jobs = JobRepository(session)
            if not await jobs.claim(job_id, self.owner, now, lease_until):
                return None
            return await jobs.get(job_id)

    async def _heartbeat(self, context: JobContext) -> None:
        interval = self.state.settings.jobs_lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            await context.heartbeat()

    async def _outcome(self, kind: JobKind | None, context: JobContext, job: Job) -> dict[str, Any]:
        """The row's new values: succeeded with a result, queued again later, or failed with a reason."""
        now = utcnow
        if kind is None:
            return _failed(f"This server does not know jobs of kind '{job.kind}'; update the server.")
        try:
            result = await kind.handler(context, dict(job.params or {}))
        except (LeaseLost, asyncio.CancelledError):
            raise
        except JobFailed as exc:
            return _failed(str(exc))
        except TryAgainLater as exc:
            return self._retry_or_fail(kind, job, str(exc))
        except Exception as exc:  # a bug or an outage: retried, then reported
            log.exception("job %s (%s) attempt %s failed", job.id, job.kind, job.attempts)
            return self._retry_or_fail(kind, job, f"{type(exc).__name__}: {exc}")
        return {"status": SUCCEEDED, "progress": 100, "result": result or {}, "finished_at": now()}

    @staticmethod
    def _retry_or_fail(kind: JobKind, job: Job, reason: str) -> dict[str, Any]:
        if job.attempts < job.max_attempts:
            run_after = kind.retry_at(job.attempts, utcnow())
            return {
                "status": QUEUED,
                "error": f"Attempt {job.attempts} failed: {reason}",
                "run_after": run_after,
            }
        return _failed(
            f"{kind.title} failed {job.attempts} times; the last error was: {reason}. "
            "Try again later; if it keeps failing, tell your administrator."
        )

    async def _finish(self, job: Job, values: dict[str, Any]) -> None:
        async with self.state.db.transaction() as session:
            jobs = JobRepository(session)
            if not await jobs.finish(job.id, self.owner, values):
                log.warning("job %s: finished after its lease was taken over; result dropped", job.id)
                return
            row = await jobs.get(job.id)
        if row is not None and row.status != QUEUED:
            self.state.metrics.job_finished(row.kind, failed=row.status == FAILED)
            await publish_job_event(self.state.events, "job.done", job_event_data(row))


def _failed(reason: str) -> dict[str, Any]:
    return {"status": FAILED, "error": reason, "finished_at": utcnow()}
