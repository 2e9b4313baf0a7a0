"""Scheduled reports, on both backends: the API (create, list, edit, delete; bad cron, addresses,
time zones and parameters are 400s with the uniform body; staff and viewers get 403), and delivery
by the job scheduler through a real SMTP server process (aiosmtpd, started here as `python -m
aiosmtpd` with its Maildir handler): the mail arrives with the report attached, the XLSX opened and
read; with the mail server down the delivery is retried with backoff, then shown failed in the
schedule's history."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import io
import mailbox
import socket
import subprocess
import sys
import time
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from fllc_server.config import Settings
from fllc_server.jobs.service import JobService
from fllc_server.models import Job, ReportScheduleRun
from fllc_server.reports.schedules.service import ScheduleService
from fllc_server.reports.schedules.tasks import DUE
from fllc_server.testing import free_port
from sqlalchemy import select, update

from ..conftest import AuthHeaders
from .conftest import Golden

SMTP_PORT = free_port()  # the mail server's; it is started only by the tests that need it up


@pytest.fixture(scope="module")
def smtp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """aiosmtpd in a process of its own, storing what it receives in a Maildir (yielded)."""
    maildir = tmp_path_factory.mktemp("mail") / "Maildir"
    log = (maildir.parent / "aiosmtpd.log").open("wb")
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{SMTP_PORT}"]
    command += ["-c", "aiosmtpd.handlers.Mailbox", str(maildir)]
    process = subprocess.Popen(command, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", SMTP_PORT), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"aiosmtpd did not start (exit {process.poll()})")
                time.sleep(0.1)
        yield maildir
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "jobs_in_process": True,
            "jobs_scheduler": True,
            "jobs_tick_seconds": 0.2,
            "jobs_lease_seconds": 1.0,  # a retry is sent again once its last sending is 2 leases old
            "smtp_url": f"smtp://127.0.0.1:{SMTP_PORT}?from=reports@shop.example",
            "report_delivery_backoff_seconds": 0.1,
        }
    )


def _schedule(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Monday low stock",
        "kind": "low_stock",
        "format": "xlsx",
        "cron": "0 7 * * 1",
        "timezone": "Europe/London",
        "recipients": ["buyer@shop.example", "owner@shop.example"],
    }
    return {**body, **changes}


async def _create(client: httpx.AsyncClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/report-schedules", json=_schedule(**changes), headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _last_run(client: httpx.AsyncClient, headers: dict[str, str], schedule_id: int, *final: str) -> Any:
    body: dict[str, Any] = {}
    for _ in range(1200):
        response = await client.get(f"/api/v1/report-schedules/{schedule_id}/runs", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        if body["data"] and body["data"][0]["status"] in final:
            return body["data"][0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"schedule {schedule_id}'s run did not end: {body}")


async def _run_now(golden: Golden, schedule: dict[str, Any]) -> None:
    """The scheduler's minute job for the minute the schedule is due, as the scheduler sends it
    (the real clock is days before that Monday)."""
    state = golden.state
    slot = dt.datetime.fromisoformat(schedule["next_run_at"]).isoformat()
    async with state.db.transaction() as session:
        await JobService(session, state).submit_once(DUE, {"slot": slot}, f"{DUE}@{slot}")


async def test_a_schedule_is_created_listed_edited_and_deleted(client, auth_headers: AuthHeaders) -> None:
    headers = await auth_headers("manager")
    created = await _create(client, headers)
    due = dt.datetime.fromisoformat(created["next_run_at"])
    local = due.astimezone(zoneinfo.ZoneInfo("Europe/London"))
    assert (local.weekday(), local.hour, local.minute) == (0, 7, 0)  # Monday 07:00 in London
    assert dt.timedelta(0) < due - dt.datetime.now(dt.UTC) <= dt.timedelta(days=7)
    listing = (await client.get("/api/v1/report-schedules", headers=headers)).json()
    assert [row["id"] for row in listing["data"]] == [created["id"]]
    assert listing["data"][0]["last_run"] is None
    edited = await client.put(
        f"/api/v1/report-schedules/{created['id']}",
        json=_schedule(cron="30 6 1 * *", recipients=["a@shop.example"], enabled=False),
        headers=headers,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["recipients"] == ["a@shop.example"]
    assert edited.json()["next_run_at"] is None  # disabled: not run
    admin = await auth_headers("admin")  # a schedule is the store's: another manager or an admin edits it
    deleted = await client.delete(f"/api/v1/report-schedules/{created['id']}", headers=admin)
    assert deleted.status_code == 204
    gone = await client.get(f"/api/v1/report-schedules/{created['id']}", headers=headers)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "report_schedule_not_found"


@pytest.mark.parametrize(
    "changes",
    [
        {"cron": "61 7 * * 1"},
        {"cron": "0 7 * *"},
        {"cron": "every monday"},
        {"timezone": "Mars/Olympus"},
        {"recipients": []},
        {"recipients": ["not-an-address"]},
        {"recipients": ["Boss <boss@shop.example>"]},
        {"recipients": ["a@shop.example\r\nBcc: x@evil.example"]},
        {"params": {"supplier_id": 0}},
        {"params": {"warehouse": 1}},
        {"kind": "stock_movements", "params": {"date_from": "2026-02-01", "date_to": "2026-01-01"}},
        {"kind": "gossip"},
        {"format": "docx"},
        {"name": ""},
    ],
)
async def test_a_bad_schedule_is_a_400_with_the_uniform_body(client, auth_headers, changes) -> None:
    headers = await auth_headers("manager")
    response = await client.post("/api/v1/report-schedules", json=_schedule(**changes), headers=headers)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"]
    assert error["message"]
    assert isinstance(error["details"], list)


async def test_staff_and_viewers_cannot_see_schedules(client, auth_headers) -> None:
    for role in ("staff", "viewer"):
        headers = await auth_headers(role)
        assert (await client.get("/api/v1/report-schedules", headers=headers)).status_code == 403
        response = await client.post("/api/v1/report-schedules", json=_schedule(), headers=headers)
        assert response.status_code == 403


async def test_a_due_schedule_mails_its_report_with_the_file_attached(
    golden: Golden, client, auth_headers, smtp_server: Path
) -> None:
    headers = await auth_headers("manager")
    schedule = await _create(client, headers)
    await _run_now(golden, schedule)
    run = await _last_run(client, headers, schedule["id"], "delivered", "failed")
    assert run["status"] == "delivered", run["error"]
    assert run["attempts"] == 1
    assert run["filename"].startswith("low_stock-")
    assert run["filename"].endswith(".xlsx")
    messages = [
        email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
        for message in mailbox.Maildir(smtp_server).values()
    ]
    mine = [m for m in messages if m["Subject"] == f"Monday low stock: {run['filename']}"]
    assert len(mine) == 1
    message = mine[0]
    assert message["From"] == "reports@shop.example"
    assert message["To"] == "buyer@shop.example, owner@shop.example"
    (attachment,) = list(message.iter_attachments())  # type: ignore[attr-defined]
    assert attachment.get_filename() == run["filename"]
    book = openpyxl.load_workbook(io.BytesIO(attachment.get_content()), read_only=True)
    rows = [tuple(row) for row in book.active.iter_rows(values_only=True)]
    assert rows[0][:3] == ("Supplier", "SKU", "Product")
    skus = {row[1] for row in rows}
    assert "PNT-1" in skus  # 58 of white paint left, reorder point 60
    assert "HAM-1" not in skus  # 8 + 4 hammers, reorder point 5
    listed = (await client.get(f"/api/v1/report-schedules/{schedule['id']}", headers=headers)).json()
    assert listed["last_run"]["status"] == "delivered"
    assert dt.datetime.fromisoformat(listed["next_run_at"]) > dt.datetime.fromisoformat(
        schedule["next_run_at"]
    )


async def test_a_delivery_to_a_mail_server_that_is_down_is_retried_then_shown_failed(
    golden: Golden, client, auth_headers
) -> None:
    headers = await auth_headers("manager")
    schedule = await _create(client, headers)
    nobody = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    golden.state.settings = golden.state.settings.model_copy(update={"smtp_url": nobody})
    await _run_now(golden, schedule)
    run = await _last_run(client, headers, schedule["id"], "failed", "delivered")
    assert run["status"] == "failed"
    assert run["attempts"] == 4  # the first and three retries, with doubling backoff
    assert "The mail server did not take the message" in run["error"]
    assert "Connection refused" in run["error"] or "refused" in run["error"].lower()
    assert run["finished_at"] is not None


async def test_a_run_whose_job_failed_unreported_is_shown_failed(
    golden: Golden, client, auth_headers
) -> None:
    """A worker that died on the last attempt leaves the run 'sending'; the scheduler fails its job
    (the lease lapsed): the history shows the run failed with the job's reason."""
    headers = await auth_headers("manager")
    schedule = await _create(client, headers)
    state = golden.state
    await state.job_queue.stop()  # nobody takes the delivery: the test plays the dying worker
    due = dt.datetime.fromisoformat(schedule["next_run_at"])
    async with state.db.transaction() as session:
        assert await ScheduleService(session, state).send_due(due) == 1
    async with state.db.transaction() as session:
        run = await session.scalar(
            select(ReportScheduleRun).where(ReportScheduleRun.schedule_id == schedule["id"])
        )
        assert run is not None
        assert run.job_id is not None
        run.status = "sending"
        await session.execute(
            update(Job)
            .where(Job.id == run.job_id)
            .values(status="failed", error="The worker stopped responding.")
        )
    listed = (await client.get(f"/api/v1/report-schedules/{schedule['id']}/runs", headers=headers)).json()
    assert listed["data"][0]["status"] == "failed"
    assert listed["data"][0]["error"] == "The worker stopped responding."
    one = (await client.get(f"/api/v1/report-schedules/{schedule['id']}", headers=headers)).json()
    assert one["last_run"]["status"] == "failed"
