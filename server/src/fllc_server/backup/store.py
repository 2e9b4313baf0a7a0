"""Where scheduled backups are kept: the object storage (infra.storage: `storage/` in the data dir by
default, an S3-compatible bucket with `FLLC_STORAGE_URL`), under `backups/`, one object per backup
named by its UTC time (`backups/fllc-backup-YYYYMMDDTHHMMSSZ.fllcbak`), so listing them opens none.
A backup is written to a local file first (the backup's own partial-then-rename), then stored whole.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from fllc_server.backup.fileformat import SUFFIX
from fllc_server.backup.retention import Retention
from fllc_server.config import Settings
from fllc_server.infra.storage import ObjectStorage, build_storage

PREFIX = "backups/"
_NAME = re.compile(r"^fllc-backup-(\d{8}T\d{6}Z)" + re.escape(SUFFIX) + "$")


@dataclass(frozen=True)
class StoredBackup:
    key: str
    taken_at: dt.datetime
    bytes: int

    @property
    def name(self) -> str:
        return self.key.removeprefix(PREFIX)


def taken_at(name: str) -> dt.datetime | None:
    """The UTC time in a backup's default name; None for any other name."""
    match = _NAME.match(name)
    if match is None:
        return None
    return dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)


def storage_for(settings: Settings) -> ObjectStorage:
    """The object storage the settings name (what AppState.build makes, for commands without an app)."""
    return build_storage(
        settings.storage_url,
        settings.data_dir,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
    )


def local_folder(settings: Settings) -> Path | None:
    """The folder the backups are in when the object storage is a folder (the default); None for a
    bucket. What the backup-age metric reads without a request to the store."""
    url = settings.storage_url
    if url is None:
        return settings.data_dir / "storage" / PREFIX.rstrip("/")
    if url.startswith("s3://"):
        return None
    return Path(urlsplit(url).path if url.startswith("file://") else url) / PREFIX.rstrip("/")


class BackupStore:
    def __init__(self, storage: ObjectStorage, where: str) -> None:
        self.storage = storage
        self.where = where  # for messages: the folder or bucket, without credentials

    @classmethod
    def for_settings(cls, settings: Settings, storage: ObjectStorage | None = None) -> BackupStore:
        where = settings.storage_url or str(settings.data_dir / "storage")
        return cls(storage or storage_for(settings), f"{where.rstrip('/')}/{PREFIX}")

    async def put(self, path: Path) -> StoredBackup:
        """Store a finished backup file under its own name."""
        when = taken_at(path.name)
        if when is None:
            raise ValueError(f"{path.name} is not a backup's default name")
        stored = await self.storage.put(PREFIX + path.name, path, content_type="application/gzip")
        return StoredBackup(stored.key, when, stored.size)

    async def all(self) -> list[StoredBackup]:
        """Every stored backup, oldest first."""
        found = []
        for item in await self.storage.list(PREFIX):
            when = taken_at(item.key.removeprefix(PREFIX))
            if when is not None:
                found.append(StoredBackup(item.key, when, item.size))
        return sorted(found, key=lambda b: b.taken_at)

    async def latest(self) -> StoredBackup | None:
        backups = await self.all()
        return backups[-1] if backups else None

    async def latest_taken_at(self) -> dt.datetime | None:
        """When the newest stored backup was taken (what the backup-age gauge of a bucket reports)."""
        latest = await self.latest()
        return latest.taken_at if latest is not None else None

    async def fetch(self, backup: StoredBackup, folder: Path) -> Path:
        """A local copy of the backup in `folder` (a restore reads a file)."""
        path = folder / backup.name
        reader = await self.storage.open(backup.key)
        handle = await asyncio.to_thread(path.open, "wb")
        try:
            async for chunk in reader:
                await asyncio.to_thread(handle.write, chunk)
        finally:
            await reader.aclose()
            handle.close()
        return path

    async def prune(self, retention: Retention, now: dt.datetime) -> list[StoredBackup]:
        """Delete the backups the retention lets go; returns them."""
        backups = await self.all()
        keep = retention.keep([b.taken_at for b in backups], now)
        gone = [b for b in backups if b.taken_at not in keep]
        for backup in gone:
            await self.storage.delete(backup.key)
        return gone
