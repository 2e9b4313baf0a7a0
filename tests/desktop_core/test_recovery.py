"""A damaged or locked local database: a clear typed error and a way back that keeps unsent work.

These tests damage real files: garbage bytes and a truncated outbox."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fllc_desktop.domain.commands import Command, CommandKind
from fllc_desktop.store import (
    CatalogReplica,
    DatabaseUnavailableError,
    LocalStore,
    OpOutcome,
    OpOwner,
    OpState,
    Outbox,
    StoreBugError,
    Trouble,
)
from fllc_desktop.store import database as database_module
from fllc_desktop.store.errors import translate
from fllc_desktop.store.local_store import CATALOG_FILE, OUTBOX_FILE, set_aside

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def intake(product_id: int, note: str = "") -> Command:
    return Command.new(CommandKind.STOCK_INTAKE, {"product_id": product_id, "quantity": 1, "lot": note})


def fill_outbox(path: Path, owner: OpOwner, count: int) -> list[Command]:
    box = Outbox(path)
    commands = [intake(i, note="L" * 200) for i in range(count)]
    for command in commands:
        box.enqueue(owner, command)
    box.close()
    return commands


def write_garbage(path: Path) -> None:
    path.write_bytes(os.urandom(16384))


def test_a_garbage_outbox_is_a_known_error_not_a_crash(tmp_path: Path) -> None:
    write_garbage(tmp_path / OUTBOX_FILE)
    with pytest.raises(DatabaseUnavailableError) as caught:
        LocalStore.open(tmp_path)
    assert caught.value.trouble is Trouble.CORRUPT
    assert caught.value.recoverable_by_rebuilding
    assert caught.value.title == "The local database is damaged"
    assert "outbox.sqlite3" in caught.value.message


def test_a_garbage_outbox_is_set_aside_and_a_fresh_one_started(tmp_path: Path, sam: OpOwner) -> None:
    write_garbage(tmp_path / OUTBOX_FILE)
    store, report = LocalStore.open_or_recover(tmp_path, now=NOW)
    assert report.outbox_set_aside == tmp_path / "outbox.sqlite3.damaged-20240501T120000"
    assert report.outbox_set_aside.exists()
    assert report.ops_salvaged == 0
    assert report.outbox_unreadable
    store.outbox.enqueue(sam, intake(1))
    assert store.outbox.counts(sam).pending == 1
    assert "could not be read" in report.summary
    store.close()


def test_a_truncated_outbox_gives_back_every_readable_op(tmp_path: Path, sam: OpOwner) -> None:
    path = tmp_path / OUTBOX_FILE
    commands = fill_outbox(path, sam, 600)
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.truncate(size * 2 // 3)
    with pytest.raises(DatabaseUnavailableError):
        Outbox(path)

    store, report = LocalStore.open_or_recover(tmp_path, now=NOW)
    salvaged = store.outbox.pending(sam, limit=-1)
    assert 0 < report.ops_salvaged < len(commands)
    assert report.ops_unreadable > 0
    assert report.outbox_set_aside is not None
    assert report.outbox_set_aside.stat().st_size == size * 2 // 3  # the evidence is left as found
    assert len(salvaged) == report.ops_salvaged
    originals = {c.op_id: c for c in commands}
    assert all(originals[e.command.op_id] == e.command for e in salvaged)
    order = [c.op_id for c in commands]
    assert [e.command.op_id for e in salvaged] == sorted((e.command.op_id for e in salvaged), key=order.index)
    store.close()


def test_salvage_keeps_owners_and_discards_and_skips_settled_ops(
    tmp_path: Path, sam: OpOwner, alex: OpOwner
) -> None:
    box = Outbox(tmp_path / OUTBOX_FILE)
    mine, theirs, settled, dropped, rejected = (intake(i) for i in range(5))
    for owner, command in ((sam, mine), (alex, theirs), (sam, settled), (sam, dropped), (sam, rejected)):
        box.enqueue(owner, command)
    box.record_outcomes([OpOutcome(settled.op_id, "applied"), OpOutcome(rejected.op_id, "rejected")])
    box.discard(sam, dropped.op_id, "mistake")
    box.close()

    store = LocalStore.open(tmp_path)
    report = store.recover_outbox(now=NOW)
    outbox = store.outbox
    assert report.ops_salvaged == 4
    assert [e.command for e in outbox.pending(sam)] == [mine, rejected]
    assert [e.command for e in outbox.pending(alex)] == [theirs]
    assert [e.command for e in outbox.discarded(sam)] == [dropped]
    assert outbox.entry(settled.op_id) is None
    store.close()


def test_a_garbage_catalog_is_rebuilt_and_the_outbox_is_untouched(tmp_path: Path, sam: OpOwner) -> None:
    commands = fill_outbox(tmp_path / OUTBOX_FILE, sam, 3)
    write_garbage(tmp_path / CATALOG_FILE)
    store, report = LocalStore.open_or_recover(tmp_path, now=NOW)
    assert report.catalog_set_aside is not None
    assert report.outbox_set_aside is None
    assert store.catalog.cursor() is None
    assert [e.command for e in store.outbox.pending(sam)] == commands
    assert "downloaded again" in report.summary
    store.close()


def test_the_catalog_can_be_rebuilt_while_running(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path)
    with store.catalog.database.write() as connection:
        connection.exec_driver_sql("INSERT INTO sync_state (key, value) VALUES ('changes_cursor', '9')")
    aside = store.rebuild_catalog(now=NOW)
    assert aside.exists()
    assert store.catalog.cursor() is None
    store.close()


def test_set_aside_moves_the_write_ahead_log_along(tmp_path: Path, sam: OpOwner) -> None:
    path = tmp_path / OUTBOX_FILE
    box = Outbox(path)
    command = intake(1)
    box.enqueue(sam, command)  # still in the -wal file while the outbox is open
    assert path.with_name(OUTBOX_FILE + "-wal").exists()
    aside = set_aside(path, NOW)
    assert aside.with_name(aside.name + "-wal").exists()
    assert not path.exists()
    raw = sqlite3.connect(aside)
    assert raw.execute("SELECT op_id FROM ops").fetchall() == [(str(command.op_id),)]
    raw.close()
    box.close()


def test_set_aside_never_overwrites_an_earlier_damaged_file(tmp_path: Path) -> None:
    first = tmp_path / OUTBOX_FILE
    first.write_bytes(b"one")
    one = set_aside(first, NOW)
    first.write_bytes(b"two")
    two = set_aside(first, NOW)
    assert one != two
    assert (one.read_bytes(), two.read_bytes()) == (b"one", b"two")


def test_a_locked_outbox_is_a_known_error(
    tmp_path: Path, sam: OpOwner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT_MS", 50)
    path = tmp_path / OUTBOX_FILE
    box = Outbox(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process is writing and does not let go
    with pytest.raises(DatabaseUnavailableError) as caught:
        box.enqueue(sam, intake(1))
    assert caught.value.trouble is Trouble.LOCKED
    assert not caught.value.recoverable_by_rebuilding
    holder.rollback()
    holder.close()
    box.enqueue(sam, intake(1))
    box.close()


def test_a_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / CATALOG_FILE
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(DatabaseUnavailableError) as caught:
        CatalogReplica(path)
    assert caught.value.trouble is Trouble.NEWER_SCHEMA


def test_our_own_bad_sql_is_a_bug_not_the_environment(tmp_path: Path) -> None:
    error = sqlite3.connect(":memory:").execute
    with pytest.raises(sqlite3.OperationalError) as caught:
        error("SELECT nothing FROM nowhere")
    assert isinstance(translate(caught.value, tmp_path / "x"), StoreBugError)


def test_salvaged_ops_are_marked_with_their_source(tmp_path: Path, sam: OpOwner) -> None:
    fill_outbox(tmp_path / OUTBOX_FILE, sam, 2)
    store = LocalStore.open(tmp_path)
    report = store.recover_outbox(now=NOW)
    assert report.outbox_set_aside is not None
    with store.outbox.database.read() as connection:
        sources = connection.exec_driver_sql("SELECT DISTINCT salvaged_from FROM ops").scalars().all()
    assert sources == [report.outbox_set_aside.name]
    assert all(e.state is OpState.PENDING for e in store.outbox.pending(sam))
    store.close()
