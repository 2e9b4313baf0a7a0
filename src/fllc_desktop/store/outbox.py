"""The outbox: every write the user made, kept until the server has answered for it.

``Outbox.enqueue`` commits (WAL, ``synchronous=FULL``) before it returns, so a scan is confirmed to
the user only once it would survive a crash or a pulled battery. Ops belong to the user who made
them (server URL + user id on each op): another user signed in on the same tablet neither pushes
nor sees them. An op the server rejects or finds in conflict waits in "needs attention" until a
person retries or discards it; a discard is recorded here, never a silent delete.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Connection, RowMapping

from fllc_desktop.domain.commands import Command, CommandKind, stock_delta
from fllc_desktop.store.database import LocalDatabase, Synchronous
from fllc_desktop.store.errors import OpNotFoundError, StoreBugError

JsonObject = dict[str, Any]

MIGRATIONS = [
    """
    CREATE TABLE ops (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        op_id TEXT NOT NULL UNIQUE,
        server_url TEXT NOT NULL,
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        base_version INTEGER,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'done', 'attention', 'discarded')),
        product_id INTEGER,
        stock_delta INTEGER,
        answer_status TEXT,
        error_code TEXT,
        error_message TEXT,
        current TEXT,
        result TEXT,
        answered_at TEXT,
        discarded_at TEXT,
        discard_note TEXT,
        salvaged_from TEXT
    );
    CREATE INDEX ops_by_owner_state ON ops (server_url, user_id, state, seq);
    CREATE TABLE op_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        op_id TEXT NOT NULL,
        at TEXT NOT NULL,
        event TEXT NOT NULL,
        note TEXT
    );
    CREATE INDEX op_events_by_op ON op_events (op_id);
    """,
]


class OpState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    NEEDS_ATTENTION = "attention"
    DISCARDED = "discarded"


@dataclass(frozen=True, slots=True)
class OpOwner:
    """Who made an op, and for which server."""

    server_url: str
    user_id: str

    @classmethod
    def of(cls, server_url: str, user_id: int | str) -> OpOwner:
        return cls(server_url.rstrip("/"), str(user_id))


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    seq: int
    command: Command
    owner: OpOwner
    state: OpState
    answer_status: str | None = None  # applied | duplicate | rejected | conflict
    error_code: str | None = None
    error_message: str | None = None
    current: JsonObject | None = None
    result: Any = None
    answered_at: datetime | None = None
    discarded_at: datetime | None = None
    discard_note: str | None = None


@dataclass(frozen=True, slots=True)
class OpOutcome:
    """The server's answer for one op, as the outbox records it."""

    op_id: uuid.UUID
    status: str
    result: Any = None
    error_code: str | None = None
    error_message: str | None = None
    current: JsonObject | None = None

    @property
    def settles(self) -> bool:
        return self.status in ("applied", "duplicate")

    @property
    def needs_attention(self) -> bool:
        return self.status in ("rejected", "conflict")


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int
    needs_attention: int


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.database = LocalDatabase(path, synchronous=Synchronous.FULL, migrations=MIGRATIONS, verify=True)

    def close(self) -> None:
        self.database.close()

    # ------------------------------------------------------------------ writing

    def enqueue(self, owner: OpOwner, command: Command) -> OutboxEntry:
        """Store the op durably; only when this returns may the user be told it is saved.
        Enqueueing the same op_id twice keeps the first."""
        with self.database.write() as connection:
            connection.execute(_INSERT, _insert_params(owner, command, salvaged_from=None))
            row = _select_one(connection, command.op_id)
        if row is None:  # pragma: no cover - the row was written in this transaction; a corrupt file
            raise StoreBugError(f"op {command.op_id} vanished while being enqueued", path=self.path)
        return _entry(row)

    def record_outcomes(self, outcomes: Sequence[OpOutcome]) -> None:
        """The server's answers for a pushed batch, in one transaction. An answer for an op that
        is no longer pending (discarded meanwhile) is kept in its history only."""
        now = _now()
        with self.database.write() as connection:
            for outcome in outcomes:
                _record_outcome(connection, outcome, now)

    def retry(self, owner: OpOwner, op_id: uuid.UUID, *, base_version: int | None = None) -> None:
        """Put a needs-attention op back in line. For a conflict, ``base_version`` is the version
        the user has now seen (they chose to keep their change over the server's)."""
        with self.database.write() as connection:
            self._require(connection, owner, op_id, OpState.NEEDS_ATTENTION)
            connection.execute(_RETRY, {"op_id": str(op_id), "base_version": base_version})
            _log_event(connection, op_id, "retried", None if base_version is None else f"v{base_version}")

    def discard(self, owner: OpOwner, op_id: uuid.UUID, note: str) -> None:
        """The user gave up on this op (after confirming). Kept as discarded, with the note."""
        with self.database.write() as connection:
            self._require(connection, owner, op_id, OpState.NEEDS_ATTENTION, OpState.PENDING)
            params = {"op_id": str(op_id), "at": _now(), "note": note}
            connection.execute(_DISCARD, params)
            _log_event(connection, op_id, "discarded", note)

    def adopt_salvaged(self, rows: Iterable[tuple[OpOwner, Command, OpState]], source: str) -> int:
        """Take in ops read from a damaged outbox file; ops already here are left as they are."""
        adopted = 0
        with self.database.write() as connection:
            for owner, command, state in rows:
                params = _insert_params(owner, command, salvaged_from=source) | {"state": state.value}
                adopted += connection.execute(_INSERT, params).rowcount
        return adopted

    def forget_done_before(self, moment: datetime) -> int:
        """Housekeeping: drop ops the server settled before ``moment``."""
        with self.database.write() as connection:
            result = connection.execute(_FORGET_DONE, {"before": moment.isoformat()})
        return result.rowcount

    # ------------------------------------------------------------------ reading

    def pending(self, owner: OpOwner, limit: int = 200) -> list[OutboxEntry]:
        """The owner's ops waiting for the server, oldest first."""
        return self._entries(owner, OpState.PENDING, limit=limit)

    def needs_attention(self, owner: OpOwner) -> list[OutboxEntry]:
        return self._entries(owner, OpState.NEEDS_ATTENTION, limit=-1)

    def discarded(self, owner: OpOwner) -> list[OutboxEntry]:
        return self._entries(owner, OpState.DISCARDED, limit=-1)

    def entry(self, op_id: uuid.UUID) -> OutboxEntry | None:
        with self.database.read() as connection:
            row = _select_one(connection, op_id)
        return None if row is None else _entry(row)

    def counts(self, owner: OpOwner) -> OutboxCounts:
        with self.database.read() as connection:
            rows = connection.execute(_COUNTS, _owner_params(owner)).all()
        by_state: dict[str, int] = {str(row[0]): int(row[1]) for row in rows}
        return OutboxCounts(by_state.get("pending", 0), by_state.get("attention", 0))

    def pending_deltas(self, owner: OpOwner) -> dict[int, int]:
        """Per product, the units the owner's pending ops will add (or remove) once applied:
        shown next to the server's quantity, marked as pending."""
        with self.database.read() as connection:
            rows = connection.execute(_DELTAS, _owner_params(owner)).all()
        return {int(product_id): int(delta) for product_id, delta in rows}

    def history(self, op_id: uuid.UUID) -> list[tuple[str, str | None]]:
        with self.database.read() as connection:
            rows = connection.execute(_HISTORY, {"op_id": str(op_id)}).all()
        return [(event, note) for event, note in rows]

    def _entries(self, owner: OpOwner, state: OpState, limit: int) -> list[OutboxEntry]:
        params = _owner_params(owner) | {"state": state.value, "limit": limit}
        with self.database.read() as connection:
            rows = connection.execute(_BY_STATE, params).mappings().all()
        return [_entry(row) for row in rows]

    def _require(self, connection: Connection, owner: OpOwner, op_id: uuid.UUID, *states: OpState) -> None:
        row = _select_one(connection, op_id)
        if row is None or (row["server_url"], row["user_id"]) != (owner.server_url, owner.user_id):
            raise OpNotFoundError(f"no op {op_id} of this user", path=self.path)
        if row["state"] not in {s.value for s in states}:
            raise OpNotFoundError(f"op {op_id} is {row['state']}, not {'/'.join(states)}", path=self.path)


