from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fllc_desktop.store import CatalogReplica, OpOwner, Outbox

SERVER = "http://warehouse.test"


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "outbox.sqlite3")
    yield box
    box.close()


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[CatalogReplica]:
    replica = CatalogReplica(tmp_path / "catalog.sqlite3")
    yield replica
    replica.close()


@pytest.fixture
def sam() -> OpOwner:
    return OpOwner.of(SERVER, 7)


@pytest.fixture
def alex() -> OpOwner:
    return OpOwner.of(SERVER, 8)
