"""fllc-server serve | migrate | create-user | seed-demo | backup | restore."""

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
    uvicorn.run(
        "fllc_server.app:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        ws="websockets-sansio",
    )
    return 0


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
        data = UserCreate(username=args.username, password=password, role=Role(args.role),
                          full_name=args.full_name or "")
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
    print(f"  {result.tables} tables, {result.rows:,} rows, {result.bytes:,} bytes, "
          f"schema revision {result.revision}, {result.seconds:.1f} s")
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
    print(f"  {result.tables} tables, {result.rows:,} rows, schema revision {result.revision}, "
          f"{result.seconds:.1f} s; every table's count matches the backup")
    print(f"  {result.caches_note}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fllc-server", description="FLLC Warehouse server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve)
    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(handler=_migrate)
    create = sub.add_parser("create-user", help="create a user (password from a prompt or stdin)")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--full-name", default="")
    create.set_defaults(handler=_create_user)
    seed = sub.add_parser("seed-demo", help="load realistic demo data and one user per role")
    seed.add_argument("--products", type=int, default=5000)
    seed.add_argument("--if-empty", action="store_true", help="do nothing when data already exists")
    seed.set_defaults(handler=_seed_demo)
    backup = sub.add_parser(
        "backup", help="write every table to one portable backup file",
        description="Write a consistent snapshot of the whole database (safe while the server runs) "
        "to one gzip'd, checksummed file that restores into SQLite or MariaDB/MySQL alike. "
        "The file is SENSITIVE: it holds every user's password hash and all business data; it is "
        "created readable by its owner only (mode 0600) - store it accordingly.",
    )
    backup.add_argument(
        "--output", type=Path, default=None,
        help="file to write, or a folder for the default name (fllc-backup-<UTC time>.fllcbak "
        "in the current folder)",
    )
    backup.set_defaults(handler=_backup)
    restore = sub.add_parser(
        "restore", help="replace the database's contents with a backup file",
        description="Check the whole file (a damaged or truncated one is refused before the database "
        "is touched), migrate the database to the backup's schema revision, load every table in one "
        "transaction and verify each table's row count, then invalidate the caches of running servers.",
    )
    restore.add_argument("path", type=Path, help="the .fllcbak file")
    restore.add_argument("--force", action="store_true",
                         help="empty a database that already holds data, then restore")
    restore.set_defaults(handler=_restore)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    result: int = args.handler(args, settings)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
