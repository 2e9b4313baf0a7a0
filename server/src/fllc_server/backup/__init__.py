"""`fllc-server backup` / `restore`: one portable file holding every table, from any backend to
any backend (the embedded SQLite default to MariaDB/MySQL and back)."""

from fllc_server.backup.fileformat import BackupCorruptError, BackupError, Header, verify
from fllc_server.backup.service import (
    BackupResult,
    RestoreResult,
    create_backup,
    default_backup_name,
    restore_backup,
)

__all__ = [
    "BackupCorruptError",
    "BackupError",
    "BackupResult",
    "Header",
    "RestoreResult",
    "create_backup",
    "default_backup_name",
    "restore_backup",
    "verify",
]
