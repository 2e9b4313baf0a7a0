"""Scan screen tests: Qt offscreen (set before any Qt import), a real local store per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fllc_desktop.api.models import Change
from fllc_desktop.domain.permissions import Grants, Role
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.store import LocalStore, OpOwner

SERVER = "http://warehouse.test"
BOLT_EAN = "4006381333931"
NUT_EAN = "5901234123457"
GS1_GTIN = "09506000134352"  # normalises to 9506000134352


def product(pid: int, sku: str, name: str, barcode: str | None, qty: int = 10) -> Change:
    data = {"id": pid, "sku": sku, "name": name, "barcode": barcode, "quantity_on_hand": qty, "version": 3}
    return Change(seq=pid, entity="product", entity_id=pid, deleted=False, data=data)


def location(lid: int, code: str) -> Change:
    return Change(
        seq=100 + lid,
        entity="location",
        entity_id=lid,
        deleted=False,
        data={"id": lid, "code": code, "name": f"Bay {code}"},
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    local, _report = LocalStore.open_or_recover(tmp_path / "client")
    local.catalog.apply_changes(
        [
            product(1, "BOLT-M6", "Bolt M6 x 20", BOLT_EAN),
            product(2, "NUT-M6", "Nut M6", NUT_EAN),
            product(3, "MILK-1L", "Milk 1 l", "9506000134352"),
            location(1, "A-01"),
            location(2, "B-02"),
        ],
        cursor=200,
    )
    yield local
    local.close()


@pytest.fixture
def staff() -> OpOwner:
    return OpOwner.of(SERVER, 7)


@pytest.fixture
def staff_desk(store: LocalStore, staff: OpOwner) -> ScanDesk:
    return ScanDesk(store, staff, Grants.for_role(Role.STAFF))


@pytest.fixture
def manager_desk(store: LocalStore) -> ScanDesk:
    return ScanDesk(store, OpOwner.of(SERVER, 8), Grants.for_role(Role.MANAGER))


class SteppingClock:
    """A clock for the wedge filter: every reading is ``step`` seconds after the previous one."""

    def __init__(self, step: float = 0.005) -> None:
        self.now = 1000.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now

    def pause(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()
