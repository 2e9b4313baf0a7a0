"""The Receive screen as workers found it: never silent, no stale product or batch after an error,
expired goods unmistakable, offline words that are true, and scans kept from before a restart."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from fllc_desktop.domain.permissions import Grants, Role
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.floor.receiving import FIELDS_CAPTION, ExpiryPolicy
from fllc_desktop.scanning.burst import ScanSource
from fllc_desktop.store import LocalStore, OpOwner
from fllc_desktop.store.outbox import OpOutcome
from fllc_desktop.sync.status import Connectivity, SyncStatus
from fllc_desktop.ui.screens.scan_base import SAVED_OFFLINE
from fllc_desktop.ui.screens.scan_receive import ReceiveScreen

from .conftest import BOLT_EAN, NUT_EAN, product

GS = "\x1d"
TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def desk(store: LocalStore, staff: OpOwner) -> ScanDesk:
    return ScanDesk(store, staff, Grants.for_role(Role.STAFF), today=lambda: TODAY)


@pytest.fixture
def screen(qtbot: QtBot, desk: ScanDesk) -> ReceiveScreen:
    widget = ReceiveScreen(desk)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def scan(screen: ReceiveScreen, code: str) -> None:
    screen.accept_scan(code)
    screen.handle_queued_scans()


def payloads(desk: ScanDesk) -> list[dict]:
    return [entry.command.payload for entry in desk.store.outbox.pending(desk.owner, limit=-1)]


def test_every_scan_gets_a_fresh_answer_and_repeated_saves_are_visibly_new(screen: ReceiveScreen) -> None:
    seen = []
    for _ in range(3):
        scan(screen, BOLT_EAN)
        seen.append((screen.feedback.answers, screen.feedback.stamp_text, screen.feedback.detail))
    assert [answers for answers, _stamp, _detail in seen] == [1, 2, 3]
    assert [stamp.split(" · ")[0] for _answers, stamp, _detail in seen] == ["Scan 1", "Scan 2", "Scan 3"]
    assert "Bolt M6" in screen.feedback.title
    assert [detail.split(" · ")[-1] for _a, _s, detail in seen] == [
        f"{n} received in this session" for n in (1, 2, 3)
    ]
    scan(screen, "4000000000006")  # unknown: an answer too, with what was read
    assert screen.feedback.answers == 4
    assert screen.feedback.stamp_text.startswith("Scan 4 · ")


def test_a_scan_a_screen_leaves_unanswered_still_gets_an_answer(screen: ReceiveScreen, monkeypatch) -> None:
    monkeypatch.setattr(screen, "handle", lambda _scan, _resolved: None)
    scan(screen, BOLT_EAN)
    assert screen.feedback.tone == "warning"
    assert BOLT_EAN in screen.feedback.title
    assert "Nothing was booked" in screen.feedback.detail


def test_an_error_scan_leaves_no_stale_product_lot_or_expiry(screen: ReceiveScreen, desk: ScanDesk) -> None:
    scan(screen, f"]C10109506000134352{'10'}LOT42{GS}17270131")
    assert screen.again_button.isEnabled()
    assert screen.lot.text() == "LOT42"
    scan(screen, "4000000000006")  # unknown
    assert screen.feedback.tone == "error"
    assert not screen.again_button.isEnabled()  # "Receive again" does not book the milk
    assert "Milk" not in screen.card.title.text()
    assert (screen.lot.text(), screen.expiry.text()) == ("", "")
    scan(screen, "9506000134352")  # the milk again, plainly: no stale lot travels with it
    assert payloads(desk)[-1] == {"product_id": 3, "quantity": 1}


def test_a_lot_typed_before_the_scan_is_booked_with_it_and_the_screen_says_so(
    qtbot: QtBot, screen: ReceiveScreen, desk: ScanDesk
) -> None:
    assert screen.findChild(QLabel, "scan_receive_batch_caption").text() == FIELDS_CAPTION
    scan(screen, BOLT_EAN)
    qtbot.keyClicks(screen.lot, "L-99")  # typed for the nut about to be scanned
    scan(screen, NUT_EAN)
    assert payloads(desk)[-1] == {"product_id": 2, "quantity": 1, "lot": "L-99"}
    assert screen.feedback.tone == "ok"
    assert "lot L-99" in screen.feedback.detail
    scan(screen, BOLT_EAN)  # another product: the nut's lot does not follow it
    assert payloads(desk)[-1] == {"product_id": 1, "quantity": 1}


def test_expired_goods_have_their_own_tone_and_a_setting_refuses_them(
    screen: ReceiveScreen, desk: ScanDesk
) -> None:
    expired = f"]C10109506000134352{'10'}OLD{GS}17261130"
    scan(screen, expired)
    assert screen.feedback.tone == "expired"
    assert "EXPIRED" in screen.feedback.title
    assert "2026-11-30" in screen.feedback.detail
    assert len(payloads(desk)) == 1  # warned, and booked
    scan(screen, f"]C10109506000134352{'10'}SOON{GS}17261210")
    assert screen.feedback.tone == "warning"
    assert "Expires soon" in screen.feedback.detail
    desk.expiry_policy = ExpiryPolicy(refuse_expired=True)
    scan(screen, expired)
    assert screen.feedback.tone == "expired"
    assert screen.feedback.title.startswith("NOT received")
    assert len(payloads(desk)) == 2  # refused: nothing booked
    assert not screen.again_button.isEnabled()
    assert screen.lot.text() == ""


def test_offline_the_banner_says_saved_on_this_tablet_and_the_pending_count_is_large(
    screen: ReceiveScreen,
) -> None:
    screen.on_sync_status(SyncStatus(connectivity=Connectivity.OFFLINE, pending=3))
    scan(screen, BOLT_EAN)
    assert screen.feedback.tone == "ok"
    assert screen.feedback.detail.startswith(SAVED_OFFLINE)
    assert screen.pending_badge.text() == "Offline · 3 saved here, not sent yet"
    assert screen.pending_badge.font().pointSize() >= 16 or "18pt" in screen.pending_badge.styleSheet()
    screen.on_sync_status(SyncStatus(connectivity=Connectivity.ONLINE, pending=0))
    scan(screen, BOLT_EAN)
    assert screen.feedback.detail.startswith("Saved · ")
    assert screen.pending_badge.text() == "All sent"


def test_after_a_restart_the_unsent_scans_kept_are_said_and_listed(
    qtbot: QtBot, store: LocalStore, staff: OpOwner
) -> None:
    before = ScanDesk(store, staff, Grants.for_role(Role.STAFF))
    before.receive(1, 2, location_id=1)
    before.receive(2, 1, location_id=1)
    widget = ReceiveScreen(ScanDesk(store, staff, Grants.for_role(Role.STAFF)))  # the app started again
    qtbot.addWidget(widget)
    assert widget.feedback.title == "2 unsent scans kept from before"
    assert "do not scan them again" in widget.feedback.detail
    rows = [
        (widget.session.item(row, 0).text(), widget.session.item(row, 1).text())
        for row in range(widget.session.rowCount())
    ]
    assert rows == [
        ("Bolt M6 x 20 (kept from before)", "2"),
        ("Nut M6 (kept from before)", "1"),
    ]


def test_the_card_follows_the_catalog_after_sync(
    screen: ReceiveScreen, desk: ScanDesk, store: LocalStore
) -> None:
    scan(screen, BOLT_EAN)
    assert screen.card.on_hand.text() == "On hand: 11 (+1 pending)"
    (entry,) = store.outbox.pending(desk.owner, limit=-1)
    # what a sync round does: the server applied the op, and the pull brings the new figure
    store.outbox.record_outcomes([OpOutcome(entry.command.op_id, "applied")])
    store.catalog.apply_changes([product(1, "BOLT-M6", "Bolt M6 x 20", BOLT_EAN, qty=11)], cursor=300)
    desk.outbox_changed()
    screen.catalog_changed()  # the scan services call it on the sync controller's signal
    assert screen.card.on_hand.text() == "On hand: 11"


def test_an_unknown_gtin_14_is_shown_with_its_leading_zero(screen: ReceiveScreen) -> None:
    scan(screen, "09501101530003")
    assert screen.feedback.title == "Unknown barcode 09501101530003"


def test_a_scan_cut_off_forgets_the_previous_product_but_keeps_the_batch(screen: ReceiveScreen) -> None:
    """Seen under Xvfb: a second product's scan arrived split; the card and "Receive again" still
    showed the first product, so one tap would have booked the wrong one."""
    screen.lot.setText("L-77")
    screen.on_batch_field_edited("L-77")
    scan(screen, BOLT_EAN)
    screen.accept_scan("00000029", ScanSource.FRAGMENT)
    screen.handle_queued_scans()
    assert screen.feedback.title == "Scan not read completely — scan it again"
    assert screen.current is None
    assert not screen.again_button.isEnabled()
    assert screen.lot.text() == "L-77"  # the same item is scanned again: its lot still goes with it
    scan(screen, BOLT_EAN)
    assert payloads(screen.desk)[-1]["lot"] == "L-77"


def test_a_long_product_name_gets_the_smaller_title(screen: ReceiveScreen) -> None:
    """Under Xvfb a long name's three-line banner squeezed the keypad below its size on 800 px."""
    screen.feedback.show_ok("+1  Foundry Co. Zinc-Plated Hex Nuts, 1/4-20, Pack of 100")
    title = screen.findChild(QLabel, f"{screen.key}_feedback_title")
    assert title.property("long") == "true"
    short = title.font().pointSize()
    screen.feedback.show_ok("+1  Nut M6")
    assert title.property("long") == "false"
    assert title.font().pointSize() > short


