"""Scheduled backups: a periodic job (every `FLLC_BACKUP_EVERY_MINUTES`, 15 by default) that writes a
backup, stores it in the object storage (backup.store) and lets go of the ones the retention no
longer keeps."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fllc_server.backup.fileformat import BackupError
from fllc_server.backup.retention import DEFAULT
from fllc_server.backup.service import create_backup
from fllc_server.backup.store import BackupStore
from fllc_server.infra.storage import StorageError
from fllc_server.jobs.kinds import JobKind, JobKinds, TryAgainLater

if TYPE_CHECKING:
    from fllc_server.config import Settings
    from fllc_server.jobs.runner import JobContext

KIND = "backups.create"


async def scheduled_backup(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    state = context.state
    settings = state.settings
    store = BackupStore.for_settings(settings, state.storage)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="backup-", dir=settings.data_dir))
    try:
        try:
            result = await create_backup(settings.effective_database_url, folder)
        except BackupError as exc:  # the database away, or behind this server's schema
            raise TryAgainLater(str(exc)) from exc
        except OSError as exc:
            raise TryAgainLater(
                f"The backup could not be written to {folder} ({exc.strerror or exc}): check the free "
                "space in the data folder and that the server may write there"
            ) from exc
        await context.progress(70)
        try:
            stored = await store.put(result.path)
        except (StorageError, OSError) as exc:
            raise TryAgainLater(f"The backup could not be stored in {store.where}: {exc}") from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    await context.progress(90)
    gone = await store.prune(DEFAULT, dt.datetime.now(dt.UTC))
    return {
        "key": stored.key,
        "tables": result.tables,
        "rows": result.rows,
        "bytes": result.bytes,
        "seconds": round(result.seconds, 3),
        "deleted": [backup.key for backup in gone],
    }


def register(kinds: JobKinds, settings: Settings) -> None:
    kinds.add(JobKind(KIND, scheduled_backup, title="Scheduled backup", max_attempts=3, backoff_seconds=30))
    if settings.backup_every_minutes:
        kinds.every(KIND, dt.timedelta(minutes=settings.backup_every_minutes))
