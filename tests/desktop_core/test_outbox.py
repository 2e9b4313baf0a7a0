"""The outbox: durable, ordered, per user, and never drops an op silently."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fllc_desktop.domain.commands import Command, CommandKind
from fllc_desktop.store import OpNotFoundError, OpOutcome, OpOwner, OpState, Outbox


def intake(product_id: int, quantity: int = 1) -> Command:
    return Command.new(CommandKind.STOCK_INTAKE, {"product_id": product_id, "quantity": quantity})


def test_an_enqueued_op_is_on_disk_when_enqueue_returns(tmp_path: Path, sam: OpOwner) -> None:
    box = Outbox(tmp_path / "outbox.sqlite3")
    command = intake(4, 12)
    box.enqueue(sam, command)
    # Read with a separate, plain connection while the outbox is still open: it is committed.
    with sqlite3.connect(tmp_path / "outbox.sqlite3") as raw:
        (count,) = raw.execute("SELECT count(*) FROM ops WHERE op_id = ?", (str(command.op_id),)).fetchone()
    box.close()
    assert count == 1


def test_the_outbox_file_uses_wal_synchronous_full_and_a_schema_version(outbox: Outbox) -> None:
    with outbox.database.read() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA user_version").scalar() == 1


def test_pending_ops_come_back_in_the_order_they_were_made(outbox: Outbox, sam: OpOwner) -> None:
    commands = [intake(i) for i in range(5)]
    for command in commands:
        outbox.enqueue(sam, command)
    assert [e.command for e in outbox.pending(sam)] == commands
    assert [e.command for e in outbox.pending(sam, limit=2)] == commands[:2]


def test_an_entry_round_trips_the_whole_command(outbox: Outbox, sam: OpOwner) -> None:
    command = Command.new(
        CommandKind.PRODUCT_UPDATE, {"product_id": 3, "name": "Bolt M6", "price": "1.25"}, base_version=4
    )
    entry = outbox.enqueue(sam, command)
    assert entry.command == command
    assert entry.state is OpState.PENDING
    assert entry.owner == sam


def test_enqueueing_the_same_op_twice_keeps_one(outbox: Outbox, sam: OpOwner) -> None:
    command = intake(1)
    outbox.enqueue(sam, command)
    outbox.enqueue(sam, command)
    assert len(outbox.pending(sam)) == 1


def test_another_user_neither_sees_nor_pushes_my_ops(outbox: Outbox, sam: OpOwner, alex: OpOwner) -> None:
    outbox.enqueue(sam, intake(1, 5))
    assert outbox.pending(alex) == []
    assert outbox.counts(alex).pending == 0
    assert outbox.pending_deltas(alex) == {}
    other_server = OpOwner.of("http://elsewhere.test", sam.user_id)
    assert outbox.pending(other_server) == []


def test_applied_and_duplicate_answers_settle_the_op(outbox: Outbox, sam: OpOwner) -> None:
    first, second = intake(1), intake(2)
    outbox.enqueue(sam, first)
    outbox.enqueue(sam, second)
    outbox.record_outcomes(
        [OpOutcome(first.op_id, "applied", result={"movement_id": 9}), OpOutcome(second.op_id, "duplicate")]
    )
    assert outbox.pending(sam) == []
    done = outbox.entry(first.op_id)
    assert done is not None
    assert done.state is OpState.DONE
    assert done.result == {"movement_id": 9}


def test_rejected_and_conflicting_ops_wait_for_a_person(outbox: Outbox, sam: OpOwner) -> None:
    rejected = intake(1)
    conflicting = Command.new(CommandKind.PRODUCT_UPDATE, {"product_id": 3, "name": "X"}, base_version=1)
    outbox.enqueue(sam, rejected)
    outbox.enqueue(sam, conflicting)
    outbox.record_outcomes(
        [
            OpOutcome(rejected.op_id, "rejected", error_code="forbidden", error_message="needs stock.intake"),
            OpOutcome(conflicting.op_id, "conflict", current={"id": 3, "name": "Y", "version": 2}),
        ]
    )
    waiting = outbox.needs_attention(sam)
    assert [e.command.op_id for e in waiting] == [rejected.op_id, conflicting.op_id]
    assert waiting[0].error_message == "needs stock.intake"
    assert waiting[1].current == {"id": 3, "name": "Y", "version": 2}
    assert outbox.counts(sam).needs_attention == 2
    assert outbox.counts(sam).pending == 0


def test_retry_puts_an_op_back_in_line_with_the_version_the_user_saw(outbox: Outbox, sam: OpOwner) -> None:
    command = Command.new(CommandKind.PRODUCT_UPDATE, {"product_id": 3, "name": "X"}, base_version=1)
    outbox.enqueue(sam, command)
    outbox.record_outcomes([OpOutcome(command.op_id, "conflict", current={"version": 2})])
    outbox.retry(sam, command.op_id, base_version=2)
    (entry,) = outbox.pending(sam)
    assert entry.command.base_version == 2
    assert entry.current is None
    assert [event for event, _ in outbox.history(command.op_id)] == ["conflict", "retried"]


def test_discard_is_recorded_not_deleted(outbox: Outbox, sam: OpOwner) -> None:
    command = intake(1)
    outbox.enqueue(sam, command)
    outbox.record_outcomes([OpOutcome(command.op_id, "rejected", error_code="not_found")])
    outbox.discard(sam, command.op_id, "product no longer sold")
    assert outbox.needs_attention(sam) == []
    (kept,) = outbox.discarded(sam)
    assert kept.discard_note == "product no longer sold"
    assert kept.discarded_at is not None
    assert ("discarded", "product no longer sold") in outbox.history(command.op_id)


def test_only_the_author_can_retry_or_discard(outbox: Outbox, sam: OpOwner, alex: OpOwner) -> None:
    command = intake(1)
    outbox.enqueue(sam, command)
    outbox.record_outcomes([OpOutcome(command.op_id, "rejected")])
    with pytest.raises(OpNotFoundError):
        outbox.discard(alex, command.op_id, "not mine")
    with pytest.raises(OpNotFoundError):
        outbox.retry(alex, command.op_id)
    with pytest.raises(OpNotFoundError):
        outbox.retry(sam, uuid.uuid4())


def test_only_an_op_waiting_for_a_person_can_be_retried(outbox: Outbox, sam: OpOwner) -> None:
    pending, settled = intake(1), intake(2)
    outbox.enqueue(sam, pending)
    outbox.enqueue(sam, settled)
    outbox.record_outcomes([OpOutcome(settled.op_id, "applied")])
    with pytest.raises(OpNotFoundError, match="pending"):
        outbox.retry(sam, pending.op_id)  # still in line: nothing to retry
    with pytest.raises(OpNotFoundError):
        outbox.discard(sam, settled.op_id, "too late: the server applied it")
    assert outbox.counts(sam).pending == 1


def test_a_late_answer_for_a_discarded_op_does_not_revive_it(outbox: Outbox, sam: OpOwner) -> None:
    command = intake(1)
    outbox.enqueue(sam, command)
    outbox.discard(sam, command.op_id, "scanned by mistake")
    outbox.record_outcomes([OpOutcome(command.op_id, "applied")])
    entry = outbox.entry(command.op_id)
    assert entry is not None
    assert entry.state is OpState.DISCARDED
    assert ("late applied", None) in outbox.history(command.op_id)


def test_pending_deltas_add_up_per_product(outbox: Outbox, sam: OpOwner) -> None:
    outbox.enqueue(sam, intake(1, 5))
    outbox.enqueue(sam, intake(1, 2))
    outbox.enqueue(
        sam, Command.new(CommandKind.STOCK_ADJUST, {"product_id": 2, "delta": -3, "reason_code": "damaged"})
    )
    outbox.enqueue(sam, Command.new(CommandKind.STOCK_INTAKE, {"barcode": "4006381333931", "quantity": 1}))
    applied = intake(1, 100)
    outbox.enqueue(sam, applied)
    outbox.record_outcomes([OpOutcome(applied.op_id, "applied")])
    assert outbox.pending_deltas(sam) == {1: 7, 2: -3}


def test_ops_survive_closing_and_reopening(tmp_path: Path, sam: OpOwner) -> None:
    box = Outbox(tmp_path / "outbox.sqlite3")
    commands = [intake(i) for i in range(3)]
    for command in commands:
        box.enqueue(sam, command)
    box.close()
    reopened = Outbox(tmp_path / "outbox.sqlite3")
    assert [e.command for e in reopened.pending(sam)] == commands
    reopened.close()


def test_settled_ops_can_be_forgotten_after_a_while(outbox: Outbox, sam: OpOwner) -> None:
    command = intake(1)
    outbox.enqueue(sam, command)
    outbox.enqueue(sam, intake(2))
    outbox.record_outcomes([OpOutcome(command.op_id, "applied")])
    assert outbox.forget_done_before(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert outbox.entry(command.op_id) is None
    assert len(outbox.pending(sam)) == 1


def test_two_outbox_objects_on_one_file_write_in_turn(tmp_path: Path, sam: OpOwner) -> None:
    """The GUI thread enqueues while the sync thread records answers: both on the same file."""
    first, second = Outbox(tmp_path / "outbox.sqlite3"), Outbox(tmp_path / "outbox.sqlite3")
    command = intake(1)
    first.enqueue(sam, command)
    second.record_outcomes([OpOutcome(command.op_id, "applied")])
    first.enqueue(sam, intake(2))
    assert len(second.pending(sam)) == 1
    first.close()
    second.close()
