"""The sync endpoints: push a batch of ops, pull the change feed."""

from __future__ import annotations

from collections.abc import Sequence

from fllc_desktop.api.connection import ServerConnection
from fllc_desktop.api.errors import UnexpectedResponseError
from fllc_desktop.api.models import ChangeBatch, DeviceReport, OpAnswer
from fllc_desktop.domain.commands import Command

PUSH = "/api/v1/sync/push"
CHANGES = "/api/v1/sync/changes"


class SyncApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def push(
        self, device_id: str, ops: Sequence[Command], *, device: DeviceReport | None = None
    ) -> list[OpAnswer]:
        """One answer per op the server looked at; an op without an answer stays pending.
        ``device``: what the device says about itself (its app version and counts)."""
        body: dict[str, object] = {"device_id": device_id, "ops": [op.to_wire() for op in ops]}
        if device is not None:
            body["device"] = device.to_wire()
        # A fresh Idempotency-Key per attempt: ops are made idempotent by their op_id, and a
        # retried op (say after its author's role was restored) must not get a cached old answer.
        answer = self._connection.call("POST", PUSH, json=body)
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list):
            raise UnexpectedResponseError("a push answer without results")
        try:
            return [OpAnswer.from_wire(item) for item in results]
        except (KeyError, TypeError) as exc:
            raise UnexpectedResponseError(f"a push result without {exc}") from exc

    def changes(self, since: int | None, limit: int) -> ChangeBatch:
        """Changes after ``since`` (None: from the beginning). 410 Gone raises ``GoneError``."""
        params = {"since": since if since is not None else 0, "limit": limit}
        answer = self._connection.call("GET", CHANGES, params=params)
        return ChangeBatch.from_wire(answer, since=since, limit=limit)
