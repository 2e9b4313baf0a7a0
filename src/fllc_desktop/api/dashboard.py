"""The managers' dashboard, the audit trail and the syncing devices: reads for the office screens."""

from __future__ import annotations

import datetime as dt

from fllc_desktop.api.connection import ServerConnection
from fllc_desktop.api.models import JsonObject, Page

DASHBOARD = "/api/v1/dashboard"
AUDIT_LOG = "/api/v1/audit-log"
DEVICES = "/api/v1/devices"


class DashboardApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def get(self) -> JsonObject:
        """Every figure of the Dashboard screen in one answer (reports.generate)."""
        return dict(self._connection.call("GET", DASHBOARD))


class AuditApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def list(
        self,
        *,
        actor_id: int | None = None,
        entity_type: str | None = None,
        entity_id: str | None = None,
        action: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        page: int = 1,
        per_page: int = 100,
    ) -> Page:
        """The audit trail, newest first (users.manage)."""
        params = {
            "actor_id": actor_id,
            "entity_type": entity_type or None,
            "entity_id": entity_id or None,
            "action": action or None,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "page": page,
            "per_page": per_page,
        }
        return Page.from_wire(self._connection.call("GET", AUDIT_LOG, params=params))


class DevicesApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def list(self, *, page: int = 1, per_page: int = 200) -> Page:
        """The syncing devices with what each last reported, the most recent first (users.manage)."""
        return Page.from_wire(
            self._connection.call("GET", DEVICES, params={"page": page, "per_page": per_page})
        )
