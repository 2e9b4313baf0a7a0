"""The jobs domain's own background work: pruning finished jobs past their retention."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from fllc_server.jobs.kinds import JobKind, JobKinds
from fllc_server.jobs.repository import JobRepository
from fllc_server.models import utcnow

if TYPE_CHECKING:
    from fllc_server.jobs.runner import JobContext


PERIODIC_RUNS_KEPT = dt.timedelta(days=1)  # a day of a periodic job's successful runs stays visible


async def prune_jobs(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Finished jobs older than `FLLC_JOBS_RETENTION_DAYS` go, and periodic jobs' successful runs
    after `PERIODIC_RUNS_KEPT` (the minute jobs: EDI polls, report schedules)."""
    now = utcnow()
    cutoff = now - dt.timedelta(days=context.state.settings.jobs_retention_days)
    async with context.state.db.transaction() as session:
        deleted = await JobRepository(session).prune(
            cutoff, keep=context.job_id, periodic_cutoff=now - PERIODIC_RUNS_KEPT
        )
    return {"deleted": deleted}


def register(kinds: JobKinds) -> None:
    kinds.add(JobKind("jobs.prune", prune_jobs, title="Pruning old jobs", max_attempts=2))
