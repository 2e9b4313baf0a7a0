"""The reports' background work: `reports.generate` makes one report file (a job per request);
`reports.prune`, periodic, deletes report files older than FLLC_REPORT_RETENTION_DAYS; and
`stock.snapshot`, periodic, stores the day's closing stock balances (reports.snapshots) so a
valuation as of a past date reads a snapshot plus the log since it, not the whole log."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from fllc_server.infra.storage import StorageError
from fllc_server.jobs.kinds import JobFailed, JobKind, JobKinds, TryAgainLater
from fllc_server.reports.render import Format
from fllc_server.reports.repository import ReportRepository
from fllc_server.reports.schemas import AnyReportRequest, ReportRequest
from fllc_server.reports.service import generate
from fllc_server.reports.snapshots import snapshot_cut, take_snapshot

if TYPE_CHECKING:
    from fllc_server.jobs.runner import JobContext

GENERATE = "reports.generate"
PRUNE = "reports.prune"
SNAPSHOT = "stock.snapshot"
PREFIX = "reports/"
_requests: TypeAdapter[AnyReportRequest] = TypeAdapter(ReportRequest)


def report_key(job_id: int, fmt: Format) -> str:
    """One key per job: a job run again after its worker died writes over its own file, never beside it."""
    return f"{PREFIX}{job_id}.{fmt.value}"


async def generate_report(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    state = context.state
    try:
        request = _requests.validate_python(params)
    except ValidationError as exc:  # validated when asked for; only a server older than the row gets here
        raise JobFailed(f"The report's parameters are no longer valid: {exc.errors()[0]['msg']}") from exc
    await context.progress(5)
    async with state.db.replica_sessions() as session:
        who = await ReportRepository(session).user_names()
    now = dt.datetime.now(dt.UTC)
    requested_by = who.get(context.requested_by, "system") if context.requested_by else "schedule"
    try:
        made = await generate(
            state, request, requested_by=requested_by, key=report_key(context.job_id, request.format), now=now
        )
    except StorageError as exc:
        raise TryAgainLater(f"The report could not be stored: {exc}") from exc
    expires = now + dt.timedelta(days=state.settings.report_retention_days)
    return {
        "key": made.key,
        "filename": made.filename,
        "content_type": made.content_type,
        "size": made.size,
        "rows": made.rows,
        "expires_at": expires.isoformat(),
    }


async def prune_reports(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    state = context.state
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=state.settings.report_retention_days)
    deleted = []
    for stored in await state.storage.list(PREFIX):
        if stored.modified_at < cutoff:
            await state.storage.delete(stored.key)
            deleted.append(stored.key)
    return {"deleted": len(deleted)}


async def snapshot_balances(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """The closing balances at the last settled midnight before the slot (its run time otherwise);
    hourly slots make it daily, the hours after the first finding it taken already."""
    slot = params.get("slot")
    now = dt.datetime.fromisoformat(slot) if isinstance(slot, str) else dt.datetime.now(dt.UTC)
    cut = snapshot_cut(now)
    async with context.state.db.transaction() as session:
        stored = await take_snapshot(session, cut)
    return {"taken_at": cut.isoformat(), "rows": stored, "taken_already": stored is None}


def register(kinds: JobKinds) -> None:
    kinds.add(JobKind(GENERATE, generate_report, title="Report", max_attempts=3, backoff_seconds=5))
    kinds.add(JobKind(PRUNE, prune_reports, title="Deleting old report files", max_attempts=2))
    kinds.every(PRUNE, dt.timedelta(hours=6))
    kinds.add(JobKind(SNAPSHOT, snapshot_balances, title="Daily stock balance snapshot", max_attempts=3))
    kinds.every(SNAPSHOT, dt.timedelta(hours=1))
