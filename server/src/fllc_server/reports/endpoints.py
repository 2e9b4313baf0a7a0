"""/api/v1/reports: ask for a report (202 with its job), list yours (an admin's: everyone's), follow
one, download its file (streamed from object storage). All need reports.generate."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import StreamingResponse

from fllc_server.auth.dependencies import ReportsGenerate
from fllc_server.kit.deps import SessionDep, get_state
from fllc_server.kit.pagination import Page, PageDep
from fllc_server.kit.strict import PathId
from fllc_server.reports.render import CONTENT_TYPES
from fllc_server.reports.requests import ReportRequests
from fllc_server.reports.schemas import ReportOut, ReportRequest

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such report of yours"}}
_FILE_TYPES: dict[str, dict[str, Any]] = {content_type: {} for content_type in CONTENT_TYPES.values()}


@router.post("", response_model=ReportOut, status_code=status.HTTP_202_ACCEPTED)
async def request_report(
    body: ReportRequest, request: Request, session: SessionDep, user: ReportsGenerate
) -> ReportOut:
    """Queue a report. `kind` picks the report and the schema of `params` (each kind's parameters
    are documented with its request schema); `format` is pdf, csv or xlsx. The answer is the report's
    job: follow it with GET /api/v1/reports/{id} or the `job.progress` / `job.done` events."""
    return await ReportRequests(session, get_state(request)).submit(body, user)


@router.get("", response_model=Page[ReportOut])
async def list_reports(
    request: Request, session: SessionDep, user: ReportsGenerate, page: PageDep
) -> Page[ReportOut]:
    """Your reports, newest first (an admin sees everyone's)."""
    rows, total = await ReportRequests(session, get_state(request)).listing(user, page.offset, page.per_page)
    return Page(data=rows, meta=page.meta(total))


@router.get("/{report_id}", response_model=ReportOut, responses=_NOT_FOUND)
async def get_report(
    report_id: PathId, request: Request, session: SessionDep, user: ReportsGenerate
) -> ReportOut:
    return await ReportRequests(session, get_state(request)).one(report_id, user)


@router.get(
    "/{report_id}/download",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The file",
            "content": {
                "application/pdf": {},
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            },
        },
        **_NOT_FOUND,
        409: {"description": "Not ready yet (queued or running) or failed"},
        410: {"description": "Deleted after the retention period"},
    },
)
async def download_report(
    report_id: PathId, request: Request, session: SessionDep, user: ReportsGenerate
) -> StreamingResponse:
    download = await ReportRequests(session, get_state(request)).open(report_id, user)
    return StreamingResponse(
        download.chunks,
        media_type=download.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{download.filename}"',
            "Content-Length": str(download.size),
        },
    )