EXPIRED_REFUSAL = (
    "Lot L-1 expired on 2025-11-30: expired goods are not received (setting refuse_expired_goods)"
)


def test_a_scan_the_server_refuses_is_said_on_the_screen(screen: ReceiveScreen, desk: ScanDesk) -> None:
    """Seen under Xvfb: the tablet had not heard of the new rule, the banner said "Saved", the
    server refused the op, and only the status bar's "1 need attention" told."""
    scan(screen, BOLT_EAN)
    scan(screen, NUT_EAN)
    bolt, _nut = desk.store.outbox.pending(desk.owner, limit=-1)
    desk.store.outbox.record_outcomes(
        [OpOutcome(bolt.command.op_id, "rejected", error_code="expired_goods", error_message=EXPIRED_REFUSAL)]
    )
    screen.on_outbox_changed()  # the scan services call it on the sync controller's signal
    assert screen.feedback.tone == "error"
    assert screen.feedback.title == "Refused by the server: Bolt M6 x 20"
    assert EXPIRED_REFUSAL in screen.feedback.detail
    assert "Needs attention" in screen.feedback.detail
    rows = {screen.session.item(r, 0).text(): screen.session.item(r, 1).text() for r in range(2)}
    assert rows == {"Bolt M6 x 20": "0", "Nut M6": "1"}  # not received after all
    answers = screen.feedback.answers
    screen.on_outbox_changed()
    assert screen.feedback.answers == answers  # said once


def test_the_default_location_is_named(qtbot: QtBot, desk: ScanDesk) -> None:
    """Seen under Xvfb: "Default location" left the worker guessing where the scans went."""
    desk.default_location_id = 2
    widget = ReceiveScreen(desk)
    qtbot.addWidget(widget)
    assert widget.location.combo.itemText(0) == "Default location (B-02)"
    assert widget.location.location_id() is None  # still the server's default: an op without one
