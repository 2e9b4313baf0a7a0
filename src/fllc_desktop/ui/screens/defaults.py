"""The screens this part of the app provides. Scan screens register themselves in ``app.py``."""

from __future__ import annotations

from fllc_desktop.domain.permissions import Permission
from fllc_desktop.ui.screens.products import build_products_screen
from fllc_desktop.ui.screens.purchase_orders import build_purchase_orders_screen
from fllc_desktop.ui.screens.registry import ScreenRegistry, ScreenSpec
from fllc_desktop.ui.screens.settings import build_settings_screen
from fllc_desktop.ui.screens.users import build_users_screen

PRODUCTS = ScreenSpec(
    "products", "Products", Permission.PRODUCTS_VIEW, build_products_screen, icon="products", order=20
)
PURCHASE_ORDERS = ScreenSpec(
    "purchase_orders",
    "Purchase orders",
    Permission.PURCHASE_ORDERS_CREATE,
    build_purchase_orders_screen,
    icon="orders",
    order=30,
)
USERS = ScreenSpec("users", "Users", Permission.USERS_MANAGE, build_users_screen, icon="users", order=80)
SETTINGS = ScreenSpec(
    "settings", "Settings", Permission.SYSTEM_CONFIGURE, build_settings_screen, icon="settings", order=90
)


def register_default_screens(registry: ScreenRegistry) -> None:
    for spec in (PRODUCTS, PURCHASE_ORDERS, USERS, SETTINGS):
        registry.register(spec)
