"""Reports and their schedules: ask for a report, follow it, fetch its file; mail one on a schedule."""

from __future__ import annotations

from dataclasses import dataclass

from fllc_desktop.api.connection import ServerConnection
from fllc_desktop.api.models import JsonObject, Page

REPORTS = "/api/v1/reports"
SCHEDULES = "/api/v1/report-schedules"


@dataclass(frozen=True, slots=True)
class ReportFile:
    filename: str
    content_type: str
    content: bytes


class ReportsApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def request(self, kind: str, params: JsonObject, fmt: str) -> JsonObject:
        """Queue a report (reports.generate): the answer is its job, `id` naming it in job events."""
        body = {"kind": kind, "params": params, "format": fmt}
        return dict(self._connection.call("POST", REPORTS, json=body))

    def list(self, *, page: int = 1, per_page: int = 50) -> Page:
        """Your reports, newest first (an admin's: everyone's)."""
        params = {"page": page, "per_page": per_page}
        return Page.from_wire(self._connection.call("GET", REPORTS, params=params))

    def get(self, report_id: int) -> JsonObject:
        return dict(self._connection.call("GET", f"{REPORTS}/{report_id}"))

    def download(self, report_id: int) -> ReportFile:
        """The report's file (409 while it is not ready, 410 once past its retention)."""
        report = self.get(report_id)
        response = self._connection.fetch(f"{REPORTS}/{report_id}/download")
        file = report.get("file") or {}
        return ReportFile(
            filename=str(file.get("filename") or f"report-{report_id}"),
            content_type=response.content_type,
            content=response.content,
        )

    # -- schedules ---------------------------------------------------------------------------------

    def schedules(self, *, page: int = 1, per_page: int = 200) -> Page:
        params = {"page": page, "per_page": per_page}
        return Page.from_wire(self._connection.call("GET", SCHEDULES, params=params))

    def create_schedule(self, fields: JsonObject) -> JsonObject:
        return dict(self._connection.call("POST", SCHEDULES, json=fields))

    def update_schedule(self, schedule_id: int, fields: JsonObject) -> JsonObject:
        return dict(self._connection.call("PUT", f"{SCHEDULES}/{schedule_id}", json=fields))

    def delete_schedule(self, schedule_id: int) -> None:
        self._connection.call("DELETE", f"{SCHEDULES}/{schedule_id}")

    def schedule_runs(self, schedule_id: int, *, per_page: int = 50) -> Page:
        params = {"per_page": per_page}
        return Page.from_wire(self._connection.call("GET", f"{SCHEDULES}/{schedule_id}/runs", params=params))
