"""The Dashboard against the real server: the figures it shows are the server's, it follows a stock
change made elsewhere by itself, makes purchase orders from the suggestions, opens a product's
movements, and only managers and admins have it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fllc_desktop.qt.event_stream import StreamState

from .conftest import api_client
from .test_admin_screens import click, visible_button
from .test_screenshots import save

LOAD_MS = 10_000


@pytest.fixture
def admin_api(seeded):
    client = api_client(seeded.url)
    yield client
    client.close()


def dashboard(qtbot, app):
    shell = app.window.shell
    assert shell.current_key == "dashboard"  # a manager's first screen
    screen = shell.screens["dashboard"]
    qtbot.waitUntil(lambda: screen.loads > 0, timeout=LOAD_MS)
    return screen


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_the_figures_are_the_servers(qtbot, signed_in, admin_api, role):
    screen = dashboard(qtbot, signed_in(role))
    figures = admin_api.dashboard.get()
    stock = figures["stock"]
    assert screen.tiles["value"].value.text() == f"{Decimal(stock['value']):,.2f}"
    assert f"{stock['units']:,} units" in screen.tiles["value"].detail.text()
    assert screen.tiles["low"].value.text() == f"{figures['low_stock']['count']:,}"
    assert screen.tiles["stockouts"].value.text() == f"{figures['stockouts']['count']:,}"
    assert screen.low_stock.rowCount() == len(figures["low_stock"]["items"])
    assert screen.low_stock.item(0, 0).text() == figures["low_stock"]["items"][0]["sku"]
    series = screen.movements_chart.series()
    assert len(series) == 1
    assert series[0].count() == len(figures["reasons"])
    assert series[0].barSets()[0].count() == 30
    assert screen.category_chart.series()[0].count() >= 1
    save(app_window(screen), f"{role}_dashboard")


def app_window(screen):
    return screen.window()


def test_it_follows_a_stock_change_made_elsewhere(qtbot, signed_in, admin_api, seeded):
    app = signed_in("manager")
    screen = dashboard(qtbot, app)
    qtbot.waitUntil(lambda: app.events.state is StreamState.CONNECTED, timeout=LOAD_MS)
    before = Decimal(screen.figures["stock"]["value"])
    loads = screen.loads
    product = seeded.products[20]  # unit cost 21.00
    for _ in range(3):  # a burst: one reload (or two), not three
        admin_api.stock.intake(
            {"product_id": product["id"], "quantity": 1, "location_id": seeded.locations[0]["id"]}
        )
    qtbot.waitUntil(lambda: Decimal(screen.figures["stock"]["value"]) == before + 3 * 21, timeout=LOAD_MS)
    assert screen.tiles["value"].value.text() == f"{before + 63:,.2f}"
    assert screen.loads - loads <= 2
    admin_api.stock.adjust(
        {
            "product_id": product["id"],
            "delta": -3,
            "reason_code": "damaged",
            "location_id": seeded.locations[0]["id"],
        }
    )
    qtbot.waitUntil(lambda: Decimal(screen.figures["stock"]["value"]) == before, timeout=LOAD_MS)


def test_purchase_orders_from_the_suggestions(qtbot, signed_in, admin_api):
    screen = dashboard(qtbot, signed_in("manager"))
    click(qtbot, screen.suggest_button)
    qtbot.waitUntil(
        lambda: visible_button("dialog_confirm_orders_from_suggestions_yes") is not None, timeout=LOAD_MS
    )
    click(qtbot, visible_button("dialog_confirm_orders_from_suggestions_yes"))
    qtbot.waitUntil(
        lambda: (
            "draft purchase orders made" in screen.status.text() or "Nothing to order" in screen.status.text()
        ),
        timeout=LOAD_MS,
    )
    drafts = [
        o
        for o in admin_api.purchase_orders.list(status="draft", per_page=200).items
        if o.get("notes") == "From reorder suggestions"
    ]
    try:
        assert drafts
        qtbot.waitUntil(
            lambda: screen.figures["purchase_orders"]["by_status"]["draft"] >= len(drafts), timeout=LOAD_MS
        )
        assert all(
            item["on_order"] > 0
            for item in screen.figures["low_stock"]["items"]
            if item["supplier_id"] is not None
        )
    finally:  # other tests make drafts from the same suggestions
        for order in drafts:
            admin_api.purchase_orders.cancel(order["id"])


def test_a_double_click_opens_the_products_movements(qtbot, signed_in, seeded):
    screen = dashboard(qtbot, signed_in("manager"))
    screen.tabs.setCurrentWidget(screen.movers)
    qtbot.waitUntil(lambda: screen.movers.rowCount() > 0, timeout=LOAD_MS)
    sku = screen.movers.item(0, 0).text()
    dialog = screen.open_movements("top_movers", 0)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.loaded, timeout=LOAD_MS)
    assert sku in dialog.detail.title.text()
    assert dialog.detail.movements.rowCount() > 0
    qtbot.waitExposed(dialog)
    save(dialog, "manager_dashboard_movements")
    dialog.reject()


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_staff_and_viewers_have_no_dashboard(qtbot, signed_in, role):
    app = signed_in(role)
    shell = app.window.shell
    assert "dashboard" not in shell.screens
    assert "dashboard" not in shell.nav_buttons
    save(app.window, f"{role}_no_dashboard")
