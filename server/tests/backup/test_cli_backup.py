"""`fllc-server backup` and `restore` as a person runs them: subprocesses with FLLC_* settings from
the environment, on the backend under test; what they print, the file's mode, the refusals."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from fllc_server.cli import build_parser
from fllc_server.config import Settings
from fllc_server.models import Base

CLI = [sys.executable, "-m", "fllc_server.cli"]


def _run(settings: Settings, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLLC_")}
    env.update(
        {
            "FLLC_DATA_DIR": str(settings.data_dir),
            "FLLC_SECRET_KEY": settings.secret_key or "",
            "FLLC_LOG_LEVEL": "WARNING",
            "FLLC_ENVIRONMENT": "test",
        }
    )
    if settings.database_url:
        env["FLLC_DATABASE_URL"] = settings.database_url
    if settings.redis_url:
        env["FLLC_REDIS_URL"] = settings.redis_url
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=240, check=False
    )


def _backups(folder: Path) -> list[Path]:
    return sorted(folder.glob("fllc-backup-*.fllcbak"))


async def test_backup_and_restore_commands(settings: Settings, scratch: Any, bk: Any, tmp_path: Path) -> None:
    await bk.seed(settings)
    password_hash = (await bk.dump(settings.effective_database_url))["users"][0][3]
    assert password_hash.startswith("$argon2")

    made = _run(settings, "backup", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    [path] = _backups(tmp_path)  # the default name, in the current folder
    assert f"backup written: {path}" in made.stdout
    assert f"{len(Base.metadata.sorted_tables)} tables" in made.stdout  # every model table
    assert "rows" in made.stdout
    assert "bytes" in made.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for secret in (settings.secret_key or "", password_hash, "@"):  # no key, no hash, no credentials
        assert secret not in made.stdout + made.stderr

    target = await scratch("cli")
    restored = _run(target, "restore", str(path), cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert f"restored {path}" in restored.stdout
    assert "every table's count matches the backup" in restored.stdout
    assert bk.without_sync_era(await bk.dump(target.effective_database_url)) == bk.without_sync_era(
        await bk.dump(settings.effective_database_url)
    )

    again = _run(target, "restore", str(path), cwd=tmp_path)
    assert again.returncode == 1
    assert "restore refused" in again.stderr
    assert "--force" in again.stderr
    forced = _run(target, "restore", str(path), "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert "previous data was replaced" in forced.stdout

    truncated = tmp_path / "truncated.fllcbak"
    truncated.write_bytes(path.read_bytes()[:-100])
    damaged = _run(target, "restore", str(truncated), "--force", cwd=tmp_path)
    assert damaged.returncode == 1
    assert "damaged or incomplete" in damaged.stderr
    assert "Traceback" not in damaged.stderr


def test_help_says_the_file_is_sensitive() -> None:
    parser = build_parser()
    actions = {a.dest: a for a in parser._actions}
    backup = actions["command"].choices["backup"]  # type: ignore[attr-defined]
    assert "SENSITIVE" in backup.format_help()
    assert "password hash" in backup.format_help()
