"""Transfer and adjust by scan without Qt: the session's steps, the ops they commit, the signs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fllc_desktop.domain.barcodes import ScanKind, decode_scan
from fllc_desktop.domain.commands import CommandKind, InvalidCommandError, check_payload
from fllc_desktop.domain.permissions import Grants, Role
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.floor.moves import AdjustReason, TransferSession, TransferStep, adjustment_delta
from fllc_desktop.labels.product_label import location_label
from fllc_desktop.store import LocalStore, OpOwner


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    local, _report = LocalStore.open_or_recover(tmp_path / "client")
    yield local
    local.close()


def test_a_transfer_session_needs_a_source_then_collects_items() -> None:
    session = TransferSession()
    assert session.step is TransferStep.SOURCE
    with pytest.raises(ValueError, match="source"):
        session.add(1, "Bolt", 1)
    session.source = {"id": 1, "code": "A-01"}
    session.add(1, "Bolt", 1)
    session.add(1, "Bolt", 4)
    session.add(2, "Nut", 2)
    assert {pid: line.quantity for pid, line in session.lines.items()} == {1: 5, 2: 2}
    assert session.units() == 7
    assert "destination" in session.prompt


def test_a_transfer_commits_one_op_per_product_that_the_server_accepts(store: LocalStore) -> None:
    owner = OpOwner.of("http://warehouse.test", 7)
    desk = ScanDesk(store, owner, Grants.for_role(Role.STAFF))
    ops = desk.transfer(1, 2, {10: 5, 11: 2})
    payloads = [entry.command.payload for entry in store.outbox.pending(owner, limit=-1)]
    assert payloads == [
        {"product_id": 10, "from_location_id": 1, "to_location_id": 2, "quantity": 5},
        {"product_id": 11, "from_location_id": 1, "to_location_id": 2, "quantity": 2},
    ]
    assert [op.kind for op in ops] == [CommandKind.STOCK_TRANSFER] * 2
    assert store.outbox.pending_deltas(owner) == {}  # a transfer nets to zero
    with pytest.raises(ValueError, match="two different"):
        desk.transfer(1, 1, {10: 1})


@pytest.mark.parametrize(
    ("reason", "quantity", "remove", "delta"),
    [
        (AdjustReason.DAMAGED, 3, False, -3),
        (AdjustReason.LOST, 1, False, -1),
        (AdjustReason.FOUND, 2, False, 2),
        (AdjustReason.CORRECTION, 2, False, 2),
        (AdjustReason.CORRECTION, 2, True, -2),
        (AdjustReason.DAMAGED, 2, True, -2),
    ],
)
def test_an_adjustments_sign_follows_its_reason(
    reason: AdjustReason, quantity: int, remove: bool, delta: int
) -> None:
    assert adjustment_delta(reason, quantity, remove=remove) == delta


def test_an_adjustment_is_the_servers_payload_and_counts_as_pending(store: LocalStore) -> None:
    owner = OpOwner.of("http://warehouse.test", 8)
    desk = ScanDesk(store, owner, Grants.for_role(Role.MANAGER))
    assert desk.can_adjust
    assert not ScanDesk(store, owner, Grants.for_role(Role.STAFF)).can_adjust
    op = desk.adjust(10, -3, "damaged", location_id=1, note=" crushed pallet ")
    (entry,) = store.outbox.pending(owner, limit=-1)
    assert entry.command.payload == {
        "product_id": 10,
        "delta": -3,
        "reason_code": "damaged",
        "location_id": 1,
        "note": "crushed pallet",
    }
    assert op.quantity == -3
    assert store.outbox.pending_deltas(owner) == {10: -3}


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        (CommandKind.STOCK_ADJUST, {"product_id": 1, "quantity": -1, "reason_code": "damaged"}),
        (
            CommandKind.STOCK_TRANSFER,
            {"product_id": 1, "from_location_id": 1, "to_location_id": 1, "quantity": 1},
        ),
        (
            CommandKind.STOCK_TRANSFER,
            {"product_id": 1, "from_location_id": 1, "to_location_id": 2, "quantity": 0},
        ),
    ],
)
def test_ops_the_server_would_refuse_are_refused_before_they_reach_the_outbox(
    kind: CommandKind, payload: dict
) -> None:
    with pytest.raises(InvalidCommandError):
        check_payload(kind, payload, None)


def test_a_location_label_carries_the_code_the_scan_screens_read_as_that_location() -> None:
    label = location_label("B-04-02", "Aisle B, Shelf 4, Bin 2")
    assert label.human_readable == "B-04-02"
    assert label.symbol().get_fullcode() == "B-04-02"  # Code 128 of the code
    assert set(label.bar_pattern()) == {"0", "1"}
    decoded = decode_scan("]C0B-04-02")  # what a wedge scanner types for it
    assert decoded.kind is ScanKind.TEXT
    assert decoded.lookup_key == "B-04-02"
