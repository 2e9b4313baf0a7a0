"""Nothing a person was told is saved is ever lost or counted twice — against a real server process.

Each test scans through the Receive screen's code path (``ScanDesk``: resolve the barcode in the
local replica, commit an intake op to the outbox) and checks the server's own records afterwards:
one movement per op_id, and the quantities they imply.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fllc_desktop.api.errors import ApiError, OfflineError
from fllc_desktop.api.models import ChangeBatch, OpAnswer
from fllc_desktop.domain.commands import Command, CommandKind
from fllc_desktop.store import OpState
from fllc_desktop.sync import SyncEngine

from .conftest import Stock, Tablet, make_stock, make_user, scan_and_receive, server_movements
from .server import ServerProcess

pytestmark = pytest.mark.slow

SCANS = 1000
CLIENT_PROC = Path(__file__).with_name("client_proc.py")


def scan_many(tablet: Tablet, stock: Stock, count: int, seed: int) -> dict[str, tuple[int, int]]:
    """``count`` scans of the test's products, 1-3 units each: ``{op_id: (product_id, quantity)}``."""
    assert tablet.desk is not None
    rng = random.Random(seed)
    made: dict[str, tuple[int, int]] = {}
    for _ in range(count):
        product = rng.choice(stock.products)
        quantity = rng.randint(1, 3)
        op_id = scan_and_receive(tablet.desk, product["barcode"], quantity, stock.location["id"])
        made[op_id] = (product["id"], quantity)
    return made


