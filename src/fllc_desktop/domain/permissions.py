"""Permission codes and the role matrix, as the client mirrors them.

The server is the source of truth: it sends each user's permission codes at login and from
``GET /api/v1/me``, and it always enforces them. The client only *hides* what a user may not do, so
``Grants`` is built from the codes the server sent; the role matrix below is a mirror used for
defaults, tests and documentation, never for a security decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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


_STAFF = frozenset({Permission.PRODUCTS_VIEW, Permission.STOCK_INTAKE})
_MANAGER = _STAFF | {
    Permission.PRODUCTS_MODIFY,
    Permission.PURCHASE_ORDERS_CREATE,
    Permission.REPORTS_GENERATE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MANAGER: _MANAGER,
    Role.STAFF: _STAFF,
    Role.VIEWER: frozenset({Permission.PRODUCTS_VIEW}),
}


@dataclass(frozen=True, slots=True)
class Grants:
    """What the signed-in user may do, as the server told us."""

    permissions: frozenset[Permission]

    @classmethod
    def from_codes(cls, codes: Iterable[str]) -> Grants:
        """Codes the client does not know yet (a newer server) are ignored, not an error."""
        known = {Permission(code) for code in codes if code in _KNOWN_CODES}
        return cls(frozenset(known))

    @classmethod
    def for_role(cls, role: Role) -> Grants:
        return cls(ROLE_PERMISSIONS[role])

    @classmethod
    def none(cls) -> Grants:
        return cls(frozenset())

    def allows(self, permission: Permission) -> bool:
        return permission in self.permissions

    def allows_all(self, *permissions: Permission) -> bool:
        return all(p in self.permissions for p in permissions)


_KNOWN_CODES = frozenset(p.value for p in Permission)
