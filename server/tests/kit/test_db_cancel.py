"""A task cancelled in the middle of a SQLite statement, then cancelled again, must not leave the
event loop unable to shut down (kit.db: `_close_aiosqlite_by_stopping`).

Before the fix this hung for ever in asyncio.Runner's close — the CI run's two 300 s timeouts: a job
cancelled at the app's shutdown while waiting for the write lock, and cancelled again when the
test's loop closed. Each case runs in a thread of its own so a hang fails the test instead of
freezing the run.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from fllc_server.kit.db import build_engine
from sqlalchemy import text

# (seconds before the first cancel, seconds between the two cancels): the second cancel lands while
# SQLAlchemy is still closing the invalidated connection, or just after.
TIMINGS = [(0.1, 0.0), (0.1, 0.001), (0.1, 0.05), (0.3, 0.001), (0.1, 0.5)]
PATIENCE = 30.0  # seconds: a case takes about 2 (the blocker holds the write lock for 1)


def _run_case(path: Path, first: float, between: float) -> None:
    blocker = sqlite3.connect(path, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")  # the write lock, held by someone else for a second
    release = threading.Timer(1.0, blocker.rollback)
    release.start()

    async def main() -> None:
        engine = build_engine(f"sqlite+aiosqlite:///{path}", sqlite_begin="BEGIN IMMEDIATE")

        async def writer() -> None:
            async with engine.connect() as connection:  # BEGIN IMMEDIATE: waits for the lock
                await connection.execute(text("INSERT INTO t VALUES (1)"))
                await connection.commit()

        writers = [asyncio.create_task(writer()) for _ in range(3)]
        await asyncio.sleep(first)
        for task in writers:
            task.cancel()
        await asyncio.sleep(between)
        for task in writers:
            task.cancel()
        # returning now leaves the writers to asyncio.Runner's close, which cancels them once more

    try:
        with asyncio.Runner() as runner:
            runner.run(main())
    finally:
        release.join()
        blocker.close()


@pytest.mark.parametrize(("first", "between"), TIMINGS)
def test_a_statement_cancelled_twice_lets_the_loop_close(
    tmp_path: Path, first: float, between: float
) -> None:
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as setup:  # in WAL, as the app's connections make every database
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE t (x INTEGER)")
    errors: list[BaseException] = []

    def target() -> None:
        try:
            _run_case(path, first, between)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=target, name="cancel-case", daemon=True)
    thread.start()
    thread.join(PATIENCE)
    assert not thread.is_alive(), "the event loop could not close: a cancelled SQLite close hangs"
    assert not errors, errors
    with sqlite3.connect(path) as check:  # the cancelled writers wrote nothing, the file is sound
        assert check.execute("SELECT count(*) FROM t").fetchone() == (0,)
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
