"""fllc-server serve | worker | scheduler | migrate | create-user | seed-demo | backup | restore |
backups list | restore-drill."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from fllc_server.auth.permissions import Role
from fllc_server.config import Settings
from fllc_server.kit.errors import AppError
from fllc_server.migrations import upgrade
from fllc_server.observability.metrics import multiprocess_dir, prepare_multiprocess


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if settings.embedded and args.workers > 1:
        print(
            "The embedded default (SQLite, in-process pub/sub) runs one worker; "
            "set FLLC_DATABASE_URL and FLLC_REDIS_URL to run several.",
            file=sys.stderr,
        )
        return 2
    if not settings.embedded:
        upgrade(settings.effective_database_url)
    if args.workers > 1 or multiprocess_dir() is not None:
        # Every worker counts for itself; a scrape adds them up (observability.metrics).
        prepare_multiprocess(settings.data_dir / "prometheus")
    uvicorn.run(
        "fllc_server.app:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        ws="websockets-sansio",
        server_header=False,  # no "Server: uvicorn" banner
        # Proxy headers are read by the app from FLLC_TRUSTED_PROXIES only (observability.proxies):
        # uvicorn's own default believes X-Forwarded-For from loopback.
        proxy_headers=False,
        forwarded_allow_ips="",
    )
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from fllc_server.jobs.worker import run_workers

    return run_workers(settings, args.concurrency)


def _scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from fllc_server.jobs.worker import run_scheduler

    return run_scheduler(settings)


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings.effective_database_url, args.revision)
    print(f"database at revision {args.revision}: {settings.effective_database_url.split('@')[-1]}")
    return 0


def _read_password(prompt: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Repeat: ") != first:
            raise SystemExit("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _create_user(args: argparse.Namespace, settings: Settings) -> int:
    from fllc_server.users.schemas import UserCreate
    from fllc_server.users.service import UserService

    password = _read_password(f"Password for {args.username}: ")
    try:
        data = UserCreate(
            username=args.username, password=password, role=Role(args.role), full_name=args.full_name or ""
        )
    except ValidationError as exc:
        print(f"invalid: {exc.errors()[0]['loc'][-1]}: {exc.errors()[0]['msg']}", file=sys.stderr)
        return 2
    upgrade(settings.effective_database_url)

    async def run() -> int:
        from fllc_server.state import AppState

        state = AppState.build(settings)
        try:
            async with state.db.transaction() as session:
                user = await UserService(session, state.passwords).create(data, actor=None)
                print(f"created user {user.username} (id {user.id}, role {user.role})")
        except AppError as exc:
            print(exc.message, file=sys.stderr)
            return 1
        finally:
            await state.close()
        return 0

    return asyncio.run(run())


def _reset_mfa(args: argparse.Namespace, settings: Settings) -> int:
    """Turn off a user's two-step sign-in from the server's shell (the last admin lost their phone)."""
    from fllc_server.users.service import UserService

    upgrade(settings.effective_database_url)

    async def run() -> int:
        from fllc_server.state import AppState

        state = AppState.build(settings)
        try:
            async with state.db.transaction() as session:
                service = UserService(session, state.passwords, state.auth, state.revocations)
                user = await service.users.by_username(args.username)
                if user is None:
                    print(f"no user named {args.username}", file=sys.stderr)
                    return 1
                await service.reset_mfa(user.id, actor=None)
            print(f"two-step sign-in of {user.username} is off; they sign in with their password")
        finally:
            await state.close()
        return 0

    return asyncio.run(run())


def _seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    from fllc_server.demo.seed import seed_demo

    upgrade(settings.effective_database_url)
    return asyncio.run(seed_demo(settings, products=args.products, if_empty=args.if_empty))


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from fllc_server.backup import BackupError, create_backup

    try:
        result = asyncio.run(create_backup(settings.effective_database_url, args.output))
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup written: {result.path}")
    print(
        f"  {result.tables} tables, {result.rows:,} rows, {result.bytes:,} bytes, "
        f"schema revision {result.revision}, {result.seconds:.1f} s"
    )
    print("  the file holds every user's password hash: keep it as safe as the database")
    return 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from fllc_server.backup import BackupError, restore_backup

    try:
        result = asyncio.run(restore_backup(settings, args.path, force=args.force))
    except BackupError as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 1
    emptied = " (the previous data was replaced)" if result.emptied else ""
    print(f"restored {result.path}{emptied}")
    print(
        f"  {result.tables} tables, {result.rows:,} rows, schema revision {result.revision}, "
        f"{result.seconds:.1f} s; every table's count matches the backup"
    )
    print(f"  {result.caches_note}")
    return 0


def _age(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 72 else f"{hours // 24} days"


def _backups_list(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt

    from fllc_server.backup.store import BackupStore

    store = BackupStore.for_settings(settings)
    backups = asyncio.run(store.all())
    if not backups:
        print(f"no backups in {store.where}")
        return 0
    now = dt.datetime.now(dt.UTC)
    print(f"{len(backups)} backups in {store.where} (oldest first):")
    for backup in backups:
        age = _age((now - backup.taken_at).total_seconds())
        print(
            f"  {backup.name}  {backup.taken_at:%Y-%m-%d %H:%M:%S} UTC  {age:>8} old  "
            f"{backup.bytes:>14,} bytes"
        )
    return 0


def _restore_drill(args: argparse.Namespace, settings: Settings) -> int:
    from fllc_server.backup import BackupError
    from fllc_server.backup.drill import restore_drill

    try:
        report = asyncio.run(restore_drill(settings, args.backup, args.into))
    except BackupError as exc:
        print(f"restore drill failed: {exc}", file=sys.stderr)
        return 1
    print(f"restore drill of {report.backup} (taken {report.taken_at:%Y-%m-%d %H:%M:%S} UTC)")
    print(f"  restored into {report.scratch}{' (dropped again)' if args.into is None else ''}")
    width = max(len(t.name) for t in report.tables)
    for table in report.tables:
        rows = (
            f"{table.rows:,}"
            if table.rows == table.expected_rows
            else f"{table.rows:,} of {table.expected_rows:,}"
        )
        if table.expected_checksum is None:
            content = "no checksum in this older file"
        else:
            content = "checksum matches" if table.checksum == table.expected_checksum else "CHECKSUM DIFFERS"
        print(f"  {'ok  ' if table.ok else 'BAD '} {table.name:<{width}}  {rows:>12} rows  {content}")
    bad = [t.name for t in report.tables if not t.ok]
    print(f"RPO {report.rpo_seconds:.0f} s (the backup's age: {_age(report.rpo_seconds)})")
    print(
        f"RTO {report.rto_seconds:.1f} s (checking the file and restoring it; the comparison took a further "
        f"{report.check_seconds:.1f} s)"
    )
    if bad:
        print(f"FAILED: {len(bad)} tables differ from the source at the backup's moment: {', '.join(bad)}")
        return 1
    what = "row count and content checksum" if report.checksummed else "row count"
    print(f"every table's {what} matches the source at the backup's moment ({len(report.tables)} tables)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fllc-server", description="FLLC Warehouse server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve)
    worker = sub.add_parser("worker", help="run background jobs from the Redis queue (reports, snapshots)")
    worker.add_argument("--concurrency", type=int, default=1, help="worker processes to run")
    worker.set_defaults(handler=_worker)
    scheduler = sub.add_parser(
        "scheduler", help="only schedule jobs (periodic jobs, retries, rescues); one leads however many run"
    )
    scheduler.set_defaults(handler=_scheduler)
    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(handler=_migrate)
    create = sub.add_parser("create-user", help="create a user (password from a prompt or stdin)")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--full-name", default="")
    create.set_defaults(handler=_create_user)
    reset_mfa = sub.add_parser("reset-mfa", help="turn off a user's two-step sign-in (audited)")
    reset_mfa.add_argument("username")
    reset_mfa.set_defaults(handler=_reset_mfa)
    seed = sub.add_parser("seed-demo", help="load realistic demo data and one user per role")
    seed.add_argument("--products", type=int, default=5000)
    seed.add_argument("--if-empty", action="store_true", help="do nothing when data already exists")
    seed.set_defaults(handler=_seed_demo)
    backup = sub.add_parser(
        "backup",
        help="write every table to one portable backup file",
        description="Write a consistent snapshot of the whole database (safe while the server runs) "
        "to one gzip'd, checksummed file that restores into SQLite or MariaDB/MySQL alike. "
        "The file is SENSITIVE: it holds every user's password hash and all business data; it is "
        "created readable by its owner only (mode 0600) - store it accordingly.",
    )
    backup.add_argument(
        "--output",
        type=Path,
        default=None,
        help="file to write, or a folder for the default name (fllc-backup-<UTC time>.fllcbak "
        "in the current folder)",
    )
    backup.set_defaults(handler=_backup)
    restore = sub.add_parser(
        "restore",
        help="replace the database's contents with a backup file",
        description="Check the whole file (a damaged or truncated one is refused before the database "
        "is touched), migrate the database to the backup's schema revision, load every table in one "
        "transaction and verify each table's row count, then invalidate the caches of running servers.",
    )
    restore.add_argument("path", type=Path, help="the .fllcbak file")
    restore.add_argument(
        "--force", action="store_true", help="empty a database that already holds data, then restore"
    )
    restore.set_defaults(handler=_restore)
    backups = sub.add_parser(
        "backups", help="the scheduled backups (in the object storage: FLLC_STORAGE_URL)"
    )
    backups_sub = backups.add_subparsers(dest="backups_command", required=True)
    listing = backups_sub.add_parser("list", help="list the backups kept, oldest first")
    listing.set_defaults(handler=_backups_list)
    drill = sub.add_parser(
        "restore-drill",
        help="restore the latest backup into a scratch database and check it against the source",
        description="Restore the newest scheduled backup (or --backup FILE) into a new scratch database "
        "of the same kind (a temporary SQLite file, or a new database on the same MariaDB/MySQL server, "
        "dropped afterwards), compare every table's row count and content checksum with what the "
        "source held at the backup's moment, and print the RPO (the backup's age) and the RTO (the "
        "time the restore took). Exit status 1 when anything differs. The live database is only read.",
    )
    drill.add_argument("--backup", type=Path, default=None, help="the .fllcbak file (default: the newest)")
    drill.add_argument(
        "--into", default=None, help="an empty database URL to restore into instead (kept afterwards)"
    )
    drill.set_defaults(handler=_restore_drill)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "settings"
        print(f"invalid setting {where}: {problem['msg']}", file=sys.stderr)
        return 2
    settings.prepare_data_dir()
    result: int = args.handler(args, settings)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
