"""Durability fixtures: a real server process per backend (embedded; MariaDB + Redis when
``FLLC_TEST_DATABASE_URL`` / ``FLLC_TEST_REDIS_URL`` are set), products, locations and users made the
way an operator makes them, and a tablet: a local store, signed in, with the Receive screen's code
path (:class:`ScanDesk`) and the sync engine."""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fllc_desktop.api import ApiClient
from fllc_desktop.domain.barcodes import gs1_check_digit
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.store import LocalStore, OpOwner
from fllc_desktop.sync import Backoff, SyncEngine

from .client_proc import api_client
from .server import ADMIN, ServerProcess, durability_server

_serial = itertools.count(1)


def _backends() -> list[str]:
    return ["embedded", "mariadb"] if os.environ.get("FLLC_TEST_DATABASE_URL") else ["embedded"]


@pytest.fixture(scope="module", params=_backends())
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp(f"server-{request.param}")
    if request.param == "mariadb":
        process = durability_server(
            data_dir,
            os.environ["FLLC_TEST_DATABASE_URL"],
            os.environ.get("FLLC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
        )
        process.cli("migrate")
    else:
        process = durability_server(data_dir)
    process.create_user(ADMIN[0], "admin", ADMIN[1])
    process.start()
    yield process
    process.stop()


@pytest.fixture
def admin(server: ServerProcess) -> Iterator[ApiClient]:
    if not server.running:
        server.start()
    client = api_client(server.url)
    client.auth.login(*ADMIN)
    yield client
    client.close()


def ean13(number: int) -> str:
    payload = f"20{number:010d}"[-12:]
    return payload + str(gs1_check_digit(payload))


@dataclass
class Stock:
    """What one test made on the server: its own products and location, so tests do not mix."""

    products: list[dict[str, Any]]
    location: dict[str, Any]


def make_stock(admin: ApiClient, products: int = 3) -> Stock:
    tag = f"{os.getpid()}-{next(_serial)}"
    made = []
    for index in range(products):
        fields = {
            "sku": f"DUR-{tag}-{index}",
            "name": f"Durable item {tag}/{index}",
            "barcode": ean13(random.randrange(10**9)),
            "price": "2.50",
        }
        made.append(admin.products.create(fields))
    location = admin.locations.create({"code": f"D{tag}"[:16], "name": f"Dock {tag}"})
    return Stock(made, location)


def make_user(server: ServerProcess, role: str = "staff") -> tuple[str, str]:
    username = f"tab{os.getpid()}x{next(_serial)}"
    password = f"{username}-pass-1"
    server.create_user(username, role, password)
    return username, password


@dataclass
class Tablet:
    """One tablet's client: its data folder, signed in as one user."""

    data_dir: Path
    server_url: str
    store: LocalStore
    client: ApiClient = field(init=False)
    owner: OpOwner | None = None
    desk: ScanDesk | None = None

    def __post_init__(self) -> None:
        self.client = api_client(self.server_url)

    def sign_in(self, username: str, password: str) -> ScanDesk:
        user = self.client.auth.login(username, password).user
        self.owner = OpOwner.of(self.server_url, user.id)
        self.desk = ScanDesk(self.store, self.owner, user.grants)
        return self.desk

    def engine(self, batch_size: int = 200) -> SyncEngine:
        assert self.owner is not None
        return SyncEngine(
            self.client.sync,
            self.store.outbox,
            self.store.catalog,
            self.owner,
            "durability-tablet",
            batch_size=batch_size,
            backoff=Backoff(base=0.1, cap=1.0),
        )

    def close(self) -> None:
        self.client.close()
        self.store.close()


@pytest.fixture
def tablet(tmp_path: Path, server: ServerProcess) -> Iterator[Tablet]:
    store, _report = LocalStore.open_or_recover(tmp_path / "tablet")
    device = Tablet(tmp_path / "tablet", server.url, store)
    yield device
    device.close()


def scan_and_receive(desk: ScanDesk, code: str, quantity: int, location_id: int) -> str:
    """What the Receive screen does with one scan: resolve the code, commit an intake op."""
    resolved = desk.resolve(code)
    assert resolved.product is not None, resolved.problem
    entry = desk.receive(resolved.product.id, quantity, location_id=location_id)
    return str(entry.op_id)


def server_movements(admin: ApiClient, product_id: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        batch = admin.stock.movements(product_id=product_id, page=page, per_page=200)
        found.extend(batch.items)
        if page >= batch.pages:
            return found
        page += 1
