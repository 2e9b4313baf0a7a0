"""GUI test fixtures: a real server process per session (embedded, and MariaDB + Redis when
``FLLC_TEST_DATABASE_URL`` / ``FLLC_TEST_REDIS_URL`` are set), demo catalog made through the API,
and desktop apps built by the real composition root."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt
os.environ.setdefault("QT_SCALE_FACTOR", "1")

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keyring.backend
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from fllc_desktop.api import ApiClient
from fllc_desktop.api.tokens import RefreshTokenVault, TokenStore
from fllc_desktop.app import DesktopApp, build_app
from fllc_desktop.ui.theme import apply_theme

from .server_process import PASSWORDS, USERNAMES, ServerProcess, gui_server

SIGN_IN_TIMEOUT_MS = 15_000
NOUNS = ("Hex bolt M6 x 20 zinc", "Cordless drill 18 V", "Interior paint white 5 l")


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that forgets on exit: the tests never touch the machine's real keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@dataclass
class Seeded:
    """What the session's server holds before any test runs."""

    server: ServerProcess
    categories: list[dict[str, Any]] = field(default_factory=list)
    suppliers: list[dict[str, Any]] = field(default_factory=list)
    locations: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url


def api_client(url: str, role: str = "admin") -> ApiClient:
    client = ApiClient(url, tokens=TokenStore(RefreshTokenVault(url, backend=MemoryKeyring())))
    client.auth.login(USERNAMES[role], PASSWORDS[role])
    return client


def _backends() -> list[str]:
    return ["embedded", "mariadb"] if os.environ.get("FLLC_TEST_DATABASE_URL") else ["embedded"]


def start_server(data_dir: Path, backend: str = "embedded") -> ServerProcess:
    if backend == "embedded":
        server = gui_server(data_dir)
    else:
        redis = os.environ.get("FLLC_TEST_REDIS_URL")
        if not redis:
            pytest.fail("FLLC_TEST_DATABASE_URL is set but FLLC_TEST_REDIS_URL is not")
        server = gui_server(data_dir, os.environ["FLLC_TEST_DATABASE_URL"], redis)
        server.cli("migrate")
    for role, username in USERNAMES.items():
        server.create_user(username, role, PASSWORDS[role])
    server.start()
    return server


def _seed(server: ServerProcess) -> Seeded:
    client = api_client(server.url)
    seeded = Seeded(server)
    seeded.categories = [client.categories.create({"name": n}) for n in ("Fasteners", "Tools", "Paint")]
    seeded.suppliers = [client.suppliers.create({"name": n}) for n in ("Acme Supply", "Bolt Brothers")]
    seeded.locations = [
        client.locations.create({"code": c, "name": n}) for c, n in (("A-01", "Aisle 1"), ("B-02", "Aisle 2"))
    ]
    for number in range(1, 61):
        category = seeded.categories[number % 3]
        supplier = seeded.suppliers[number % 2]
        product = client.products.create(
            {
                "sku": f"SKU-{number:04d}",
                "name": f"{NOUNS[number % 3]} {number:02d}",
                "price": f"{number}.50",
                "unit_cost": f"{number}.00",
                "category_id": category["id"],
                "supplier_id": supplier["id"],
                "reorder_point": 5,
            }
        )
        seeded.products.append(product)
    for product in seeded.products[:10]:
        client.stock.intake(
            {"product_id": product["id"], "quantity": 20, "location_id": seeded.locations[0]["id"]}
        )
    client.close()
    return seeded


@pytest.fixture(scope="session", params=_backends())
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    server = start_server(tmp_path_factory.mktemp("server"), request.param)
    try:
        yield _seed(server)
    finally:
        server.stop()


@pytest.fixture(scope="session", autouse=True)
def themed(qapp: QApplication) -> QApplication:
    apply_theme(qapp)
    return qapp


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FLLC_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("FLLC_CLIENT_DATA_DIR", str(tmp_path / "client-data"))  # the scan screens' store
    monkeypatch.delenv("FLLC_SERVER_URL", raising=False)
    return tmp_path / "config"


AppFactory = Callable[..., DesktopApp]


@pytest.fixture
def make_app(qtbot: Any, seeded: Seeded) -> Iterator[AppFactory]:
    apps: list[DesktopApp] = []

    def make(url: str | None = None, keyring_backend: Any = None) -> DesktopApp:
        app = build_app(
            url or seeded.url,
            keyring_backend=keyring_backend or MemoryKeyring(),
            reconnect_first_delay_ms=200,
        )
        qtbot.addWidget(app.window)
        app.window.resize(1280, 800)
        app.window.show()
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.shutdown()


def sign_in(qtbot: Any, app: DesktopApp, role: str, password: str | None = None) -> None:
    form = app.window.sign_in_page.form
    form.username.clear()
    form.password.clear()
    qtbot.keyClicks(form.username, USERNAMES[role])
    qtbot.keyClicks(form.password, password or PASSWORDS[role])
    qtbot.mouseClick(form.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.window.shell is not None, timeout=SIGN_IN_TIMEOUT_MS)


@pytest.fixture
def signed_in(qtbot: Any, make_app: AppFactory) -> Callable[[str], DesktopApp]:
    def open_as(role: str) -> DesktopApp:
        app = make_app()
        sign_in(qtbot, app, role)
        return app

    return open_as
