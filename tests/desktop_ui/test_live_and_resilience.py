"""Live updates, a stopped server, an expired session, and a slow server that must not freeze the GUI."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from fllc_desktop.api.tokens import Tokens
from fllc_desktop.qt.event_stream import StreamState

from .conftest import api_client, sign_in, start_server
from .test_screenshots import save

LOAD_MS = 10_000


@pytest.fixture
def admin_api(seeded):
    client = api_client(seeded.url)
    yield client
    client.close()


def products_screen(qtbot, app):
    app.window.shell.show_screen("products")  # not a scan screen: typing is typing, not a scan
    screen = app.window.shell.screens["products"]
    qtbot.waitUntil(lambda: screen.model.rowCount() > 0, timeout=LOAD_MS)
    return screen


def show_only(qtbot, screen, sku):
    screen.search.setText(sku)
    qtbot.waitUntil(
        lambda: screen.model.rowCount() == 1 and screen.model.product_at(0)["sku"] == sku, timeout=LOAD_MS
    )


def test_a_stock_change_made_by_another_client_updates_the_open_screen(qtbot, signed_in, seeded, admin_api):
    sku = f"LIVE-{uuid.uuid4().hex[:6]}"
    product = admin_api.products.create({"sku": sku, "name": "Live", "price": "1.00"})
    app = signed_in("viewer")
    screen = products_screen(qtbot, app)
    show_only(qtbot, screen, product["sku"])
    qtbot.waitUntil(lambda: app.events.state is StreamState.CONNECTED, timeout=LOAD_MS)
    location = seeded.locations[1]["id"]
    admin_api.stock.intake({"product_id": product["id"], "quantity": 7, "location_id": location})
    qtbot.waitUntil(lambda: screen.model.product_at(0)["quantity_on_hand"] == 7, timeout=LOAD_MS)
    admin_api.products.update(product["id"], {"name": "Live, renamed"}, version=product["version"])
    qtbot.waitUntil(lambda: screen.model.product_at(0)["name"] == "Live, renamed", timeout=LOAD_MS)


def test_a_stopped_server_shows_the_offline_banner_not_dialogs_and_recovers(qtbot, make_app, tmp_path):
    server = start_server(tmp_path / "own-server")
    try:
        app = make_app(server.url)
        sign_in(qtbot, app, "viewer")
        shell = app.window.shell
        qtbot.waitUntil(lambda: app.events.state is StreamState.CONNECTED, timeout=LOAD_MS)
        server.stop()
        qtbot.waitUntil(shell.offline_banner.isVisible, timeout=20_000)
        assert "offline" in app.window.status_connection.text()
        screen = shell.screens["products"]
        for _ in range(3):
            screen.reload()
        qtbot.waitUntil(lambda: screen.status.text().startswith("Offline"), timeout=LOAD_MS)
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        assert not boxes
        assert not shell.notice_banner.isVisible()
        save(app.window, "viewer_offline")
        server.start()  # same port, same data: a server restart
        qtbot.waitUntil(lambda: not shell.offline_banner.isVisible(), timeout=40_000)
        qtbot.waitUntil(lambda: app.events.state is StreamState.CONNECTED, timeout=40_000)
        assert "online" in app.window.status_connection.text()
    finally:
        server.stop()


def test_an_expired_session_signs_in_again_and_keeps_what_was_typed(qtbot, make_app, seeded, admin_api):
    username, password = f"re{uuid.uuid4().hex[:8]}", "before-pass-1"
    user = admin_api.users.create({"username": username, "password": password, "role": "manager"})
    sku = f"RE-{uuid.uuid4().hex[:6]}"
    product = admin_api.products.create({"sku": sku, "name": "Reauth", "price": "2.00"})
    app = make_app()
    form = app.window.sign_in_page.form
    qtbot.keyClicks(form.username, username)
    qtbot.keyClicks(form.password, password)
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: app.window.shell is not None, timeout=LOAD_MS)
    screen = products_screen(qtbot, app)
    show_only(qtbot, screen, product["sku"])
    screen.select_row(0)
    dialog = screen.editor.edit(screen.selected_product())
    results: list[int] = []
    dialog.finished.connect(results.append)
    dialog.price.clear()
    qtbot.keyClicks(dialog.price, "4.40")
    # The session ends behind the user's back: the refresh token is revoked, the access token expired.
    admin_api.users.reset_password(user["id"], "after-pass-2")
    app.client.tokens.keep(username, Tokens("expired-access-token", app.client.tokens.tokens.refresh_token))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.window.reauth is not None, timeout=LOAD_MS)
    assert dialog.isVisible()
    assert dialog.price.text() == "4.40"
    reauth = app.window.reauth.form
    assert reauth.username.text() == username
    qtbot.keyClicks(reauth.password, "after-pass-2")
    qtbot.keyClick(reauth.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: results == [1], timeout=LOAD_MS)  # the save went through after signing in
    assert admin_api.products.get(product["id"])["price"] == "4.40"
    assert app.window.reauth is None


class HeldServer(ThreadingHTTPServer):
    """Answers sign-in only when the test releases it; everything else at once."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), HeldHandler)
        self.release = threading.Event()
        self.login_arrived = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


USER = {
    "id": 1,
    "username": "slow",
    "full_name": "",
    "email": None,
    "role": "viewer",
    "is_active": True,
    "created_at": "2026-01-01T00:00:00Z",
    "permissions": ["products.view"],
}


