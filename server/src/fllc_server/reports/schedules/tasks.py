"""The schedules' background work: `reports.schedules`, every minute, turns due schedules into runs;
`reports.deliver` makes one run's report and mails it, retried with backoff while the mail server
fails, each attempt written to the run (the schedule's history)."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from fllc_server.infra.mail import MailConfigError, Mailer, SmtpServer
from fllc_server.infra.outside import PartnerUnavailable
from fllc_server.infra.storage import StorageError
from fllc_server.jobs.kinds import JobFailed, JobKind, JobKinds, TryAgainLater
from fllc_server.models import ReportSchedule, utcnow
from fllc_server.reports.schedules.repository import ScheduleRepository
from fllc_server.reports.schedules.schemas import report_request
from fllc_server.reports.schedules.service import DELIVER, ScheduleService
from fllc_server.reports.service import ReportFile, generate

if TYPE_CHECKING:
    from fllc_server.config import Settings
    from fllc_server.jobs.runner import JobContext
    from fllc_server.state import AppState

DUE = "reports.schedules"


async def send_due_schedules(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    slot = params.get("slot")
    now = dt.datetime.fromisoformat(slot) if isinstance(slot, str) else utcnow()
    async with context.state.db.transaction() as session:
        sent = await ScheduleService(session, context.state).send_due(now)
    return {"sent": sent}


async def deliver(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    state, run_id = context.state, int(params["run_id"])
    async with state.db.transaction() as session:
        repo = ScheduleRepository(session)
        run = await repo.run(run_id)
        schedule = await repo.get(run.schedule_id) if run else None
        if run is None or schedule is None:
            return {"skipped": "the schedule was deleted"}
        await repo.update_run(
            run_id, {"status": "sending", "attempts": context.attempt, "started_at": utcnow()}
        )
    try:
        made = await _make_and_send(state, schedule, run_id)
    except Exception as exc:
        final = isinstance(exc, JobFailed) or context.attempt >= context.max_attempts
        await _record(state, run_id, "failed" if final else "retrying", error=str(exc), done=final)
        raise
    await _record(state, run_id, "delivered", filename=made.filename, done=True)
    return {"delivered_to": list(schedule.recipients), "filename": made.filename, "size": made.size}


async def _make_and_send(state: AppState, schedule: ReportSchedule, run_id: int) -> ReportFile:
    if not state.settings.smtp_url:
        raise JobFailed("No mail server is configured: set FLLC_SMTP_URL (smtp://user:pass@host:port).")
    try:
        mailer = Mailer(SmtpServer.from_url(state.settings.smtp_url), state.outside)
        request = report_request(schedule.kind, schedule.params or {}, schedule.format)
    except MailConfigError as exc:
        raise JobFailed(str(exc)) from exc
    except ValidationError as exc:
        raise JobFailed(
            f"The schedule's report parameters are no longer valid: {exc.errors()[0]['msg']}"
        ) from exc
    key = f"reports/schedule-run-{run_id}.{request.format.value}"
    try:
        made = await generate(state, request, requested_by=f"schedule '{schedule.name}'", key=key)
        content = await _read(state, made.key)
    except StorageError as exc:
        raise TryAgainLater(f"The report could not be stored: {exc}") from exc
    try:
        await mailer.send(_message(mailer.sender, schedule, made, content))
    except PartnerUnavailable as exc:
        raise TryAgainLater(f"The mail server did not take the message: {exc}") from exc
    return made


def _message(sender: str, schedule: ReportSchedule, made: ReportFile, content: bytes) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(schedule.recipients)
    message["Subject"] = f"{schedule.name}: {made.filename}"
    message.set_content(
        f"The scheduled report '{schedule.name}' is attached ({made.filename}, {made.rows} rows).\n"
        f"Schedule: {schedule.cron} ({schedule.timezone}).\n"
    )
    maintype, _, subtype = made.content_type.partition("/")
    message.add_attachment(content, maintype=maintype, subtype=subtype, filename=made.filename)
    return message


async def _read(state: AppState, key: str) -> bytes:
    reader = await state.storage.open(key)
    try:
        return b"".join([chunk async for chunk in reader])
    finally:
        await reader.aclose()


async def _record(
    state: AppState,
    run_id: int,
    status: str,
    *,
    error: str | None = None,
    filename: str | None = None,
    done: bool,
) -> None:
    values: dict[str, Any] = {"status": status, "error": error}
    if filename:
        values["filename"] = filename
    if done:
        values["finished_at"] = utcnow()
    async with state.db.transaction() as session:
        await ScheduleRepository(session).update_run(run_id, values)


def register(kinds: JobKinds, settings: Settings) -> None:
    kinds.add(JobKind(DUE, send_due_schedules, title="Starting scheduled reports", max_attempts=2))
    kinds.every(DUE, dt.timedelta(minutes=1))
    kinds.add(
        JobKind(
            DELIVER,
            deliver,
            title="Mailing a scheduled report",
            max_attempts=4,
            backoff_seconds=settings.report_delivery_backoff_seconds,
        )
    )
