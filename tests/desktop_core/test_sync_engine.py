"""The sync engine, driven by plain calls against a scripted fake server (no event loop, no
network). End-to-end runs against a real server process belong to the durability tests."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import fllc_desktop
from fllc_desktop.api.errors import (
    GoneError,
    OfflineError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    ValidationError,
)
from fllc_desktop.api.models import Change, ChangeBatch, OpAnswer
from fllc_desktop.domain.commands import Command, CommandKind
from fllc_desktop.store import CatalogReplica, OpOwner, OpState, Outbox
from fllc_desktop.sync import Backoff, Connectivity, SyncEngine, SyncStatus
from fllc_desktop.sync.engine import OFFLINE_RETRY_CAP

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@dataclass
class FakeServer:
    """Applies each op once, answers per op, serves a change feed from a list."""

    applied: list[str] = field(default_factory=list)
    pushes: list[list[str]] = field(default_factory=list)
    feed: list[Change] = field(default_factory=list)
    oldest_seq: int = 0  # a cursor below this is 410 Gone
    refuse: dict[str, tuple[str, dict[str, Any] | None]] = field(default_factory=dict)
    failures: list[Exception] = field(default_factory=list)
    unanswered: set[str] = field(default_factory=set)
    malformed: dict[str, str] = field(default_factory=dict)  # op_id → the sub-field the server rejects
    name_the_op: bool = True  # False: a 400 whose details name no op (an older or odder server)
    reports: list[object] = field(default_factory=list)  # what each push said about the device

    def push(self, device_id: str, ops: Sequence[Command], **device: object) -> list[OpAnswer]:
        self._maybe_fail()
        self.pushes.append([str(op.op_id) for op in ops])
        self.reports.append(device.get("device"))
        self._refuse_malformed(ops)
        return [self._answer(str(op.op_id)) for op in ops if str(op.op_id) not in self.unanswered]

    def changes(self, since: int | None, limit: int) -> ChangeBatch:
        self._maybe_fail()
        since = since or 0
        if since and since < self.oldest_seq:
            raise GoneError("cursor too old", status=410)
        newer = [c for c in self.feed if c.seq > since][:limit]
        cursor = newer[-1].seq if newer else since
        return ChangeBatch(newer, cursor, has_more=len(newer) == limit)

    def _answer(self, op_id: str) -> OpAnswer:
        if op_id in self.refuse:
            status, current = self.refuse[op_id]
            return OpAnswer(
                op_id, status, error={"code": status, "message": f"{status} by rule"}, current=current
            )
        if op_id in self.applied:
            return OpAnswer(op_id, "duplicate")
        self.applied.append(op_id)
        return OpAnswer(op_id, "applied", result={"ok": True})

    def _refuse_malformed(self, ops: Sequence[Command]) -> None:
        """Like the real server: one bad op refuses the whole batch with 400, naming ``ops.N``."""
        details = [
            {
                "field": f"ops.{index}.{self.malformed[str(op.op_id)]}" if self.name_the_op else None,
                "message": "Input should be a valid integer",
                "type": "int_parsing",
            }
            for index, op in enumerate(ops)
            if str(op.op_id) in self.malformed
        ]
        if details:
            raise ValidationError(
                "The batch is not valid; nothing was applied",
                field_errors={},
                status=400,
                code="validation_error",
                details=details,
            )

    def _maybe_fail(self) -> None:
        if self.failures:
            raise self.failures.pop(0)


def product_change(seq: int, product_id: int, quantity: int = 0) -> Change:
    data = {
        "id": product_id,
        "sku": f"SKU-{product_id}",
        "name": f"Product {product_id}",
        "quantity_on_hand": quantity,
        "version": seq,
    }
    return Change(seq=seq, entity="product", entity_id=product_id, deleted=False, data=data)


def intake(product_id: int, quantity: int = 1) -> Command:
    return Command.new(CommandKind.STOCK_INTAKE, {"product_id": product_id, "quantity": quantity})


def make_engine(
    server: FakeServer, outbox: Outbox, catalog: CatalogReplica, owner: OpOwner, **kwargs: Any
) -> SyncEngine:
    kwargs.setdefault("backoff", Backoff(base=1.0, cap=60.0, random=lambda: 0.5))
    return SyncEngine(server, outbox, catalog, owner, "tablet-1", clock=lambda: NOW, **kwargs)


def test_pending_ops_are_pushed_in_order_and_in_batches(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    commands = [intake(i % 7) for i in range(450)]
    for command in commands:
        outbox.enqueue(sam, command)
    server = FakeServer()
    report = make_engine(server, outbox, catalog, sam, batch_size=200).sync_once()
    assert [len(batch) for batch in server.pushes] == [200, 200, 50]
    assert server.applied == [str(c.op_id) for c in commands]
    assert report.settled == 450
    assert outbox.counts(sam).pending == 0


def test_each_push_says_what_the_device_still_holds(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    for number in range(5):
        outbox.enqueue(sam, intake(number))
    server = FakeServer()
    make_engine(server, outbox, catalog, sam, batch_size=2).sync_once()
    assert [(r.pending, r.needs_attention) for r in server.reports] == [(3, 0), (1, 0), (0, 0)]
    assert {r.app_version for r in server.reports} == {fllc_desktop.__version__}


def test_only_the_signed_in_users_ops_are_pushed(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner, alex: OpOwner
) -> None:
    mine, theirs = intake(1), intake(2)
    outbox.enqueue(sam, mine)
    outbox.enqueue(alex, theirs)
    server = FakeServer()
    make_engine(server, outbox, catalog, sam).sync_once()
    assert server.applied == [str(mine.op_id)]
    assert outbox.counts(alex).pending == 1


def test_rejected_and_conflicting_ops_go_to_needs_attention(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    ok, rejected = intake(1), intake(2)
    conflicting = Command.new(CommandKind.PRODUCT_UPDATE, {"product_id": 3, "name": "X"}, base_version=1)
    for command in (ok, rejected, conflicting):
        outbox.enqueue(sam, command)
    server = FakeServer(
        refuse={
            str(rejected.op_id): ("rejected", None),
            str(conflicting.op_id): ("conflict", {"id": 3, "name": "Y", "version": 2}),
        }
    )
    engine = make_engine(server, outbox, catalog, sam)
    report = engine.sync_once()
    assert (report.settled, report.needs_attention) == (1, 2)
    waiting = outbox.needs_attention(sam)
    assert [e.answer_status for e in waiting] == ["rejected", "conflict"]
    assert waiting[0].error_message == "rejected by rule"
    assert waiting[1].current == {"id": 3, "name": "Y", "version": 2}
    assert engine.status.needs_attention == 2
    assert engine.status.pending == 0


def test_a_batch_refused_for_one_malformed_op_sets_that_op_aside_and_pushes_the_rest(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    ops = [intake(n) for n in range(1, 6)]
    for command in ops:
        outbox.enqueue(sam, command)
    bad = ops[2]
    server = FakeServer(malformed={str(bad.op_id): "payload.quantity"})
    engine = make_engine(server, outbox, catalog, sam)
    report = engine.sync_once()
    assert report.error is None
    assert (report.settled, report.needs_attention) == (4, 1)
    assert server.applied == [str(op.op_id) for op in ops if op is not bad]
    assert len(server.pushes) == 2  # the whole batch (refused), then the four good ones
    (waiting,) = outbox.needs_attention(sam)
    assert waiting.command == bad
    assert (waiting.answer_status, waiting.error_code) == ("rejected", "validation_error")
    assert waiting.error_message is not None
    assert "payload.quantity: Input should be a valid integer" in waiting.error_message
    assert engine.status.connectivity is Connectivity.ONLINE
    assert (engine.status.pending, engine.status.needs_attention) == (0, 1)


def test_a_refused_batch_that_names_no_op_is_pushed_one_op_at_a_time(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    ops = [intake(n) for n in range(1, 5)]
    for command in ops:
        outbox.enqueue(sam, command)
    server = FakeServer(malformed={str(ops[1].op_id): "payload.quantity"}, name_the_op=False)
    report = make_engine(server, outbox, catalog, sam).sync_once()
    assert (report.settled, report.needs_attention) == (3, 1)
    assert server.pushes[1:] == [[str(op.op_id)] for op in ops]
    (waiting,) = outbox.needs_attention(sam)
    assert waiting.command == ops[1]
    assert waiting.error_message is not None
    assert "The batch is not valid" in waiting.error_message
    assert outbox.pending(sam) == []


def test_an_op_without_an_answer_stays_pending(outbox: Outbox, catalog: CatalogReplica, sam: OpOwner) -> None:
    answered, lost = intake(1), intake(2)
    outbox.enqueue(sam, answered)
    outbox.enqueue(sam, lost)
    server = FakeServer(unanswered={str(lost.op_id)})
    make_engine(server, outbox, catalog, sam).sync_once()
    assert [e.command for e in outbox.pending(sam)] == [lost]
    server.unanswered.clear()
    make_engine(server, outbox, catalog, sam).sync_once()
    assert outbox.pending(sam) == []


def test_offline_keeps_every_op_and_backs_off_but_never_waits_more_than_a_few_seconds(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    outbox.enqueue(sam, intake(1))
    server = FakeServer(failures=[OfflineError("down")] * 20)
    engine = make_engine(server, outbox, catalog, sam)
    delays = []
    for _ in range(20):
        report = engine.sync_once()
        assert isinstance(report.error, OfflineError)
        delays.append(engine.status.retry_in)
    # half to all of 1, 2, 4, 8... with random() = 0.5, capped so that the tablet syncs within 5 s
    # of the server being reachable again (the status bar once said "retrying in 250 s")
    assert delays[:4] == [0.75, 1.5, 3.0, OFFLINE_RETRY_CAP]
    assert max(delays) == OFFLINE_RETRY_CAP < 5
    assert engine.status.connectivity is Connectivity.OFFLINE
    assert outbox.counts(sam).pending == 1
    engine.sync_once()
    assert engine.status.connectivity is Connectivity.ONLINE
    assert engine.status.last_synced_at == NOW
    assert engine.status.retry_in is None
    assert engine.backoff.failures == 0


def test_backoff_is_capped_and_jittered() -> None:
    low, high = Backoff(base=1, cap=10, random=lambda: 0.0), Backoff(base=1, cap=10, random=lambda: 0.999)
    assert [round(low.next_delay(), 2) for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    high.failures = 10
    assert 5.0 <= high.next_delay() <= 10.0
    assert low.failures == 6


def test_rate_limited_waits_at_least_the_hinted_delay(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    outbox.enqueue(sam, intake(1))
    server = FakeServer(failures=[RateLimitedError("slow down", retry_after=42.0, status=429)])
    engine = make_engine(server, outbox, catalog, sam)
    engine.sync_once()
    assert engine.status.retry_in == 42.0


def test_a_server_error_is_retried_later(outbox: Outbox, catalog: CatalogReplica, sam: OpOwner) -> None:
    outbox.enqueue(sam, intake(1))
    server = FakeServer(failures=[ServerError("boom", status=500)])
    engine = make_engine(server, outbox, catalog, sam)
    assert isinstance(engine.sync_once().error, ServerError)
    assert engine.status.last_error is not None
    engine.sync_once()
    assert outbox.counts(sam).pending == 0


def test_an_ended_session_stops_pushing_and_says_so(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    outbox.enqueue(sam, intake(1))
    server = FakeServer(failures=[UnauthorizedError("expired", status=401)])
    engine = make_engine(server, outbox, catalog, sam)
    engine.sync_once()
    assert engine.status.connectivity is Connectivity.SIGNED_OUT
    assert outbox.counts(sam).pending == 1


def test_a_restart_resumes_where_the_store_left_off(tmp_path: Path, sam: OpOwner) -> None:
    outbox_path, catalog_path = tmp_path / "outbox.sqlite3", tmp_path / "catalog.sqlite3"
    outbox, catalog = Outbox(outbox_path), CatalogReplica(catalog_path)
    commands = [intake(1) for _ in range(5)]
    for command in commands:
        outbox.enqueue(sam, command)
    server = FakeServer(feed=[product_change(1, 1), product_change(2, 2)])
    server.unanswered = {str(c.op_id) for c in commands[3:]}  # the connection dies mid-batch
    make_engine(server, outbox, catalog, sam).sync_once()
    outbox.close()
    catalog.close()

    outbox, catalog = Outbox(outbox_path), CatalogReplica(catalog_path)  # the app restarts
    server.unanswered.clear()
    server.feed.append(product_change(3, 3))
    make_engine(server, outbox, catalog, sam).sync_once()
    assert server.applied == [str(c.op_id) for c in commands]
    assert catalog.cursor() == 3
    assert catalog.product_count() == 3
    outbox.close()
    catalog.close()


def test_an_op_sent_twice_is_settled_by_the_duplicate_answer(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    command = intake(1)
    outbox.enqueue(sam, command)
    server = FakeServer(applied=[str(command.op_id)])  # applied before the client heard back
    make_engine(server, outbox, catalog, sam).sync_once()
    entry = outbox.entry(command.op_id)
    assert entry is not None
    assert entry.state is OpState.DONE
    assert entry.answer_status == "duplicate"
    assert server.applied == [str(command.op_id)]


def test_pull_applies_changes_in_pages_after_pushing(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    server = FakeServer(feed=[product_change(seq, seq, quantity=seq) for seq in range(1, 26)])
    server.feed.append(Change(seq=26, entity="product", entity_id=5, deleted=True))
    report = make_engine(server, outbox, catalog, sam, pull_limit=10).sync_once()
    assert report.changes_applied == 26
    assert catalog.cursor() == 26
    assert catalog.product_count() == 24
    assert catalog.product(5) is None


def test_a_410_gone_resyncs_the_catalog_from_scratch(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    catalog.apply_changes([product_change(3, 99)], cursor=3)  # a product deleted long ago
    server = FakeServer(feed=[product_change(50, 1), product_change(51, 2)], oldest_seq=40)
    report = make_engine(server, outbox, catalog, sam).sync_once()
    assert report.resynced
    assert catalog.product(99) is None
    assert catalog.product_count() == 2
    assert catalog.cursor() == 51


def test_status_listeners_hear_about_changes(outbox: Outbox, catalog: CatalogReplica, sam: OpOwner) -> None:
    outbox.enqueue(sam, intake(1))
    engine = make_engine(FakeServer(), outbox, catalog, sam)
    heard: list[SyncStatus] = []
    unsubscribe = engine.add_listener(heard.append)
    assert engine.refresh_counts().pending == 1
    engine.sync_once()
    assert heard[0].pending == 1
    assert any(s.syncing for s in heard)
    assert heard[-1].online
    assert heard[-1].pending == 0
    assert not heard[-1].syncing
    unsubscribe()
    count = len(heard)
    engine.refresh_counts()
    outbox.enqueue(sam, intake(2))
    engine.refresh_counts()
    assert len(heard) == count


def test_a_failing_listener_does_not_stop_sync(outbox: Outbox, catalog: CatalogReplica, sam: OpOwner) -> None:
    def broken(status: SyncStatus) -> None:
        raise RuntimeError("listener bug")

    outbox.enqueue(sam, intake(1))
    engine = make_engine(FakeServer(), outbox, catalog, sam)
    engine.add_listener(broken)
    assert engine.sync_once().settled == 1


def test_the_run_loop_waits_with_backoff_and_stops(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    outbox.enqueue(sam, intake(1))
    stop = threading.Event()
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        if len(waits) == 3:
            stop.set()
        return False

    server = FakeServer(failures=[OfflineError("down"), OfflineError("down")])
    engine = make_engine(server, outbox, catalog, sam, wait=wait, idle_interval=30.0)
    engine.run_until_stopped(stop)
    assert waits == [0.75, 1.5, 30.0]
    assert outbox.counts(sam).pending == 0


def test_a_stop_during_a_round_starts_no_further_request(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    for n in range(1, 7):
        outbox.enqueue(sam, intake(n))
    stop = threading.Event()

    class StopsAfterFirstBatch(FakeServer):
        def push(self, device_id: str, ops: Sequence[Command], **_device: object) -> list[OpAnswer]:
            stop.set()  # the app shuts down while the first batch is on its way
            return super().push(device_id, ops)

        def changes(self, since: int | None, limit: int) -> ChangeBatch:
            raise AssertionError("pulled after the stop")

    server = StopsAfterFirstBatch()
    engine = make_engine(server, outbox, catalog, sam, batch_size=2)
    engine.run_until_stopped(stop)
    assert len(server.pushes) == 1
    assert outbox.counts(sam).pending == 4  # the rest waits for the next start


def test_gone_even_from_scratch_is_reported_not_looped(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    class AlwaysGone(FakeServer):
        def changes(self, since: int | None, limit: int) -> ChangeBatch:
            raise GoneError("no history", status=410)

    report = make_engine(AlwaysGone(), outbox, catalog, sam).sync_once()
    assert isinstance(report.error, GoneError)


@pytest.mark.parametrize("batch_size", [1, 3])
def test_batch_size_never_reorders(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner, batch_size: int
) -> None:
    commands = [intake(i) for i in range(7)]
    for command in commands:
        outbox.enqueue(sam, command)
    server = FakeServer()
    make_engine(server, outbox, catalog, sam, batch_size=batch_size).sync_once()
    assert server.applied == [str(c.op_id) for c in commands]


def test_a_wake_ends_the_wait_at_once(outbox: Outbox, catalog: CatalogReplica, sam: OpOwner) -> None:
    """The default wait is the engine's wake event: an enqueue (or a live event) ends it."""
    engine = make_engine(FakeServer(), outbox, catalog, sam, idle_interval=3600.0)
    stop = threading.Event()
    rounds = threading.Semaphore(0)
    thread = threading.Thread(target=engine.run_until_stopped, args=(stop,), daemon=True)
    thread.start()
    outbox.enqueue(sam, intake(1))
    for _ in range(200):  # the loop is in its hour-long wait; only a wake brings the op over
        engine.wake()
        if outbox.counts(sam).pending == 0:
            break
        rounds.acquire(timeout=0.05)
    stop.set()
    engine.wake()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert outbox.counts(sam).pending == 0


