"""Local database errors, split the way qutebrowser's ``misc/sql.py`` splits them.

``DatabaseUnavailableError`` is the environment's fault (a corrupt or truncated file, another
process holding the lock, a full disk, a read-only folder, a file from a newer version): tell the
user and offer recovery. ``StoreBugError`` is our fault (bad SQL, a broken constraint): crash
loudly so it gets fixed.
"""

from __future__ import annotations

import sqlite3
from enum import StrEnum
from pathlib import Path

import sqlalchemy.exc


class Trouble(StrEnum):
    CORRUPT = "corrupt"
    LOCKED = "locked"
    DISK_FULL = "disk_full"
    READ_ONLY = "read_only"
    CANNOT_OPEN = "cannot_open"
    NEWER_SCHEMA = "newer_schema"


_TITLES = {
    Trouble.CORRUPT: "The local database is damaged",
    Trouble.LOCKED: "The local database is in use",
    Trouble.DISK_FULL: "The disk is full",
    Trouble.READ_ONLY: "The local database cannot be written",
    Trouble.CANNOT_OPEN: "The local database cannot be opened",
    Trouble.NEWER_SCHEMA: "The local database is from a newer version",
}

_ADVICE = {
    Trouble.CORRUPT: "It can be set aside and rebuilt; unsent scans that can still be read are kept.",
    Trouble.LOCKED: "Close any other FLLC Warehouse window on this computer and try again.",
    Trouble.DISK_FULL: "Free some disk space and try again.",
    Trouble.READ_ONLY: "Check the permissions of the data folder.",
    Trouble.CANNOT_OPEN: "Check that the data folder exists and is writable.",
    Trouble.NEWER_SCHEMA: "Update FLLC Warehouse on this computer.",
}

# SQLite primary result codes (extended codes keep them in the low byte).
_TROUBLE_BY_CODE = {
    5: Trouble.LOCKED,  # SQLITE_BUSY
    6: Trouble.LOCKED,  # SQLITE_LOCKED
    8: Trouble.READ_ONLY,  # SQLITE_READONLY
    3: Trouble.READ_ONLY,  # SQLITE_PERM
    10: Trouble.CORRUPT,  # SQLITE_IOERR (short reads of a truncated file)
    11: Trouble.CORRUPT,  # SQLITE_CORRUPT
    13: Trouble.DISK_FULL,  # SQLITE_FULL
    14: Trouble.CANNOT_OPEN,  # SQLITE_CANTOPEN
    26: Trouble.CORRUPT,  # SQLITE_NOTADB
}


class StoreError(Exception):
    title = "Local database error"

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


class DatabaseUnavailableError(StoreError):
    """The environment's fault: show ``title`` and ``message``; ``trouble`` picks the recovery."""

    def __init__(self, trouble: Trouble, detail: str, *, path: Path | None = None) -> None:
        where = f" ({path.name})" if path is not None else ""
        super().__init__(f"{_ADVICE[trouble]}\n\nDetails{where}: {detail}", path=path)
        self.trouble = trouble
        self.detail = detail

    @property
    def title(self) -> str:  # type: ignore[override]
        return _TITLES[self.trouble]

    @property
    def recoverable_by_rebuilding(self) -> bool:
        return self.trouble is Trouble.CORRUPT


class StoreBugError(StoreError):
    """Our bug (bad SQL, a broken constraint): not something the user can fix."""

    title = "Internal error in the local database"


class OpNotFoundError(StoreError, LookupError):
    """No op with that id belongs to this user."""


def translate(exc: sqlalchemy.exc.SQLAlchemyError | sqlite3.Error, path: Path) -> StoreError:
    """Classify a database failure as the environment's fault or ours."""
    original = exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) else exc
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        trouble = _TROUBLE_BY_CODE.get(code & 0xFF) if isinstance(code, int) else _by_text(original)
        if trouble is not None:
            return DatabaseUnavailableError(trouble, str(original), path=path)
    return StoreBugError(f"{type(original).__name__}: {original}", path=path)


def _by_text(error: sqlite3.Error) -> Trouble | None:
    text = str(error).lower()
    if "not a database" in text or "malformed" in text:
        return Trouble.CORRUPT
    if "locked" in text:
        return Trouble.LOCKED
    return None
