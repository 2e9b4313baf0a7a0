"""``DesktopApp.shutdown()``: the sync thread ends before the HTTP client closes, and nothing
(a sign-in answer still on its way, a round in progress) makes a request afterwards."""

from __future__ import annotations

import logging
import threading
import time

import httpx
from PySide6.QtCore import Qt

from .conftest import PASSWORDS, USERNAMES, sign_in

QUIET_MS = 1_500  # long enough for any queued answer to arrive and a sync round to start


def record_requests(app) -> list[tuple[float, str]]:
    seen: list[tuple[float, str]] = []
    http: httpx.Client = app.client.connection._http  # the one client every request goes through
    http.event_hooks["request"].append(lambda request: seen.append((time.monotonic(), request.url.path)))
    return seen


def sync_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "fllc-sync" and t.is_alive()]


def test_shutdown_stops_the_sync_thread_before_closing_the_client(qtbot, make_app, caplog):
    caplog.set_level(logging.INFO)
    app = make_app()
    sign_in(qtbot, app, "staff")
    qtbot.waitUntil(lambda: app.scanning.sync.running, timeout=5_000)
    qtbot.waitUntil(lambda: app.scanning.sync.status.online, timeout=10_000)
    requests = record_requests(app)
    app.scanning.sync.wake()  # a round in progress when shutdown comes
    app.shutdown()
    closed_at = time.monotonic()
    assert not app.scanning.sync.running
    assert sync_threads() == []
    qtbot.wait(QUIET_MS)
    assert [path for at, path in requests if at > closed_at] == []
    assert sync_threads() == []
    assert "client has been closed" not in caplog.text
    assert "sync thread failed" not in caplog.text


def test_a_sign_in_answer_arriving_after_shutdown_starts_no_sync(qtbot, make_app, caplog):
    caplog.set_level(logging.INFO)
    app = make_app()
    requests = record_requests(app)
    form = app.window.sign_in_page.form
    qtbot.keyClicks(form.username, USERNAMES["staff"])
    qtbot.keyClicks(form.password, PASSWORDS["staff"])
    qtbot.mouseClick(form.submit, Qt.MouseButton.LeftButton)  # the answer is on its way...
    app.shutdown()  # ...when the app closes
    closed_at = time.monotonic()
    qtbot.wait(QUIET_MS)
    assert [path for at, path in requests if at > closed_at] == []
    assert not app.scanning.sync.running
    assert sync_threads() == []
    assert "client has been closed" not in caplog.text