# ---------------------------------------------------------------------- SQL

_INSERT = sqlalchemy.text(
    "INSERT OR IGNORE INTO ops (op_id, server_url, user_id, kind, payload, created_at, base_version, "
    "product_id, stock_delta, salvaged_from, state) VALUES (:op_id, :server_url, :user_id, :kind, "
    ":payload, :created_at, :base_version, :product_id, :stock_delta, :salvaged_from, :state)"
)
_SELECT_ONE = sqlalchemy.text("SELECT * FROM ops WHERE op_id = :op_id")
_BY_STATE = sqlalchemy.text(
    "SELECT * FROM ops WHERE server_url = :server_url AND user_id = :user_id AND state = :state "
    "ORDER BY seq LIMIT :limit"
)
_COUNTS = sqlalchemy.text(
    "SELECT state, count(*) FROM ops WHERE server_url = :server_url AND user_id = :user_id "
    "AND state IN ('pending', 'attention') GROUP BY state"
)
_DELTAS = sqlalchemy.text(
    "SELECT product_id, sum(stock_delta) FROM ops WHERE server_url = :server_url AND user_id = :user_id "
    "AND state = 'pending' AND product_id IS NOT NULL GROUP BY product_id"
)
_ANSWER = sqlalchemy.text(
    "UPDATE ops SET state = :state, answer_status = :status, error_code = :code, error_message = :message, "
    "current = :current, result = :result, answered_at = :at WHERE op_id = :op_id AND state = 'pending'"
)
_RETRY = sqlalchemy.text(
    "UPDATE ops SET state = 'pending', base_version = coalesce(:base_version, base_version), "
    "answer_status = NULL, error_code = NULL, error_message = NULL, current = NULL WHERE op_id = :op_id"
)
_DISCARD = sqlalchemy.text(
    "UPDATE ops SET state = 'discarded', discarded_at = :at, discard_note = :note WHERE op_id = :op_id"
)
_FORGET_DONE = sqlalchemy.text("DELETE FROM ops WHERE state = 'done' AND answered_at < :before")
_EVENT = sqlalchemy.text("INSERT INTO op_events (op_id, at, event, note) VALUES (:op_id, :at, :event, :note)")
_HISTORY = sqlalchemy.text("SELECT event, note FROM op_events WHERE op_id = :op_id ORDER BY id")


