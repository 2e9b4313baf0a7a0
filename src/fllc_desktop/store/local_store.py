"""The two local files together, and the way back from a damaged one.

The outbox (precious: unsent work) and the catalog replica (rebuildable from the server) are
separate SQLite files, so rebuilding the catalog never touches the outbox. A damaged file is moved
aside (with its ``-wal`` and ``-shm``, which may hold its latest commits), a fresh one is started,
and every op still readable in the old outbox is carried into the new one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fllc_desktop.store.catalog import CatalogReplica
from fllc_desktop.store.errors import DatabaseUnavailableError
from fllc_desktop.store.outbox import Outbox
from fllc_desktop.store.salvage import salvage_ops

log = logging.getLogger(__name__)

OUTBOX_FILE = "outbox.sqlite3"
CATALOG_FILE = "catalog.sqlite3"
_COMPANIONS = ("", "-wal", "-shm", "-journal")


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    """What recovery did, to tell the user."""

    outbox_set_aside: Path | None = None
    catalog_set_aside: Path | None = None
    ops_salvaged: int = 0
    ops_unreadable: int = 0
    outbox_unreadable: bool = False

    @property
    def summary(self) -> str:
        parts: list[str] = []
        if self.catalog_set_aside is not None:
            parts.append("The local product catalog was rebuilt; it will be downloaded again.")
        if self.outbox_set_aside is not None:
            parts.append(f"{self.ops_salvaged} unsent changes were recovered.")
            if self.ops_unreadable or self.outbox_unreadable:
                parts.append("Some unsent changes could not be read; the damaged file was kept.")
            parts.append(f"The damaged file is kept as {self.outbox_set_aside.name}.")
        return " ".join(parts)


class LocalStore:
    def __init__(self, data_dir: Path, outbox: Outbox, catalog: CatalogReplica) -> None:
        self.data_dir = data_dir
        self.outbox = outbox
        self.catalog = catalog

    @classmethod
    def open(cls, data_dir: Path) -> LocalStore:
        """Open both files; a damaged or locked one raises ``DatabaseUnavailableError``."""
        outbox = Outbox(data_dir / OUTBOX_FILE)
        try:
            catalog = CatalogReplica(data_dir / CATALOG_FILE)
        except BaseException:
            outbox.close()
            raise
        return cls(data_dir, outbox, catalog)

    @classmethod
    def open_or_recover(
        cls, data_dir: Path, *, now: datetime | None = None
    ) -> tuple[LocalStore, RecoveryReport]:
        """Open both files, setting aside and rebuilding whichever is damaged. A locked file or a
        full disk still raises: moving files would not help there."""
        outbox, outbox_report = _open_outbox_or_recover(data_dir / OUTBOX_FILE, now)
        try:
            catalog, catalog_aside = _open_catalog_or_rebuild(data_dir / CATALOG_FILE, now)
        except BaseException:
            outbox.close()
            raise
        report = RecoveryReport(
            outbox_set_aside=outbox_report.outbox_set_aside,
            catalog_set_aside=catalog_aside,
            ops_salvaged=outbox_report.ops_salvaged,
            ops_unreadable=outbox_report.ops_unreadable,
            outbox_unreadable=outbox_report.outbox_unreadable,
        )
        return cls(data_dir, outbox, catalog), report

    def rebuild_catalog(self, *, now: datetime | None = None) -> Path:
        """The catalog went bad while running: start a fresh one (the next pull fills it)."""
        self.catalog.close()
        aside = set_aside(self.catalog.path, now)
        self.catalog = CatalogReplica(self.catalog.path)
        return aside

    def recover_outbox(self, *, now: datetime | None = None) -> RecoveryReport:
        """The outbox went bad while running: set it aside and carry its readable ops over."""
        self.outbox.close()
        self.outbox, report = _recover_outbox(self.outbox.path, now)
        return report

    def close(self) -> None:
        self.outbox.close()
        self.catalog.close()


def _open_outbox_or_recover(path: Path, now: datetime | None) -> tuple[Outbox, RecoveryReport]:
    try:
        return Outbox(path), RecoveryReport()
    except DatabaseUnavailableError as exc:
        if not exc.recoverable_by_rebuilding:
            raise
        log.warning("outbox %s is damaged (%s); recovering", path, exc.detail)
        return _recover_outbox(path, now)


def _recover_outbox(path: Path, now: datetime | None) -> tuple[Outbox, RecoveryReport]:
    aside = set_aside(path, now)
    salvage = salvage_ops(aside)
    outbox = Outbox(path)
    adopted = outbox.adopt_salvaged(salvage.ops, source=aside.name)
    report = RecoveryReport(
        outbox_set_aside=aside,
        ops_salvaged=adopted,
        ops_unreadable=salvage.unreadable_rows,
        outbox_unreadable=salvage.file_unreadable,
    )
    return outbox, report


def _open_catalog_or_rebuild(path: Path, now: datetime | None) -> tuple[CatalogReplica, Path | None]:
    try:
        return CatalogReplica(path), None
    except DatabaseUnavailableError as exc:
        if not exc.recoverable_by_rebuilding:
            raise
        log.warning("catalog %s is damaged (%s); starting a fresh one", path, exc.detail)
        aside = set_aside(path, now)
        return CatalogReplica(path), aside


def set_aside(path: Path, now: datetime | None = None) -> Path:
    """Rename the file and its companions to ``<name>.damaged-<time>[-n]``; the new main path."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    target = _free_name(path, stamp)
    for suffix in _COMPANIONS:
        source = path.with_name(path.name + suffix)
        if source.exists():
            source.rename(target.with_name(target.name + suffix))
    return target


def _free_name(path: Path, stamp: str) -> Path:
    candidate = path.with_name(f"{path.name}.damaged-{stamp}")
    counter = 1
    while candidate.exists():
        counter += 1
        candidate = path.with_name(f"{path.name}.damaged-{stamp}-{counter}")
    return candidate
