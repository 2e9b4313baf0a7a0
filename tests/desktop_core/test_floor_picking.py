"""Picking by scan without Qt: what a scan on an order does, the ops it commits, the kept pick list and
how the tablet's unsynced ops count on it until the server's list includes them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fllc_desktop.api.models import Change
from fllc_desktop.domain.commands import CommandKind
from fllc_desktop.domain.permissions import Grants, Role
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.floor.picking import PickDesk, PickOutcome, PickRefusedError
from fllc_desktop.store import LocalStore, OpOwner
from fllc_desktop.store.outbox import OpOutcome

SERVER = "http://warehouse.test"
BOLT, NUT, GLUE = "4006381333931", "5901234123457", "9506000134352"


def _product(pid: int, sku: str, name: str, barcode: str) -> Change:
    data = {"id": pid, "sku": sku, "name": name, "barcode": barcode, "quantity_on_hand": 10, "version": 1}
    return Change(seq=pid, entity="product", entity_id=pid, deleted=False, data=data)


def _wire(status: str = "paid", bolts_picked: int = 0) -> dict:
    return {
        "id": 5,
        "number": "SO-2026-000005",
        "status": status,
        "created_at": "2026-12-04T01:00:00Z",
        "lines": [
            {"id": 51, "product_id": 1, "sku": "BOLT", "barcode": BOLT, "name": "Bolt", "quantity": 2,
             "picked_quantity": bolts_picked, "short_quantity": 0, "short_reason": ""},
            {"id": 52, "product_id": 2, "sku": "NUT", "barcode": NUT, "name": "Nut", "quantity": 1,
             "picked_quantity": 0, "short_quantity": 0, "short_reason": ""},
        ],
    }  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    local, _report = LocalStore.open_or_recover(tmp_path / "client")
    local.catalog.apply_changes(
        [
            _product(1, "BOLT", "Bolt", BOLT),
            _product(2, "NUT", "Nut", NUT),
            _product(3, "GLUE", "Glue", GLUE),
        ],
        cursor=10,
    )
    yield local
    local.close()


@pytest.fixture
def owner() -> OpOwner:
    return OpOwner.of(SERVER, 7)


@pytest.fixture
def picking(store: LocalStore, owner: OpOwner, tmp_path: Path) -> PickDesk:
    desk = PickDesk(ScanDesk(store, owner, Grants.for_role(Role.STAFF)), tmp_path / "client")
    desk.remember([_wire()])
    return desk


def _payloads(store: LocalStore, owner: OpOwner) -> list[tuple[str, dict]]:
    return [(e.command.kind.value, e.command.payload) for e in store.outbox.pending(owner, limit=-1)]


def test_a_scan_picks_one_unit_of_its_line_and_commits_the_op(
    picking: PickDesk, store: LocalStore, owner: OpOwner
) -> None:
    answer = picking.scan(5, picking.resolve(BOLT))
    assert answer.outcome is PickOutcome.PICKED
    assert answer.line is not None
    assert (answer.line.picked, answer.line.quantity) == (1, 2)
    assert answer.op is not None
    assert answer.op.kind is CommandKind.ORDER_PICK
    assert answer.op.description == "Pick: 1 picked on order 5"
    assert _payloads(store, owner) == [("order.pick", {"order_id": 5, "item_id": 51, "quantity": 1})]
    order = picking.order(5)
    assert order is not None
    assert (order.status, order.progress_text) == ("picking", "1 of 3 picked")


def test_a_wrong_item_or_one_picked_in_full_books_nothing(
    picking: PickDesk, store: LocalStore, owner: OpOwner
) -> None:
    wrong = picking.scan(5, picking.resolve(GLUE))
    assert (wrong.outcome, wrong.ok) == (PickOutcome.WRONG_ITEM, False)
    assert "WRONG ITEM" in wrong.title
    picking.scan(5, picking.resolve(BOLT))
    picking.scan(5, picking.resolve(BOLT))
    full = picking.scan(5, picking.resolve(BOLT))
    assert full.outcome is PickOutcome.LINE_DONE
    unknown = picking.scan(5, picking.resolve("0000000000000"))
    assert unknown.outcome is PickOutcome.UNREADABLE
    assert len(_payloads(store, owner)) == 2  # the two good bolts only


def test_short_pack_and_ship_follow_the_order_and_refuse_out_of_turn(
    picking: PickDesk, store: LocalStore, owner: OpOwner
) -> None:
    with pytest.raises(PickRefusedError, match="before packing"):
        picking.pack(5)
    with pytest.raises(PickRefusedError, match="pack it"):
        picking.ship(5)
    with pytest.raises(PickRefusedError, match="Say why"):
        picking.short(5, 52, 1, "   ")
    with pytest.raises(PickRefusedError):
        picking.short(5, 52, 2, "not there")  # more than is left
    picking.scan(5, picking.resolve(BOLT))
    picking.scan(5, picking.resolve(BOLT))
    picking.short(5, 52, 1, " not on the shelf ")
    order = picking.order(5)
    assert order is not None
    assert order.can_pack
    assert order.progress_text == "2 of 3 picked, 1 short"
    picking.pack(5)
    packed = picking.order(5)
    assert packed is not None
    assert packed.status == "packed"
    assert picking.scan(5, picking.resolve(BOLT)).outcome is PickOutcome.NOT_OPEN
    picking.ship(5)
    assert picking.order(5) is None  # shipped: off the list
    assert [kind for kind, _payload in _payloads(store, owner)] == [
        "order.pick",
        "order.pick",
        "order.pick",
        "order.fulfil",
        "order.fulfil",
    ]
    assert _payloads(store, owner)[2][1] == {
        "order_id": 5,
        "item_id": 52,
        "quantity": 1,
        "short_reason": "not on the shelf",
    }


def test_unsynced_ops_count_until_the_servers_list_has_them(
    picking: PickDesk, store: LocalStore, owner: OpOwner, tmp_path: Path
) -> None:
    first = picking.scan(5, picking.resolve(BOLT)).op
    assert first is not None
    # the app restarts offline: the kept list and the pending op are both there
    again = PickDesk(ScanDesk(store, owner, Grants.for_role(Role.STAFF)), tmp_path / "client")
    kept = again.order(5)
    assert kept is not None
    assert kept.lines[0].picked == 1
    # the op is synced; the kept list is from before it: it still counts (no going backwards)
    store.outbox.record_outcomes([OpOutcome(first.op_id, "applied")])
    assert again.order(5).lines[0].picked == 1  # type: ignore[union-attr]
    # the server's new list includes it: counted once
    again.remember([_wire("picking", bolts_picked=1)])
    assert again.order(5).lines[0].picked == 1  # type: ignore[union-attr]
    # an op the server refused stops counting
    second = again.scan(5, again.resolve(BOLT)).op
    assert second is not None
    assert again.order(5).lines[0].picked == 2  # type: ignore[union-attr]
    store.outbox.record_outcomes(
        [OpOutcome(second.op_id, "rejected", error_code="over_pick", error_message="nothing left")]
    )
    assert again.order(5).lines[0].picked == 1  # type: ignore[union-attr]


def test_another_users_ops_do_not_count_and_a_bad_file_is_an_empty_list(
    store: LocalStore, owner: OpOwner, tmp_path: Path
) -> None:
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "pick_list.json").write_text("{not json", encoding="utf-8")
    desk = PickDesk(ScanDesk(store, owner, Grants.for_role(Role.STAFF)), folder)
    assert desk.orders() == []
    desk.remember([_wire()])
    other = PickDesk(ScanDesk(store, OpOwner.of(SERVER, 8), Grants.for_role(Role.STAFF)), folder)
    assert other.scan(5, other.resolve(NUT)).ok
    assert desk.order(5).lines[1].picked == 0  # type: ignore[union-attr]
    assert desk.order_by_number("so-2026-000005") is not None
