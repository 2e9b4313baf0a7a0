"""The Integrations screen (admins) against the real server: a provider switched on with a
write-only secret and its test event verified; an API key made (shown once) that a till then
uses; the inbox showing a failed sale with its reason (retry) and an unknown SKU mapped to our
product; revoking the key. Other roles have no such screen."""

from __future__ import annotations

import uuid

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from .test_screenshots import save

LOAD_MS = 15_000
SECRET = "shpss_gui_" + "s" * 24


def _row_of(table, column: int, text: str) -> int:
    for row in range(table.rowCount()):
        if table.item(row, column) is not None and table.item(row, column).text() == text:
            return row
    return -1


def _sale(base: str, key: str, sku: str, quantity: int) -> str:
    event = uuid.uuid4().hex[:12]
    body = {
        "type": "sale",
        "event_id": f"gui-{event}",
        "sale_id": f"GUI-{event}",
        "lines": [{"sku": sku, "quantity": quantity, "unit_price": "2.00"}],
    }
    answer = httpx.post(
        f"{base}/api/v1/integrations/pos/generic/events", json=body, headers={"X-API-Key": key}
    )
    assert answer.status_code == 200, answer.text
    return str(body["event_id"])


def test_an_admin_configures_providers_keys_and_the_inbox(qtbot, signed_in, seeded):
    app = signed_in("admin")
    app.window.shell.show_screen("integrations")
    screen = app.window.shell.screens["integrations"]
    qtbot.waitUntil(lambda: screen.loaded > 0 and bool(screen.providers.providers), timeout=LOAD_MS)
    providers = screen.providers
    assert {p["name"] for p in providers.providers} >= {"generic", "shopify", "stripe"}

    # Shopify: switched on, its webhook secret saved and never shown again, a test event verified
    providers.select("shopify")
    if not providers.selected()["enabled"]:
        qtbot.mouseClick(providers.toggle, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: providers.selected()["enabled"], timeout=LOAD_MS)
    qtbot.keyClicks(providers.secret_fields["webhook_secret"], SECRET)
    qtbot.mouseClick(providers.save_secrets, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "webhook_secret" in providers.selected()["secrets_set"], timeout=LOAD_MS)
    field = providers.secret_fields["webhook_secret"]
    assert field.text() == ""
    assert field.placeholderText() == "set — type to replace"
    assert all(SECRET not in w.text() for w in screen.findChildren(QLineEdit))
    providers.select("generic")
    assert not providers.test_event.isEnabled()  # it signs nothing: API keys
    providers.select("shopify")
    qtbot.mouseClick(providers.test_event, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: providers.test_result.text().startswith("Verified"), timeout=LOAD_MS)
    providers.select("shopify")
    qtbot.waitUntil(
        lambda: "shop_url" in providers.secret_fields and providers.secret_fields["shop_url"].isVisible(),
        timeout=LOAD_MS,
    )
    save(app.window, "admin_integrations")

    # an API key for a till, shown once
    screen.tabs.setCurrentWidget(screen.keys)
    keys = screen.keys
    account = f"till-{uuid.uuid4().hex[:6]}"
    keys.account.setText(account)
    keys.integration.setCurrentIndex(keys.integration.findData("generic"))
    qtbot.mouseClick(keys.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: keys.new_key.isVisible() and _row_of(keys.table, 0, account) >= 0, timeout=LOAD_MS
    )
    key = keys.new_key.text()
    assert key
    cells = [keys.table.item(r, c).text() for r in range(keys.table.rowCount()) for c in range(7)]
    assert all(key not in cell for cell in cells)  # the list shows the prefix only
    save(app.window, "admin_integrations_keys")

    # the till sends a sale we cannot apply (no stock) and one with a SKU we do not know
    their_sku = f"THEIRS-{uuid.uuid4().hex[:6]}"
    sent = {_sale(seeded.url, key, "SKU-0040", 3), _sale(seeded.url, key, their_sku, 1)}
    screen.tabs.setCurrentWidget(screen.inbox)
    inbox = screen.inbox

    def settled() -> bool:
        if not inbox.loaded or inbox.status_filter.currentData() is not None:
            return False
        statuses = {m["external_id"]: m["status"] for m in inbox.messages if m["external_id"] in sent}
        if len(statuses) < len(sent) or "received" in statuses.values():
            qtbot.mouseClick(inbox.refresh, Qt.MouseButton.LeftButton)
            return False
        return _row_of(inbox.unmapped, 1, their_sku) >= 0

    qtbot.waitUntil(settled, timeout=LOAD_MS)
    failed = next(
        i for i, m in enumerate(inbox.messages) if m["external_id"] in sent and m["status"] == "failed"
    )
    assert "on hand" in inbox.table.item(failed, 6).text()
    inbox.table.selectRow(failed)
    assert inbox.retry.isEnabled()
    attempts = int(inbox.messages[failed]["attempts"])
    failed_id = inbox.messages[failed]["id"]
    save(app.window, "admin_integrations_inbox")
    qtbot.mouseClick(inbox.retry, Qt.MouseButton.LeftButton)

    def retried() -> bool:
        again = [m for m in inbox.messages if m["id"] == failed_id]
        if not again or again[0]["status"] != "failed" or int(again[0]["attempts"]) <= attempts:
            qtbot.mouseClick(inbox.refresh, Qt.MouseButton.LeftButton)
            return False
        return True

    qtbot.waitUntil(retried, timeout=LOAD_MS)  # tried again, still no stock: failed with the reason

    # the unknown SKU mapped to our product applies the waiting line
    inbox.unmapped.selectRow(_row_of(inbox.unmapped, 1, their_sku))
    inbox.our_sku.setText("SKU-0009")  # one with stock that no other GUI test counts (the server is shared)
    qtbot.mouseClick(inbox.map, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "now mapped; 1 waiting line applied" in screen.notice.text(), timeout=LOAD_MS)
    qtbot.waitUntil(lambda: _row_of(inbox.unmapped, 1, their_sku) < 0, timeout=LOAD_MS)

    # revoking the key: the till is refused from then on
    screen.tabs.setCurrentWidget(keys)
    keys.table.selectRow(_row_of(keys.table, 0, account))
    qtbot.mouseClick(keys.revoke_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (row := _row_of(keys.table, 0, account)) >= 0 and keys.table.item(row, 6).text() != "",
        timeout=LOAD_MS,
    )
    refused = httpx.get(f"{seeded.url}/api/v1/integrations/whoami", headers={"X-API-Key": key})
    assert refused.status_code == 401


@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
def test_only_admins_have_it(qtbot, signed_in, role):
    app = signed_in(role)
    assert "integrations" not in app.window.shell.screens
    assert "integrations" not in app.window.shell.nav_buttons
    save(app.window, f"{role}_no_integrations")
