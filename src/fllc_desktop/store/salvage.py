"""Reading what can still be read from a damaged outbox file.

The file was set aside first, so nothing here can make matters worse. Rows are read in table order;
when a damaged page stops the scan, the remaining rows are probed one by one, so one bad page
costs only the ops stored on it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fllc_desktop.domain.commands import Command, CommandKind
from fllc_desktop.store.outbox import OpOwner, OpState

_COLUMNS = "seq, op_id, server_url, user_id, kind, payload, created_at, base_version, state"
_PROBE_SPAN = 10_000
_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100
_STATES_KEPT = {"pending": OpState.PENDING, "attention": OpState.PENDING, "discarded": OpState.DISCARDED}


@dataclass(slots=True)
class Salvage:
    ops: list[tuple[OpOwner, Command, OpState]] = field(default_factory=list)
    unreadable_rows: int = 0
    file_unreadable: bool = False


def salvage_ops(path: Path) -> Salvage:
    """Every op that was still waiting (pending or needing attention: both are sent again, the
    server answers the same way) or was discarded (kept as the record of the discard).

    Reads a scratch copy, so the damaged file stays exactly as it was found."""
    with tempfile.TemporaryDirectory(prefix="fllc-salvage-", dir=path.parent) as scratch_dir:
        scratch = _scratch_copy(path, Path(scratch_dir))
        return _salvage_from(scratch)


def _salvage_from(path: Path) -> Salvage:
    salvage = Salvage()
    try:
        connection = sqlite3.connect(path, timeout=1.0)
    except sqlite3.Error:
        salvage.file_unreadable = True
        return salvage
    try:
        for row in _rows(connection, salvage):
            _keep(row, salvage)
    finally:
        connection.close()
    return salvage


def _scratch_copy(path: Path, scratch_dir: Path) -> Path:
    scratch = scratch_dir / path.name
    for suffix in ("", "-wal"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            shutil.copyfile(source, scratch.with_name(scratch.name + suffix))
    _fit_page_count_to_file(scratch)
    return scratch


def _fit_page_count_to_file(path: Path) -> None:
    """A truncated file still claims its old page count in the header, and SQLite then refuses
    even the pages that survived; make the header match what is really there."""
    with path.open("r+b") as file:
        header = bytearray(file.read(_HEADER_SIZE))
        if len(header) < _HEADER_SIZE or not header.startswith(_MAGIC):
            return
        page_size = int.from_bytes(header[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        pages_present = path.stat().st_size // page_size if page_size else 0
        if 0 < pages_present < int.from_bytes(header[28:32], "big"):
            file.seek(28)
            file.write(pages_present.to_bytes(4, "big"))


def _rows(connection: sqlite3.Connection, salvage: Salvage) -> Iterator[tuple[Any, ...]]:
    last_seq = 0
    try:
        for row in connection.execute(f"SELECT {_COLUMNS} FROM ops ORDER BY seq"):  # noqa: S608
            last_seq = int(row[0])
            yield row
        return
    except sqlite3.Error:
        if last_seq == 0 and not _has_ops_table(connection):
            salvage.file_unreadable = True
            return
    yield from _probe_after(connection, last_seq, salvage)


def _probe_after(
    connection: sqlite3.Connection, last_seq: int, salvage: Salvage
) -> Iterator[tuple[Any, ...]]:
    highest = _highest_seq(connection) or last_seq + _PROBE_SPAN
    for seq in range(last_seq + 1, highest + 1):
        try:
            row = connection.execute(f"SELECT {_COLUMNS} FROM ops WHERE seq = ?", (seq,)).fetchone()  # noqa: S608
        except sqlite3.Error:
            salvage.unreadable_rows += 1
            continue
        if row is not None:
            yield row


def _highest_seq(connection: sqlite3.Connection) -> int | None:
    for sql in ("SELECT seq FROM sqlite_sequence WHERE name = 'ops'", "SELECT max(seq) FROM ops"):
        with contextlib.suppress(sqlite3.Error):
            found = connection.execute(sql).fetchone()
            if found and found[0] is not None:
                return int(found[0])
    return None


def _has_ops_table(connection: sqlite3.Connection) -> bool:
    try:
        found = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'ops'").fetchone()
    except sqlite3.Error:
        return False
    return found is not None


def _keep(row: tuple[Any, ...], salvage: Salvage) -> None:
    _seq, op_id, server_url, user_id, kind, payload, created_at, base_version, state = row
    if state not in _STATES_KEPT:
        return
    try:
        command = Command(
            op_id=uuid.UUID(op_id),
            kind=CommandKind(kind),
            payload=dict(json.loads(payload)),
            created_at=datetime.fromisoformat(created_at),
            base_version=None if base_version is None else int(base_version),
        )
    except (TypeError, ValueError):
        salvage.unreadable_rows += 1
        return
    salvage.ops.append((OpOwner(str(server_url), str(user_id)), command, _STATES_KEPT[state]))
