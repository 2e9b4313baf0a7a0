"""The role → permission matrix: the single source of truth, as data."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    PRODUCTS_VIEW = "products.view"
    PRODUCTS_MODIFY = "products.modify"
    PRODUCTS_DELETE = "products.delete"
    STOCK_INTAKE = "stock.intake"
    PURCHASE_ORDERS_CREATE = "purchase_orders.create"
    REPORTS_GENERATE = "reports.generate"
    USERS_MANAGE = "users.manage"
    SYSTEM_CONFIGURE = "system.configure"


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    STAFF = "staff"
    VIEWER = "viewer"


P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MANAGER: frozenset(
        {
            P.PRODUCTS_VIEW,
            P.PRODUCTS_MODIFY,
            P.STOCK_INTAKE,
            P.PURCHASE_ORDERS_CREATE,
            P.REPORTS_GENERATE,
        }
    ),
    Role.STAFF: frozenset({P.PRODUCTS_VIEW, P.STOCK_INTAKE}),
    Role.VIEWER: frozenset({P.PRODUCTS_VIEW}),
}


def permissions_for(role: str) -> frozenset[Permission]:
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()


def permission_codes(role: str) -> list[str]:
    """Sorted codes, as carried by the login response, /me and the access token."""
    return sorted(p.value for p in permissions_for(role))
