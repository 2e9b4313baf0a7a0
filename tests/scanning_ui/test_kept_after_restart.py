"""After a crash or restart every scan screen says how many of its own ops were kept unsent, lists
them so no one scans them again, and says so again once sync has sent them. Each screen lists only
its own kinds: a transfer kept from before is not shown as received."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from fllc_desktop.domain.permissions import Grants, Role
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.floor.views import PoLine
from fllc_desktop.store import LocalStore, OpOutcome, OpOwner
from fllc_desktop.ui.screens.scan_adjust import AdjustScreen
from fllc_desktop.ui.screens.scan_base import ScanScreen
from fllc_desktop.ui.screens.scan_count import CountScreen
from fllc_desktop.ui.screens.scan_po import ReceivePoScreen
from fllc_desktop.ui.screens.scan_receive import ReceiveScreen
from fllc_desktop.ui.screens.scan_transfer import TransferScreen

from .test_other_screens import po_changes

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture
def manager() -> OpOwner:
    return OpOwner.of("http://warehouse.test", 8)


@pytest.fixture
def kept_store(store: LocalStore, manager: OpOwner) -> LocalStore:
    """Before the restart: one op of each scan screen's kind, none sent."""
    store.catalog.apply_changes(po_changes(), cursor=300)
    before = ScanDesk(store, manager, Grants.for_role(Role.MANAGER))
    before.receive(1, 2, location_id=1)
    nut_line = PoLine(92, 9, 2, "NUT-M6", "Nut M6", ordered=5, received=0)
    before.receive_po_line(nut_line, 1)
    before.receive_po_line(nut_line, 2)
    before.submit_count(2, {1: 4, 2: 7})
    before.transfer(1, 2, {2: 3})
    before.adjust(1, -1, "damaged", location_id=1, note="crushed")
    return store


def again(store: LocalStore, owner: OpOwner) -> ScanDesk:
    """The app started again: a new desk on the same local store."""
    return ScanDesk(store, owner, Grants.for_role(Role.MANAGER))


def shown(qtbot: QtBot, screen: ScanScreen, name: str) -> ScanScreen:
    qtbot.addWidget(screen)
    screen.resize(1090, 820)  # a 1280x800 tablet's screen area beside the navigation
    screen.show()
    qtbot.waitExposed(screen)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert screen.grab().save(str(SHOTS / f"{name}.png"))
    return screen


def send_all(store: LocalStore, desk: ScanDesk) -> None:
    """What a sync round does: the server applied every op."""
    pending = store.outbox.pending(desk.owner, limit=-1)
    store.outbox.record_outcomes([OpOutcome(entry.command.op_id, "applied") for entry in pending])


def test_receive_po_says_opens_and_marks_the_kept_receipts(
    qtbot: QtBot, kept_store: LocalStore, manager: OpOwner
) -> None:
    desk = again(kept_store, manager)
    screen = shown(qtbot, ReceivePoScreen(desk), "scan_po_receive_kept_from_before")
    assert screen.feedback.title == "2 unsent receipts kept from before"
    assert screen.feedback.detail.startswith("Order PO-0009. ")
    assert "do not scan them again" in screen.feedback.detail
    assert screen.order is not None
    assert screen.order["id"] == 9  # the order they belong to is open
    assert screen.table.item(1, 3).text() == "3 (+3 pending · 3 kept from before)"
    assert screen.table.item(0, 3).text() == "1"  # nothing kept on the bolt's line

    send_all(kept_store, desk)
    screen.on_outbox_changed()
    assert screen.feedback.title == "2 receipts kept from before: sent"
    assert screen.table.item(1, 3).text() == "0"  # the replica's figure until the pull brings it


def test_count_says_and_lists_the_kept_count_and_follows_it_until_sent(
    qtbot: QtBot, kept_store: LocalStore, manager: OpOwner
) -> None:
    desk = again(kept_store, manager)
    screen = shown(qtbot, CountScreen(desk), "scan_count_kept_from_before")
    assert screen.feedback.title == "1 unsent count kept from before"
    assert screen.kept.isVisibleTo(screen)
    assert screen.kept.rowCount() == 1
    assert screen.kept.item(0, 0).text() == "Count of B-02 — Bay B-02: 2 products"
    assert screen.kept.state_text(0) == "Sending…"

    send_all(kept_store, desk)
    screen.on_outbox_changed()
    assert screen.kept.state_text(0) == "Sent ✓"
    assert screen.feedback.title == "1 count kept from before: sent"


def test_transfer_and_adjust_list_their_own_kept_ops(
    qtbot: QtBot, kept_store: LocalStore, manager: OpOwner
) -> None:
    desk = again(kept_store, manager)
    transfer = shown(qtbot, TransferScreen(desk), "scan_transfer_kept_from_before")
    assert transfer.feedback.title == "1 unsent transfer kept from before"
    assert transfer.kept.item(0, 0).text() == "3 of Nut M6, A-01 → B-02"
    adjust = shown(qtbot, AdjustScreen(desk), "scan_adjust_kept_from_before")
    assert adjust.feedback.title == "1 unsent adjustment kept from before"
    assert adjust.kept.item(0, 0).text().startswith("-1  Bolt M6 x 20")


def test_receive_lists_only_its_own_intakes(qtbot: QtBot, kept_store: LocalStore, manager: OpOwner) -> None:
    screen = ReceiveScreen(again(kept_store, manager))
    qtbot.addWidget(screen)
    assert screen.feedback.title == "1 unsent scan kept from before"
    assert screen.session.rowCount() == 1  # not the PO receipts, the transfer or the adjustment
    assert screen.session.item(0, 0).text() == "Bolt M6 x 20 (kept from before)"


def test_a_scan_answered_meanwhile_keeps_its_banner(
    qtbot: QtBot, kept_store: LocalStore, manager: OpOwner
) -> None:
    desk = again(kept_store, manager)
    screen = CountScreen(desk)
    qtbot.addWidget(screen)
    screen.accept_scan("A-01")
    screen.handle_queued_scans()
    send_all(kept_store, desk)
    screen.on_outbox_changed()
    assert screen.feedback.title == "Counting A-01"
    assert screen.kept.state_text(0) == "Sent ✓"


def test_with_nothing_kept_nothing_is_said(qtbot: QtBot, store: LocalStore, manager: OpOwner) -> None:
    screen = CountScreen(again(store, manager))
    qtbot.addWidget(screen)
    assert "kept" not in screen.feedback.title
    assert not screen.kept.isVisibleTo(screen)
