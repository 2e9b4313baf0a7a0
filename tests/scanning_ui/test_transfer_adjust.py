"""Transfer by scan (source label, items, destination label) and adjust by scan (a reason, a product)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.floor.moves import AdjustReason
from fllc_desktop.ui.screens.scan_adjust import AdjustScreen
from fllc_desktop.ui.screens.scan_transfer import TransferScreen

from .conftest import BOLT_EAN, NUT_EAN


def scan(screen: TransferScreen | AdjustScreen, code: str) -> None:
    screen.accept_scan(code)
    screen.handle_queued_scans()


def payloads(desk: ScanDesk) -> list[dict]:
    return [entry.command.payload for entry in desk.store.outbox.pending(desk.owner, limit=-1)]


@pytest.fixture
def transfer(qtbot: QtBot, staff_desk: ScanDesk) -> TransferScreen:
    widget = TransferScreen(staff_desk)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_a_transfer_is_source_items_destination_and_saved_only_at_the_destination(
    transfer: TransferScreen, staff_desk: ScanDesk
) -> None:
    scan(transfer, BOLT_EAN)  # no source yet: explained, nothing kept
    assert transfer.feedback.tone == "error"
    assert "source location first" in transfer.feedback.title
    scan(transfer, "A-01")
    assert transfer.step_label.text().startswith("From A-01")
    scan(transfer, BOLT_EAN)
    transfer.keypad.set_value(4)
    scan(transfer, NUT_EAN)
    scan(transfer, BOLT_EAN)
    assert transfer.table.rowCount() == 2
    assert payloads(staff_desk) == []  # nothing saved before the destination
    scan(transfer, "A-01")  # the source again is not a destination
    assert transfer.feedback.tone == "warning"
    scan(transfer, "B-02")
    assert payloads(staff_desk) == [
        {"product_id": 1, "from_location_id": 1, "to_location_id": 2, "quantity": 2},
        {"product_id": 2, "from_location_id": 1, "to_location_id": 2, "quantity": 4},
    ]
    assert transfer.feedback.tone == "ok"
    assert transfer.feedback.title == "Moved to B-02"
    assert "6 units of 2 products A-01 → B-02" in transfer.feedback.detail
    assert transfer.table.rowCount() == 0
    assert "come from" in transfer.step_label.text()  # ready for the next transfer


def test_location_labels_are_written_for_every_location(transfer: TransferScreen, tmp_path: Path) -> None:
    path = tmp_path / "labels.pdf"
    assert transfer.write_location_labels(str(path)) == 2
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"A-01" in data
    assert b"B-02" in data


@pytest.fixture
def adjust(qtbot: QtBot, manager_desk: ScanDesk) -> AdjustScreen:
    widget = AdjustScreen(manager_desk)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_an_adjustment_needs_a_reason_and_books_the_signed_delta(
    adjust: AdjustScreen, manager_desk: ScanDesk
) -> None:
    scan(adjust, BOLT_EAN)
    assert adjust.feedback.tone == "error"
    assert payloads(manager_desk) == []
    scan(adjust, "B-02")
    adjust.choose(AdjustReason.DAMAGED)
    adjust.note.setText("crushed pallet")
    adjust.keypad.set_value(3)
    scan(adjust, BOLT_EAN)
    adjust.choose(AdjustReason.FOUND)
    adjust.note.clear()
    scan(adjust, NUT_EAN)
    assert payloads(manager_desk) == [
        {"product_id": 1, "delta": -3, "reason_code": "damaged", "location_id": 2, "note": "crushed pallet"},
        {"product_id": 2, "delta": 1, "reason_code": "found", "location_id": 2},
    ]
    assert adjust.feedback.title == "+1  Nut M6"
    assert "on hand 11 (+1 pending)" in adjust.feedback.detail