class HeldHandler(BaseHTTPRequestHandler):
    server: HeldServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/api/v1/auth/login":
            self.server.login_arrived.set()
            self.server.release.wait(60)
            self._json(
                {
                    "access_token": "a",
                    "refresh_token": "r",
                    "token_type": "bearer",
                    "expires_in": 900,
                    "user": USER,
                }
            )
        else:
            self._json({}, status=404)

    def do_GET(self) -> None:
        if self.path.startswith("/api/v1/me"):
            self._json(USER)
        elif self.path.startswith("/api/v1/events"):
            self._json({}, status=404)
        else:
            self._json({"data": [], "meta": {"page": 1, "per_page": 50, "total": 0, "pages": 0}})

    def _json(self, body: object, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


@pytest.fixture
def held_server():
    server = HeldServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def test_the_event_loop_keeps_running_while_a_request_waits(qtbot, make_app, held_server):
    app = make_app(held_server.url)
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(5)
    label = app.window.status_connection
    counter = PaintCounter()
    label.installEventFilter(counter)
    timer.timeout.connect(lambda: (ticks.append(1), label.setText(f"tick {len(ticks)}")))
    timer.start()
    form = app.window.sign_in_page.form
    qtbot.keyClicks(form.username, "slow")
    qtbot.keyClicks(form.password, "pw")
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    assert held_server.login_arrived.wait(10)
    ticks.clear()
    paints_before = counter.paints
    qtbot.waitUntil(lambda: len(ticks) >= 20 and counter.paints > paints_before + 5, timeout=LOAD_MS)
    assert not held_server.release.is_set()  # all of that happened while the sign-in was unanswered
    assert app.window.shell is None
    assert form.submit.text() == "Signing in…"
    held_server.release.set()
    qtbot.waitUntil(lambda: app.window.shell is not None, timeout=LOAD_MS)
    timer.stop()


def test_a_role_taken_away_meanwhile_gets_a_clear_403_in_the_open_dialog(qtbot, make_app, admin_api):
    username, password = f"fb{uuid.uuid4().hex[:8]}", "forbid-pass-1"
    user = admin_api.users.create({"username": username, "password": password, "role": "manager"})
    sku = f"FB-{uuid.uuid4().hex[:6]}"
    product = admin_api.products.create({"sku": sku, "name": "Forbidden", "price": "2.00"})
    app = make_app()
    form = app.window.sign_in_page.form
    qtbot.keyClicks(form.username, username)
    qtbot.keyClicks(form.password, password)
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: app.window.shell is not None, timeout=LOAD_MS)
    screen = products_screen(qtbot, app)
    show_only(qtbot, screen, product["sku"])
    screen.select_row(0)
    dialog = screen.editor.edit(screen.selected_product())
    admin_api.users.change_role(user["id"], "viewer")
    dialog.price.clear()
    qtbot.keyClicks(dialog.price, "9.99")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.form.general_error() != "", timeout=LOAD_MS)
    assert "Not allowed for your role" in dialog.form.general_error()
    assert dialog.price.text() == "9.99"
    assert admin_api.products.get(product["id"])["price"] == "2.00"


def test_tab_moves_through_the_sign_in_form_in_reading_order(qtbot, make_app):
    app = make_app()
    form = app.window.sign_in_page.form
    form.username.setFocus()
    qtbot.waitUntil(form.username.hasFocus)
    order = []
    for _ in range(3):
        order.append(QApplication.focusWidget().objectName())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert order == ["signin_username", "signin_password", "signin_submit"]


def test_the_connection_label_and_the_sync_status_agree_when_the_server_stops(qtbot, make_app, tmp_path):
    server = start_server(tmp_path / "own-server")
    try:
        app = make_app(server.url)
        sign_in(qtbot, app, "staff")
        app.window.shell.show_screen("scan_receive")  # local only: no screen asks the server
        sync = app.window.findChild(QLabel, "sync_status_connection")
        connection = app.window.status_connection
        qtbot.waitUntil(lambda: sync.text() == "Sync: up to date", timeout=LOAD_MS)
        assert connection.property("state") == "online"
        server.stop()
        qtbot.waitUntil(lambda: connection.property("state") == "offline", timeout=20_000)
        assert sync.property("state") == "offline"
        assert sync.text().startswith("Sync: offline")
        server.start()
        qtbot.waitUntil(lambda: connection.property("state") == "online", timeout=40_000)
        qtbot.waitUntil(lambda: sync.text() == "Sync: up to date", timeout=20_000)  # woken, not 30 s later
    finally:
        server.stop()


def test_a_sync_that_cannot_reach_the_server_turns_the_connection_label_offline(qtbot, make_app, tmp_path):
    server = start_server(tmp_path / "own-server")
    try:
        app = make_app(server.url)
        sign_in(qtbot, app, "staff")
        app.events.stop()  # no live events and no screen requests: only the sync engine notices
        app.window.shell.show_screen("scan_receive")
        connection = app.window.status_connection
        qtbot.waitUntil(lambda: app.scanning.sync.status.online, timeout=LOAD_MS)
        server.stop()
        app.scanning.sync.wake()
        qtbot.waitUntil(lambda: connection.property("state") == "offline", timeout=20_000)
        assert app.window.shell.offline_banner.isVisible()
    finally:
        server.stop()