def sync_until_drained(engine: SyncEngine, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while engine.refresh_counts().pending:
        assert time.monotonic() < deadline, f"still pending: {engine.status}"
        if engine.sync_once().error is not None:
            time.sleep(engine.status.retry_in or 0.1)


def assert_server_has_exactly(
    admin: Any, stock: Stock, made: dict[str, tuple[int, int]], before: dict[int, int]
) -> None:
    for product in stock.products:
        expected = {op: qty for op, (pid, qty) in made.items() if pid == product["id"]}
        movements = server_movements(admin, product["id"])
        seen = Counter(m["op_id"] for m in movements)
        assert set(seen) == set(expected), "lost or foreign ops"
        assert max(seen.values(), default=1) == 1, "an op was applied twice"
        assert all(m["delta"] == expected[m["op_id"]] for m in movements)
        on_hand = admin.products.get(product["id"])["quantity_on_hand"]
        assert on_hand == before[product["id"]] + sum(expected.values())


def assert_all_done(tablet: Tablet, made: dict[str, tuple[int, int]]) -> None:
    assert tablet.owner is not None
    counts = tablet.store.outbox.counts(tablet.owner)
    assert (counts.pending, counts.needs_attention) == (0, 0)
    states = Counter(tablet.store.outbox.entry(_uuid(op)).state for op in made)  # type: ignore[union-attr]
    assert states == {OpState.DONE: len(made)}


def _uuid(op_id: str) -> Any:
    import uuid

    return uuid.UUID(op_id)


def quantities(admin: Any, stock: Stock) -> dict[int, int]:
    return {p["id"]: admin.products.get(p["id"])["quantity_on_hand"] for p in stock.products}


def prepared_tablet(server: ServerProcess, admin: Any, tablet: Tablet) -> tuple[Stock, tuple[str, str]]:
    """A signed-in tablet whose catalog replica knows the test's products."""
    stock = make_stock(admin)
    user = make_user(server)
    tablet.sign_in(*user)
    wait_for_catalog(tablet, [p["id"] for p in stock.products])
    return stock, user


def wait_for_catalog(tablet: Tablet, product_ids: list[int], patience: float = 30.0) -> None:
    """Pull until the replica has the products. A pull stops at a young gap in the change seqs
    (a transaction that may still commit; on MariaDB an earlier test's killed server leaves such
    gaps) and passes it once it is older than the server's settle time, so this may take seconds."""
    engine = tablet.engine()
    deadline = time.monotonic() + patience
    while True:
        assert engine.sync_once().error is None
        if all(tablet.store.catalog.product(pid) is not None for pid in product_ids):
            return
        assert time.monotonic() < deadline, "the catalog never caught up with the server"
        time.sleep(0.5)


# ---------------------------------------------------------------------------------------- 1


def test_scans_made_while_the_server_is_down_arrive_exactly_once(
    server: ServerProcess, admin: Any, tablet: Tablet
) -> None:
    stock, _user = prepared_tablet(server, admin, tablet)
    before = quantities(admin, stock)
    server.stop()
    made = scan_many(tablet, stock, SCANS, seed=1)
    engine = tablet.engine()
    assert isinstance(engine.sync_once().error, OfflineError)
    assert engine.refresh_counts().pending == SCANS
    server.start()
    sync_until_drained(engine)
    assert_server_has_exactly(admin, stock, made, before)
    assert_all_done(tablet, made)


# ---------------------------------------------------------------------------------------- 2


def _start_client(server: ServerProcess, tablet: Tablet, user: tuple[str, str]) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        str(CLIENT_PROC),
        "--data-dir",
        str(tablet.data_dir),
        "--server",
        server.url,
        "--username",
        user[0],
        "--password",
        user[1],
        "--batch",
        "5",
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def test_a_client_killed_twenty_times_during_sync_loses_and_duplicates_nothing(
    server: ServerProcess, admin: Any, tablet: Tablet
) -> None:
    stock, user = prepared_tablet(server, admin, tablet)
    before = quantities(admin, stock)
    made = scan_many(tablet, stock, SCANS, seed=2)
    assert tablet.owner is not None
    rng = random.Random(20)
    pending_at_kill = []
    for _ in range(20):
        with _start_client(server, tablet, user) as process:  # closes its stdout pipe at the end
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "syncing"
            time.sleep(rng.uniform(0.0, 0.15))
            process.send_signal(signal.SIGKILL)
            process.wait()
        pending_at_kill.append(tablet.store.outbox.counts(tablet.owner).pending)
    assert all(pending > 0 for pending in pending_at_kill), pending_at_kill  # every kill hit a sync
    assert pending_at_kill[-1] < SCANS  # and the sync made progress between the kills
    with _start_client(server, tablet, user) as last:
        output, _ = last.communicate(timeout=180)
    assert last.returncode == 0, output
    assert_server_has_exactly(admin, stock, made, before)
    assert_all_done(tablet, made)


# ---------------------------------------------------------------------------------------- 3


class Tripwire:
    """A transport that reports when its ``n``-th push starts, and whether a push failed midway."""

    def __init__(self, inner: Any, n: int) -> None:
        self.inner = inner
        self.n = n
        self.pushes = 0
        self.pushing = threading.Event()
        self.failed: list[ApiError] = []

    def push(self, device_id: str, ops: Sequence[Command], **_device: object) -> list[OpAnswer]:
        self.pushes += 1
        if self.pushes == self.n:
            self.pushing.set()
        try:
            return list(self.inner.push(device_id, ops))
        except ApiError as exc:
            self.failed.append(exc)
            raise

    def changes(self, since: int | None, limit: int) -> ChangeBatch:
        return self.inner.changes(since, limit)  # type: ignore[no-any-return]


def test_a_server_restarted_in_the_middle_of_a_batch_applies_each_op_once(
    server: ServerProcess, admin: Any, tablet: Tablet
) -> None:
    """The server crashes (SIGKILL) while it applies the second batch, and is started again."""
    stock, _user = prepared_tablet(server, admin, tablet)
    before = quantities(admin, stock)
    made = scan_many(tablet, stock, SCANS, seed=3)
    engine = tablet.engine(batch_size=250)
    tripwire = Tripwire(engine._transport, n=2)
    engine._transport = tripwire
    engine.idle_interval = 0.05
    stop = threading.Event()
    thread = threading.Thread(target=engine.run_until_stopped, args=(stop,), daemon=True)
    thread.start()
    try:
        assert tripwire.pushing.wait(60), "the second batch never started"
        time.sleep(0.05)
        server.kill()
        server.start()
        deadline = time.monotonic() + 120
        while engine.refresh_counts().pending and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        engine.wake()
        thread.join(30)
    assert tripwire.failed, "the kill did not interrupt a push"
    assert_server_has_exactly(admin, stock, made, before)
    assert_all_done(tablet, made)


# ---------------------------------------------------------------------------------------- 4


def test_ops_of_a_user_who_lost_stock_intake_while_offline_are_rejected_and_wait(
    server: ServerProcess, admin: Any, tablet: Tablet
) -> None:
    stock, user = prepared_tablet(server, admin, tablet)
    before = quantities(admin, stock)
    server.stop()
    made = scan_many(tablet, stock, 25, seed=4)
    server.start()
    (record,) = [u for u in admin.users.list(q=user[0]).items if u["username"] == user[0]]
    admin.users.change_role(record["id"], "viewer")
    report = tablet.engine().sync_once()
    assert (report.settled, report.needs_attention) == (0, 25)
    assert tablet.desk is not None
    waiting = tablet.desk.needs_attention()
    assert {str(entry.op_id) for entry in waiting} == set(made)
    assert {entry.error_code for entry in waiting} == {"permission_denied"}
    assert all(entry.error_message for entry in waiting)
    for product in stock.products:
        assert server_movements(admin, product["id"]) == []
    assert quantities(admin, stock) == before


# ---------------------------------------------------------------------- a malformed op in a batch


def test_one_malformed_op_in_a_batch_waits_in_needs_attention_and_the_rest_are_applied(
    server: ServerProcess, admin: Any, tablet: Tablet
) -> None:
    """The server refuses a whole push with 400 for one op it cannot read (``ops.N.payload...``);
    the client sets that op aside with the server's reason and the queue keeps moving."""
    stock, _user = prepared_tablet(server, admin, tablet)
    before = quantities(admin, stock)
    made = scan_many(tablet, stock, 12, seed=5)
    assert tablet.owner is not None
    product, location = stock.products[0], stock.location
    malformed = Command(  # as an older or buggy client version might have stored it
        uuid.uuid4(),
        CommandKind.STOCK_INTAKE,
        {"product_id": product["id"], "quantity": "a dozen", "location_id": location["id"]},
        datetime.now(UTC),
    )
    tablet.store.outbox.enqueue(tablet.owner, malformed)
    made.update(scan_many(tablet, stock, 12, seed=6))
    engine = tablet.engine(batch_size=50)
    report = engine.sync_once()
    assert report.error is None
    assert (report.settled, report.needs_attention) == (24, 1)
    assert_server_has_exactly(admin, stock, made, before)
    assert tablet.desk is not None
    (waiting,) = tablet.desk.needs_attention()
    assert waiting.op_id == malformed.op_id
    assert (waiting.answer_status, waiting.error_code) == ("rejected", "validation_error")
    assert waiting.error_message is not None
    assert "payload.quantity" in waiting.error_message
    assert engine.refresh_counts().pending == 0
