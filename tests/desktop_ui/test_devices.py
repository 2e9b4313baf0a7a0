"""The Devices view (admins) against the real server: what a tablet's sync push reported."""

from __future__ import annotations

import uuid

import pytest

from fllc_desktop.api.models import DeviceReport

from .conftest import USERNAMES, api_client
from .test_screenshots import save

LOAD_MS = 10_000


def test_a_tablets_report_is_shown(qtbot, signed_in, seeded):
    device = f"tablet-{uuid.uuid4().hex[:6]}"
    staff = api_client(seeded.url, "staff")
    try:
        staff.sync.push(device, [], device=DeviceReport("9.9.9", pending=4, needs_attention=2))
    finally:
        staff.close()
    app = signed_in("admin")
    app.window.shell.show_screen("devices")
    screen = app.window.shell.screens["devices"]
    screen.reload()
    # Showing the screen loads it and reload() asks again: wait for the answer that is shown last.
    qtbot.waitUntil(
        lambda: any(d["device_id"] == device for d in screen.devices) and screen.status.text() != "Loading…",
        timeout=LOAD_MS,
    )
    row = next(i for i, d in enumerate(screen.devices) if d["device_id"] == device)
    cells = [screen.table.item(row, c).text() for c in range(screen.table.columnCount())]
    assert cells[0] == device
    assert cells[1] == USERNAMES["staff"]
    assert "min ago" in cells[2]
    assert cells[3:6] == ["4", "2", "9.9.9"]
    assert "waiting for a person" in screen.status.text()
    save(app.window, "admin_devices")


@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
def test_only_admins_have_it(qtbot, signed_in, role):
    assert "devices" not in signed_in(role).window.shell.screens
