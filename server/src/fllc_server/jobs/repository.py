"""Every query of the jobs table. Claims and results are conditional updates: the row decides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import Job

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
JOBS = cast(Table, Job.__table__)  # Core statements: no ORM bookkeeping per row


class JobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, job: Job) -> Job:
        self.session.add(job)
        await self.session.flush()
        return job

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert these jobs (every column given); their ids. One statement where the database
        returns what it inserted (MariaDB, SQLite), one per row otherwise (MySQL)."""
        if not rows:
            return []
        if self.session.get_bind().dialect.insert_returning:
            result = await self.session.execute(insert(JOBS).returning(JOBS.c.id), list(rows))
            return [int(job_id) for job_id in result.scalars()]
        jobs = [Job(**row) for row in rows]
        self.session.add_all(jobs)
        await self.session.flush()
        return [int(job.id) for job in jobs]

    async def add_once(self, values: dict[str, Any]) -> int | None:
        """Insert unless a job with the same dedupe_key exists; the new id, or None."""
        taken = await self.session.scalar(select(Job.id).where(Job.dedupe_key == values["dedupe_key"]))
        if taken is not None:  # the usual case for a periodic slot: no insert, no duplicate-key warning
            return None
        if self.session.get_bind().dialect.name == "sqlite":
            statement: Any = sqlite_insert(Job).values(**values).on_conflict_do_nothing()
        else:
            statement = mysql_insert(Job).values(**values).prefix_with("IGNORE")
        result = await self.session.execute(statement)
        return int(result.inserted_primary_key[0]) if result.rowcount else None  # type: ignore[attr-defined]

    async def get(self, job_id: int) -> Job | None:
        return await self.session.get(Job, job_id, populate_existing=True)

    async def list_for(self, kinds: Sequence[str], user_id: int | None, offset: int, limit: int) -> list[Job]:
        query = select(Job).where(Job.kind.in_(kinds)).order_by(Job.id.desc()).offset(offset).limit(limit)
        if user_id is not None:
            query = query.where(Job.requested_by == user_id)
        return list((await self.session.scalars(query)).all())

    async def count_for(self, kinds: Sequence[str], user_id: int | None) -> int:
        query = select(func.count()).select_from(Job).where(Job.kind.in_(kinds))
        if user_id is not None:
            query = query.where(Job.requested_by == user_id)
        return int(await self.session.scalar(query) or 0)

    async def claim(self, job_id: int, owner: str, now: dt.datetime, lease_until: dt.datetime) -> bool:
        """Take the job: queued and due, or running under a lease that ran out (its worker died)."""
        claimable = or_(
            and_(Job.status == QUEUED, Job.run_after <= now),
            and_(Job.status == RUNNING, Job.lease_until < now),
        )
        result = await self.session.execute(
            update(Job)
            .where(Job.id == job_id, claimable, Job.attempts < Job.max_attempts)
            .values(
                status=RUNNING,
                lease_owner=owner,
                lease_until=lease_until,
                attempts=Job.attempts + 1,
                started_at=now,
                error=None,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def renew(self, job_id: int, owner: str, lease_until: dt.datetime, progress: int | None) -> bool:
        values: dict[str, Any] = {"lease_until": lease_until}
        if progress is not None:
            values["progress"] = progress
        return await self._as_holder(job_id, owner, values)

    async def finish(self, job_id: int, owner: str, values: dict[str, Any]) -> bool:
        """Write the outcome only while holding the lease: one result, however many ran it."""
        return await self._as_holder(job_id, owner, {**values, "lease_owner": None, "lease_until": None})

    async def _as_holder(self, job_id: int, owner: str, values: dict[str, Any]) -> bool:
        result = await self.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == RUNNING, Job.lease_owner == owner)
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def to_dispatch(self, now: dt.datetime, stale: dt.datetime, limit: int = 500) -> list[int]:
        """Jobs that need (re)sending: due and not sent since `stale`, or running on a lapsed lease."""
        waiting = and_(
            Job.status == QUEUED,
            Job.run_after <= now,
            or_(Job.dispatched_at.is_(None), Job.dispatched_at < stale),
        )
        lapsed = and_(Job.status == RUNNING, Job.lease_until < now)
        query = select(Job.id).where(or_(waiting, lapsed)).order_by(Job.id).limit(limit)
        return [int(job_id) for job_id in (await self.session.scalars(query)).all()]

    async def give_up_lapsed(self, now: dt.datetime) -> list[int]:
        """Running jobs whose lease lapsed on their last allowed attempt: they fail for good."""
        query = select(Job.id).where(
            Job.status == RUNNING, Job.lease_until < now, Job.attempts >= Job.max_attempts
        )
        return [int(job_id) for job_id in (await self.session.scalars(query)).all()]

    async def fail_lapsed(self, job_id: int, now: dt.datetime, error: str) -> bool:
        result = await self.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == RUNNING, Job.lease_until < now)
            .values(status=FAILED, error=error, finished_at=now, lease_owner=None, lease_until=None)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def prune(
        self, cutoff: dt.datetime, keep: int, *, periodic_cutoff: dt.datetime | None = None
    ) -> int:
        """Delete jobs finished before `cutoff` (but never `keep`, the pruning job itself), and the
        successful runs of periodic jobs (those with a slot's `dedupe_key`) finished before
        `periodic_cutoff`: a job run every minute would otherwise keep 1,440 rows a day for the whole
        retention. A slot that old is never sent again, so its key is not needed; failed runs stay
        for the full retention, for whoever looks into why."""
        result = await self.session.execute(
            delete(Job).where(Job.status.in_((SUCCEEDED, FAILED)), Job.finished_at < cutoff, Job.id != keep)
        )
        deleted = int(result.rowcount)  # type: ignore[attr-defined]
        if periodic_cutoff is not None:
            result = await self.session.execute(
                delete(Job).where(
                    Job.status == SUCCEEDED,
                    Job.dedupe_key.is_not(None),
                    Job.finished_at < periodic_cutoff,
                    Job.id != keep,
                )
            )
            deleted += int(result.rowcount)  # type: ignore[attr-defined]
        return deleted

    async def mark_dispatched(self, job_ids: Sequence[int], now: dt.datetime) -> None:
        if job_ids:
            await self.session.execute(update(Job).where(Job.id.in_(job_ids)).values(dispatched_at=now))