def test_a_signed_out_engine_waits_its_idle_interval_not_a_backoff(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    outbox.enqueue(sam, intake(1))
    stop = threading.Event()
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        stop.set()
        return False

    server = FakeServer(failures=[UnauthorizedError("expired", status=401)])
    make_engine(server, outbox, catalog, sam, wait=wait, idle_interval=30.0).run_until_stopped(stop)
    assert waits == [30.0]  # nothing to retry until the user signs in again
    assert outbox.counts(sam).pending == 1


def test_a_stop_while_isolating_a_refused_batch_sends_nothing_more(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    """A 400 naming no op makes the engine push one op at a time; a stop in between ends that."""
    commands = [intake(n) for n in range(1, 4)]
    for command in commands:
        outbox.enqueue(sam, command)
    stop = threading.Event()

    class StopsOnRefusal(FakeServer):
        def push(self, device_id: str, ops: Sequence[Command], **_device: object) -> list[OpAnswer]:
            if len(ops) > 1:
                stop.set()  # the app shuts down while the refused batch is being answered
            return super().push(device_id, ops)

    server = StopsOnRefusal(malformed={str(commands[1].op_id): "payload.quantity"}, name_the_op=False)
    engine = make_engine(server, outbox, catalog, sam, batch_size=3)
    engine.run_until_stopped(stop)
    assert len(server.pushes) == 1  # the refused batch, and no op alone after the stop
    assert outbox.counts(sam).pending == 3


def test_odd_details_of_a_refused_batch_are_ignored() -> None:
    from fllc_desktop.sync.engine import invalid_ops

    error = ValidationError(
        "bad batch",
        field_errors={},
        status=400,
        code="validation_error",
        details=["not a dict", {"field": "ops.9.payload", "message": "past the batch"}, {"field": "ops.1"}],
    )
    assert invalid_ops(error, batch_size=3) == {1: "bad batch"}


def test_a_failing_server_is_retried_with_the_longer_backoff(
    outbox: Outbox, catalog: CatalogReplica, sam: OpOwner
) -> None:
    """The few-seconds cap is for an unreachable server; one answering with errors is given room."""
    outbox.enqueue(sam, intake(1))
    server = FakeServer(failures=[ServerError("boom")] * 5)
    engine = make_engine(server, outbox, catalog, sam)
    delays = []
    for _ in range(5):
        engine.sync_once()
        delays.append(engine.status.retry_in)
    assert delays == [0.75, 1.5, 3.0, 6.0, 12.0]
