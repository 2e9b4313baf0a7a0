"""The floor's receiving rules without Qt: what the lot/expiry fields mean, the expiry rule, codes
shown as read, and the scans kept from before a restart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from fllc_desktop.domain.barcodes import decode_scan
from fllc_desktop.domain.permissions import Grants, Role
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.floor.receiving import BadExpiryError, BatchFields, ExpiryPolicy, ExpiryState
from fllc_desktop.floor.tablet import Tablet
from fllc_desktop.store import LocalStore, OpOwner

TODAY = dt.date(2026, 12, 3)
GS = "\x1d"


def test_a_lot_typed_before_scanning_a_new_product_goes_with_that_scan() -> None:
    fields = BatchFields()
    fields.for_scan(1)
    fields.booked(1)
    fields.edit("LOT-7", "2027-03-01")  # typed before scanning product 2
    values = fields.for_scan(2)
    assert (values.lot, values.expiry) == ("LOT-7", dt.date(2027, 3, 1))
    fields.booked(2)
    again = fields.for_scan(2)  # the same product again: the same batch
    assert again.lot == "LOT-7"
    fields.booked(2)
    other = fields.for_scan(3)  # another product, nothing typed since: the batch does not follow
    assert (other.lot, other.expiry) == (None, None)
    assert (fields.lot, fields.expiry) == ("", "")


def test_a_gs1_lot_wins_for_its_scan_and_binds_to_its_product() -> None:
    fields = BatchFields()
    fields.edit("TYPED", "")
    decoded = decode_scan(f"]C10109506000134352{'10'}LOT42{GS}17270131")
    values = fields.for_scan(3, decoded)
    assert (values.lot, values.expiry) == ("LOT42", dt.date(2027, 1, 31))
    assert values.text == "lot LOT42 · expiry 2027-01-31"


def test_after_a_scan_that_booked_nothing_no_stale_lot_or_expiry_travels_on() -> None:
    fields = BatchFields()
    fields.edit("LOT-7", "2027-03-01")
    fields.for_scan(1)
    fields.booked(1)
    fields.clear()  # the next scan was unknown
    assert fields.for_scan(1).lot is None
    assert fields.bound_to is None


def test_an_unreadable_typed_expiry_is_refused_with_what_to_write() -> None:
    fields = BatchFields()
    fields.edit("", "31/12/2026")
    with pytest.raises(BadExpiryError, match="YYYY-MM-DD"):
        fields.for_scan(1)


@pytest.mark.parametrize(
    ("policy", "expiry", "state", "refused"),
    [
        (ExpiryPolicy(), None, ExpiryState.FRESH, False),
        (ExpiryPolicy(), dt.date(2027, 6, 1), ExpiryState.FRESH, False),
        (ExpiryPolicy(near_days=30), dt.date(2026, 12, 20), ExpiryState.NEAR, False),
        (ExpiryPolicy(near_days=30), TODAY, ExpiryState.NEAR, False),  # good until the end of today
        (ExpiryPolicy(), dt.date(2026, 12, 2), ExpiryState.EXPIRED, False),
        (ExpiryPolicy(refuse_expired=True), dt.date(2026, 12, 2), ExpiryState.EXPIRED, True),
        (ExpiryPolicy(refuse_expired=True), dt.date(2026, 12, 20), ExpiryState.NEAR, False),
    ],
)
def test_the_expiry_rule(
    policy: ExpiryPolicy, expiry: dt.date | None, state: ExpiryState, refused: bool
) -> None:
    check = policy.check(expiry, TODAY)
    assert (check.state, check.refused) == (state, refused)
    if state is not ExpiryState.FRESH:
        assert expiry is not None
        assert expiry.isoformat() in check.message


def test_the_expiry_rule_comes_from_the_servers_settings() -> None:
    assert ExpiryPolicy.from_settings({"refuse_expired_goods": True, "near_expiry_days": 7}) == ExpiryPolicy(
        refuse_expired=True, near_days=7
    )
    assert (
        ExpiryPolicy.from_settings({"refuse_expired_goods": "yes", "near_expiry_days": -3}) == ExpiryPolicy()
    )


def test_a_tablet_remembers_the_sites_settings_for_a_start_without_a_connection(tmp_path: Path) -> None:
    tablet = Tablet("http://warehouse.test", tmp_path, transport=None)  # type: ignore[arg-type]
    assert tablet.open() is None
    desk, _made = tablet.desk_for(7, Grants.for_role(Role.STAFF), lambda: None)
    assert desk.expiry_policy == ExpiryPolicy()
    tablet.remember_site_settings(
        {"refuse_expired_goods": True, "near_expiry_days": 10, "default_location_id": 3}
    )
    assert desk.expiry_policy == ExpiryPolicy(refuse_expired=True, near_days=10)
    assert desk.default_location_id == 3
    tablet.close()
    again = Tablet("http://warehouse.test", tmp_path, transport=None)  # type: ignore[arg-type]
    assert again.open() is None
    desk_after_restart, _made = again.desk_for(7, Grants.for_role(Role.STAFF), lambda: None)
    assert desk_after_restart.expiry_policy.refuse_expired
    assert desk_after_restart.default_location_id == 3
    again.close()


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("09501101530003", "09501101530003"),  # a GTIN-14 keeps its leading zero
        ("]C10109501101530003", "09501101530003"),
        ("036000291452", "036000291452"),  # a UPC-A as printed
        ("4006381333931", "4006381333931"),
        ("NUT-M6", "NUT-M6"),
    ],
)
def test_a_code_is_shown_as_read(raw: str, shown: str) -> None:
    assert decode_scan(raw).shown_code == shown


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    local, _report = LocalStore.open_or_recover(tmp_path / "client")
    yield local
    local.close()


def test_a_desk_made_after_a_restart_knows_the_unsent_scans_kept_from_before(store: LocalStore) -> None:
    owner = OpOwner.of("http://warehouse.test", 7)
    before = ScanDesk(store, owner, Grants.for_role(Role.STAFF))
    first = before.receive(1, 2, location_id=1)
    before.receive(2, 1)
    sent_later = ScanDesk(store, owner, Grants.for_role(Role.STAFF))  # the app started again
    kept = sent_later.kept_ops()
    assert kept[0].op_id == first.op_id
    assert [(op.product_id, op.quantity) for op in kept] == [(1, 2), (2, 1)]
    other_user = ScanDesk(store, OpOwner.of("http://warehouse.test", 8), Grants.for_role(Role.STAFF))
    assert other_user.kept_ops() == []
    sent_later.receive(3, 1)
    assert len(sent_later.kept_ops()) == 2  # what was kept at the start, not this session's scans
