"""Submitting jobs: the row is written in the caller's transaction; its id is handed to the queue by
the transaction's unit of work (kit.uow) after the commit - never after a rollback, nor when the
savepoint it was submitted in rolls back."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.auth.permissions import Permission
from fllc_server.jobs.repository import JobRepository
from fllc_server.kit.errors import NotFound
from fllc_server.kit.uow import unit_of_work
from fllc_server.models import Job, utcnow
from fllc_server.observability.tracing import sending_job

if TYPE_CHECKING:
    from fllc_server.auth.dependencies import CurrentUser
    from fllc_server.state import AppState


log = logging.getLogger("fllc.jobs")


class JobService:
    def __init__(self, session: AsyncSession, state: AppState) -> None:
        self.session = session
        self.state = state
        self.jobs = JobRepository(session)

    async def submit(self, kind: str, params: dict[str, Any], requested_by: int | None) -> Job:
        """A queued job; it leaves for a worker once the surrounding transaction commits (a rolled
        back request sends nothing, and its row is gone with it)."""
        registered = self.state.job_kinds.get(kind)
        if registered is None:
            raise ValueError(f"unknown job kind {kind!r}")
        with sending_job(self.state, kind) as sending:
            job = await self.jobs.add(
                Job(
                    kind=kind,
                    params=params,
                    requested_by=requested_by,
                    max_attempts=registered.max_attempts,
                    dispatched_at=utcnow(),
                    traceparent=sending.traceparent,
                )
            )
            sending.sent(job.id)
        self.send_after_commit(job.id)
        return job

    async def submit_many(self, kind: str, params: Sequence[dict[str, Any]]) -> list[int]:
        """One job of `kind` per params, like `submit` (no requester), written in one statement and
        handed to the queue together after the commit; their ids."""
        registered = self.state.job_kinds.get(kind)
        if registered is None:
            raise ValueError(f"unknown job kind {kind!r}")
        if not params:
            return []
        now = utcnow()
        with sending_job(self.state, kind) as sending:
            job_ids = await self.jobs.add_many(
                [
                    {
                        "kind": kind,
                        "params": one,
                        "requested_by": None,
                        "status": "queued",
                        "progress": 0,
                        "attempts": 0,
                        "max_attempts": registered.max_attempts,
                        "run_after": now,
                        "dispatched_at": now,
                        "created_at": now,
                        "traceparent": sending.traceparent,
                    }
                    for one in params
                ]
            )
            sending.sent(job_ids[0])
        queue = self.state.job_queue

        async def send() -> None:
            try:
                await queue.send_many(job_ids)
            except Exception:  # Redis away: the rows are committed, the scheduler sends them again
                log.warning(
                    "jobs %s..: sending failed; the scheduler sends them again", job_ids[0], exc_info=True
                )

        unit_of_work(self.session).after_commit(send)
        return job_ids

    async def submit_once(self, kind: str, params: dict[str, Any], dedupe_key: str) -> int | None:
        """Like submit, but at most one job per `dedupe_key` ever (a periodic job's slot)."""
        registered = self.state.job_kinds.get(kind)
        if registered is None:
            raise ValueError(f"unknown job kind {kind!r}")
        now = utcnow()
        with sending_job(self.state, kind) as sending:
            job_id = await self.jobs.add_once(
                {
                    "kind": kind,
                    "params": params,
                    "status": "queued",
                    "progress": 0,
                    "attempts": 0,
                    "max_attempts": registered.max_attempts,
                    "dedupe_key": dedupe_key,
                    "run_after": now,
                    "dispatched_at": now,
                    "created_at": now,
                    "traceparent": sending.traceparent,
                }
            )
            sending.sent(job_id)
        if job_id is not None:
            self.send_after_commit(job_id)
        return job_id

    def send_after_commit(self, job_id: int) -> None:
        queue = self.state.job_queue

        async def send() -> None:
            try:
                await queue.send(job_id)
            except Exception:  # Redis away: the row is committed, the scheduler sends it again
                log.warning("job %s: sending failed; the scheduler sends it again", job_id, exc_info=True)

        unit_of_work(self.session).after_commit(send)  # a rolled-back request or savepoint: never

    async def visible(self, job_id: int, user: CurrentUser) -> Job:
        """The job, if it is the caller's or the caller is an admin (404 for another user's job)."""
        job = await self.jobs.get(job_id)
        if job is None or not (job.requested_by == user.id or user.can(Permission.USERS_MANAGE)):
            raise NotFound(f"No job {job_id}", code="job_not_found")
        return job
