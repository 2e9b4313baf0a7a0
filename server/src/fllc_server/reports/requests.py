"""Reports as people ask for them: each is a `reports.generate` job; its row says where it is and,
once done, which file in object storage holds it. The rules of who sees what live here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.auth.permissions import Permission
from fllc_server.infra.storage import ObjectNotFound
from fllc_server.jobs.repository import JobRepository
from fllc_server.jobs.service import JobService
from fllc_server.kit.errors import AppError, Conflict, NotFound
from fllc_server.models import Job
from fllc_server.reports.schemas import AnyReportRequest, ReportFileOut, ReportOut
from fllc_server.reports.tasks import GENERATE

if TYPE_CHECKING:
    from fllc_server.auth.dependencies import CurrentUser
    from fllc_server.state import AppState


class Gone(AppError):  # noqa: N818 — named for the HTTP answer
    status_code = 410
    code = "gone"


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    size: int
    chunks: AsyncIterator[bytes]


def report_out(job: Job) -> ReportOut:
    asked: dict[str, Any] = job.params or {}
    result: dict[str, Any] = job.result or {}
    done = job.status == "succeeded" and "key" in result
    return ReportOut(
        id=job.id,
        kind=asked["kind"],
        params=asked.get("params") or {},
        format=asked["format"],
        status=job.status,
        progress=job.progress,
        error=job.error,
        requested_by=job.requested_by,
        created_at=job.created_at,
        finished_at=job.finished_at,
        file=ReportFileOut.model_validate(result) if done else None,
        download_url=f"/api/v1/reports/{job.id}/download" if done else None,
    )


class ReportRequests:
    def __init__(self, session: AsyncSession, state: AppState) -> None:
        self.session = session
        self.state = state
        self.jobs = JobRepository(session)

    async def submit(self, request: AnyReportRequest, user: CurrentUser) -> ReportOut:
        job = await JobService(self.session, self.state).submit(
            GENERATE, request.model_dump(mode="json"), requested_by=user.id
        )
        return report_out(await self.jobs.get(job.id) or job)

    async def listing(self, user: CurrentUser, offset: int, limit: int) -> tuple[list[ReportOut], int]:
        owner = None if user.can(Permission.USERS_MANAGE) else user.id
        rows = await self.jobs.list_for([GENERATE], owner, offset, limit)
        return [report_out(job) for job in rows], await self.jobs.count_for([GENERATE], owner)

    async def _job(self, report_id: int, user: CurrentUser) -> Job:
        job = await self.jobs.get(report_id)
        if (
            job is None
            or job.kind != GENERATE
            or not (job.requested_by == user.id or user.can(Permission.USERS_MANAGE))
        ):
            raise NotFound(f"No report {report_id}", code="report_not_found")
        return job

    async def one(self, report_id: int, user: CurrentUser) -> ReportOut:
        return report_out(await self._job(report_id, user))

    async def open(self, report_id: int, user: CurrentUser) -> Download:
        job = await self._job(report_id, user)
        report = report_out(job)
        if report.file is None:
            if report.status == "failed":
                raise Conflict(f"Report {report_id} failed: {report.error}", code="report_failed")
            raise Conflict(
                f"Report {report_id} is {report.status}; download it once it succeeded",
                code="report_not_ready",
            )
        key = str((job.result or {})["key"])
        try:
            reader = await self.state.storage.open(key)
        except ObjectNotFound:
            raise Gone(
                f"Report {report_id}'s file was deleted after "
                f"{self.state.settings.report_retention_days} days; generate it again",
                code="report_expired",
            ) from None
        return Download(report.file.filename, report.file.content_type, reader.info.size, _stream(reader))


async def _stream(reader: Any) -> AsyncIterator[bytes]:
    try:
        async for chunk in reader:
            yield chunk
    finally:
        await reader.aclose()
