"""The rules of report schedules: written by anyone with reports.generate (a schedule is the store's,
not one person's: every manager sees and edits them all), each write audited; the scheduler's
minute job turns the due ones into runs, each a `reports.deliver` job sent after the commit."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.jobs.repository import FAILED, JobRepository
from fllc_server.jobs.service import JobService
from fllc_server.kit.errors import NotFound
from fllc_server.models import ReportSchedule, ReportScheduleRun, utcnow
from fllc_server.reports.schedules.repository import ScheduleRepository
from fllc_server.reports.schedules.schemas import RunOut, ScheduleIn, ScheduleOut, next_run

if TYPE_CHECKING:
    from fllc_server.auth.dependencies import CurrentUser
    from fllc_server.state import AppState

DELIVER = "reports.deliver"
FINAL = ("delivered", "failed")
ENTITY = "report_schedule"


def schedule_out(schedule: ReportSchedule, last: RunOut | None) -> ScheduleOut:
    return ScheduleOut(
        id=schedule.id,
        name=schedule.name,
        kind=schedule.kind,
        params=schedule.params or {},
        format=schedule.format,
        cron=schedule.cron,
        timezone=schedule.timezone,
        recipients=list(schedule.recipients or []),
        enabled=schedule.enabled,
        next_run_at=schedule.next_run_at,
        created_by=schedule.created_by,
        created_at=schedule.created_at,
        updated_at=schedule.updated_at,
        last_run=last,
    )


def _image(schedule: ReportSchedule) -> dict[str, Any]:
    return {
        "name": schedule.name,
        "kind": schedule.kind,
        "params": schedule.params,
        "format": schedule.format,
        "cron": schedule.cron,
        "timezone": schedule.timezone,
        "recipients": schedule.recipients,
        "enabled": schedule.enabled,
    }


class ScheduleService:
    def __init__(self, session: AsyncSession, state: AppState) -> None:
        self.session = session
        self.state = state
        self.repo = ScheduleRepository(session)

    async def create(self, body: ScheduleIn, user: CurrentUser) -> ScheduleOut:
        schedule = ReportSchedule(created_by=user.id, **self._values(body))
        await self.repo.add(schedule)
        await self._audit(user, schedule, "create", after=_image(schedule))
        return schedule_out(schedule, None)

    async def update(self, schedule_id: int, body: ScheduleIn, user: CurrentUser) -> ScheduleOut:
        schedule = await self._get(schedule_id, for_update=True)
        before = _image(schedule)
        for name, value in self._values(body).items():
            setattr(schedule, name, value)
        schedule.updated_at = utcnow()
        await self.session.flush()
        await self._audit(user, schedule, "update", before=before, after=_image(schedule))
        return await self.one(schedule_id)

    async def delete(self, schedule_id: int, user: CurrentUser) -> None:
        schedule = await self._get(schedule_id, for_update=True)
        before = _image(schedule)
        await self.repo.delete(schedule)
        await self._audit(user, schedule, "delete", before=before)

    async def one(self, schedule_id: int) -> ScheduleOut:
        schedule = await self._get(schedule_id)
        last = await self._last_runs([schedule.id])
        return schedule_out(schedule, last.get(schedule.id))

    async def listing(self, offset: int, limit: int) -> tuple[list[ScheduleOut], int]:
        rows, total = await self.repo.page(offset, limit)
        last = await self._last_runs([row.id for row in rows])
        return [schedule_out(row, last.get(row.id)) for row in rows], total

    async def history(self, schedule_id: int, offset: int, limit: int) -> tuple[list[RunOut], int]:
        await self._get(schedule_id)
        runs, total = await self.repo.runs(schedule_id, offset, limit)
        return [await self._run_out(run) for run in runs], total

    async def _last_runs(self, schedule_ids: list[int]) -> dict[int, RunOut]:
        last = await self.repo.last_runs(schedule_ids)
        return {schedule_id: await self._run_out(run) for schedule_id, run in last.items()}

    async def _run_out(self, run: ReportScheduleRun) -> RunOut:
        """The run as it stands; one still open whose job failed without the handler saying so (its
        worker died on the last attempt, and the scheduler gave up on it) is shown failed, with why."""
        out = RunOut.model_validate(run)
        if run.status in FINAL or run.job_id is None:
            return out
        job = await JobRepository(self.session).get(run.job_id)
        if job is None or job.status != FAILED:
            return out
        return out.model_copy(update={"status": "failed", "error": job.error, "finished_at": job.finished_at})

    async def send_due(self, now: dt.datetime) -> int:
        """Each due schedule gets a run and its delivery job; its next run is worked out from now
        (a scheduler that was down for a week sends one run, not seven)."""
        jobs = JobService(self.session, self.state)
        sent = 0
        for schedule in await self.repo.due(now):
            assert schedule.next_run_at is not None
            slot = schedule.next_run_at
            run = await self.repo.add_run(ReportScheduleRun(schedule_id=schedule.id, scheduled_for=slot))
            run.job_id = await jobs.submit_once(
                DELIVER, {"run_id": run.id}, f"schedule:{schedule.id}@{slot.isoformat()}"
            )
            schedule.next_run_at = next_run(schedule.cron, schedule.timezone, max(now, slot))
            sent += 1
        await self.session.flush()
        return sent

    def _values(self, body: ScheduleIn) -> dict[str, Any]:
        values = body.model_dump(mode="json")
        values["next_run_at"] = next_run(body.cron, body.timezone, utcnow()) if body.enabled else None
        return values

    async def _get(self, schedule_id: int, *, for_update: bool = False) -> ReportSchedule:
        schedule = await self.repo.get(schedule_id, for_update=for_update)
        if schedule is None:
            raise NotFound(f"No report schedule {schedule_id}", code="report_schedule_not_found")
        return schedule

    async def _audit(self, user: CurrentUser, schedule: ReportSchedule, action: str, **images: Any) -> None:
        await audit.record(
            self.session,
            actor_id=user.id,
            action=f"{ENTITY}.{action}",
            entity_type=ENTITY,
            entity_id=schedule.id,
            **images,
        )