def _insert_params(owner: OpOwner, command: Command, *, salvaged_from: str | None) -> dict[str, Any]:
    delta = stock_delta(command.kind, command.payload)
    return {
        "op_id": str(command.op_id),
        "server_url": owner.server_url,
        "user_id": owner.user_id,
        "kind": command.kind.value,
        "payload": json.dumps(command.payload),
        "created_at": command.created_at.isoformat(),
        "base_version": command.base_version,
        "product_id": delta.product_id if delta else None,
        "stock_delta": delta.quantity if delta else None,
        "salvaged_from": salvaged_from,
        "state": OpState.PENDING.value,
    }


def _record_outcome(connection: Connection, outcome: OpOutcome, now: str) -> None:
    state = OpState.DONE if outcome.settles else OpState.NEEDS_ATTENTION
    params = {
        "op_id": str(outcome.op_id),
        "state": state.value,
        "status": outcome.status,
        "code": outcome.error_code,
        "message": outcome.error_message,
        "current": _json_or_none(outcome.current),
        "result": _json_or_none(outcome.result),
        "at": now,
    }
    changed = connection.execute(_ANSWER, params).rowcount
    if outcome.needs_attention or not changed:
        note = outcome.error_message or outcome.error_code
        _log_event(connection, outcome.op_id, outcome.status if changed else f"late {outcome.status}", note)


def _log_event(connection: Connection, op_id: uuid.UUID, event: str, note: str | None) -> None:
    connection.execute(_EVENT, {"op_id": str(op_id), "at": _now(), "event": event, "note": note})


def _select_one(connection: Connection, op_id: uuid.UUID) -> RowMapping | None:
    return connection.execute(_SELECT_ONE, {"op_id": str(op_id)}).mappings().first()


def _owner_params(owner: OpOwner) -> dict[str, Any]:
    return {"server_url": owner.server_url, "user_id": owner.user_id}


def _entry(row: RowMapping) -> OutboxEntry:
    command = Command(
        op_id=uuid.UUID(row["op_id"]),
        kind=CommandKind(row["kind"]),
        payload=json.loads(row["payload"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        base_version=row["base_version"],
    )
    return OutboxEntry(
        seq=row["seq"],
        command=command,
        owner=OpOwner(row["server_url"], row["user_id"]),
        state=OpState(row["state"]),
        answer_status=row["answer_status"],
        error_code=row["error_code"],
        error_message=row["error_message"],
        current=_loads_or_none(row["current"]),
        result=_loads_or_none(row["result"]),
        answered_at=_time_or_none(row["answered_at"]),
        discarded_at=_time_or_none(row["discarded_at"]),
        discard_note=row["discard_note"],
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _loads_or_none(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _time_or_none(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
