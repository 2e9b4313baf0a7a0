"""Every query of the report schedules and their runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import ReportSchedule, ReportScheduleRun


class ScheduleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, schedule: ReportSchedule) -> ReportSchedule:
        self.session.add(schedule)
        await self.session.flush()
        return schedule

    async def get(self, schedule_id: int, *, for_update: bool = False) -> ReportSchedule | None:
        return await self.session.get(
            ReportSchedule, schedule_id, with_for_update=for_update, populate_existing=True
        )

    async def delete(self, schedule: ReportSchedule) -> None:
        await self.session.execute(
            delete(ReportScheduleRun).where(ReportScheduleRun.schedule_id == schedule.id)
        )
        await self.session.delete(schedule)
        await self.session.flush()

    async def page(self, offset: int, limit: int) -> tuple[list[ReportSchedule], int]:
        rows = await self.session.scalars(
            select(ReportSchedule).order_by(ReportSchedule.id).offset(offset).limit(limit)
        )
        total = await self.session.scalar(select(func.count()).select_from(ReportSchedule))
        return list(rows.all()), int(total or 0)

    async def due(self, now: dt.datetime) -> list[ReportSchedule]:
        """Enabled schedules whose next run has come, locked until the caller commits."""
        query = (
            select(ReportSchedule)
            .where(ReportSchedule.enabled.is_(True), ReportSchedule.next_run_at <= now)
            .order_by(ReportSchedule.id)
            .with_for_update()
        )
        return list((await self.session.scalars(query)).all())

    # -- runs ------------------------------------------------------------------------------------

    async def add_run(self, run: ReportScheduleRun) -> ReportScheduleRun:
        self.session.add(run)
        await self.session.flush()
        return run

    async def run(self, run_id: int) -> ReportScheduleRun | None:
        return await self.session.get(ReportScheduleRun, run_id, populate_existing=True)

    async def update_run(self, run_id: int, values: dict[str, Any]) -> None:
        run = await self.run(run_id)
        if run is not None:
            for name, value in values.items():
                setattr(run, name, value)
            await self.session.flush()

    async def runs(self, schedule_id: int, offset: int, limit: int) -> tuple[list[ReportScheduleRun], int]:
        where = ReportScheduleRun.schedule_id == schedule_id
        rows = await self.session.scalars(
            select(ReportScheduleRun)
            .where(where)
            .order_by(ReportScheduleRun.id.desc())
            .offset(offset)
            .limit(limit)
        )
        total = await self.session.scalar(select(func.count()).select_from(ReportScheduleRun).where(where))
        return list(rows.all()), int(total or 0)

    async def last_runs(self, schedule_ids: list[int]) -> dict[int, ReportScheduleRun]:
        if not schedule_ids:
            return {}
        newest = (
            select(func.max(ReportScheduleRun.id))
            .where(ReportScheduleRun.schedule_id.in_(schedule_ids))
            .group_by(ReportScheduleRun.schedule_id)
        )
        rows = await self.session.scalars(select(ReportScheduleRun).where(ReportScheduleRun.id.in_(newest)))
        return {run.schedule_id: run for run in rows.all()}
