"""/api/v1/report-schedules: reports mailed on a schedule, and each schedule's history of runs.
All need reports.generate."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status

from fllc_server.auth.dependencies import ReportsGenerate
from fllc_server.kit.deps import SessionDep, get_state
from fllc_server.kit.pagination import Page, PageDep
from fllc_server.kit.strict import PathId
from fllc_server.reports.schedules.schemas import RunOut, ScheduleIn, ScheduleOut
from fllc_server.reports.schedules.service import ScheduleService

router = APIRouter(prefix="/api/v1/report-schedules", tags=["reports"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such schedule"}}


@router.post("", response_model=ScheduleOut, status_code=status.HTTP_201_CREATED)
async def create_schedule(
    body: ScheduleIn, request: Request, session: SessionDep, user: ReportsGenerate
) -> ScheduleOut:
    """Mail a report on a schedule: e.g. `{"name": "Monday low stock", "kind": "low_stock",
    "format": "xlsx", "cron": "0 7 * * 1", "timezone": "Europe/London", "recipients": [...]}`."""
    return await ScheduleService(session, get_state(request)).create(body, user)


@router.get("", response_model=Page[ScheduleOut])
async def list_schedules(
    request: Request, session: SessionDep, user: ReportsGenerate, page: PageDep
) -> Page[ScheduleOut]:
    rows, total = await ScheduleService(session, get_state(request)).listing(page.offset, page.per_page)
    return Page(data=rows, meta=page.meta(total))


@router.get("/{schedule_id}", response_model=ScheduleOut, responses=_NOT_FOUND)
async def get_schedule(
    schedule_id: PathId, request: Request, session: SessionDep, user: ReportsGenerate
) -> ScheduleOut:
    return await ScheduleService(session, get_state(request)).one(schedule_id)


@router.put("/{schedule_id}", response_model=ScheduleOut, responses=_NOT_FOUND)
async def update_schedule(
    schedule_id: PathId, body: ScheduleIn, request: Request, session: SessionDep, user: ReportsGenerate
) -> ScheduleOut:
    """Replace the schedule (its next run is worked out again from now)."""
    return await ScheduleService(session, get_state(request)).update(schedule_id, body, user)


@router.delete("/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_NOT_FOUND)
async def delete_schedule(
    schedule_id: PathId, request: Request, session: SessionDep, user: ReportsGenerate
) -> Response:
    await ScheduleService(session, get_state(request)).delete(schedule_id, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{schedule_id}/runs", response_model=Page[RunOut], responses=_NOT_FOUND)
async def schedule_history(
    schedule_id: PathId, request: Request, session: SessionDep, user: ReportsGenerate, page: PageDep
) -> Page[RunOut]:
    """Each run, newest first: when it was due, its status (queued, sending, retrying with the
    last error, delivered, failed with the reason), attempts and the file sent."""
    rows, total = await ScheduleService(session, get_state(request)).history(
        schedule_id, page.offset, page.per_page
    )
    return Page(data=rows, meta=page.meta(total))
