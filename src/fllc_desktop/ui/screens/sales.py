"""The sales screens' registry entries: Orders and Customers (reports.generate), each given the
sales service; Pick is a scan screen (``ui.screens.scan_setup``)."""

from __future__ import annotations

from collections.abc import Callable

from fllc_desktop.domain.permissions import Permission
from fllc_desktop.qt.event_stream import EventStream
from fllc_desktop.qt.sales import SalesService
from fllc_desktop.ui.screens.customers import customers_screen_factory
from fllc_desktop.ui.screens.orders import orders_screen_factory
from fllc_desktop.ui.screens.registry import ScreenSpec


def sales_screens(
    sales: SalesService, show_orders: Callable[[int, str], None], events: EventStream | None = None
) -> tuple[ScreenSpec, ...]:
    """``show_orders(customer_id, name)``: the Orders screen filtered by that customer; ``events``:
    the live stream the Orders screen follows."""
    return (
        ScreenSpec(
            "orders",
            "Orders",
            Permission.REPORTS_GENERATE,
            orders_screen_factory(sales, events),
            icon="orders",
            order=32,
        ),
        ScreenSpec(
            "customers",
            "Customers",
            Permission.REPORTS_GENERATE,
            customers_screen_factory(sales, show_orders),
            icon="users",
            order=34,
        ),
    )
