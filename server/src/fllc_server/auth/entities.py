"""Who may read each entity type: the one declaration that the REST read routes, the sync pull and
the live events all use, so that no channel hands out what the REST route refuses.

An entity type missing here is readable by nobody (pull and events leave it out): a new type is
added here first (the visibility test walks every type sync serves x every role).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated

from fastapi import Depends, Request

from fllc_server.auth.dependencies import Authorize, CurrentUser, _BearerDependency, current_user
from fllc_server.auth.permissions import Permission
from fllc_server.kit.errors import Forbidden

P = Permission

# entity type → the permissions of which any one lets a user read it
READERS: dict[str, tuple[Permission, ...]] = {
    "product": (P.PRODUCTS_VIEW,),
    "category": (P.PRODUCTS_VIEW,),
    "supplier": (P.PRODUCTS_VIEW,),
    "location": (P.PRODUCTS_VIEW,),
    # receiving staff read the orders they receive against; viewers do not see purchasing
    "purchase_order": (P.PURCHASE_ORDERS_CREATE, P.STOCK_INTAKE),
}


def may_read(permissions: Collection[Permission], entity_type: str | None) -> bool:
    """Whether holding `permissions` lets one read entities of `entity_type` (unknown: no)."""
    if entity_type is None:
        return False
    return any(permission in permissions for permission in READERS.get(entity_type, ()))


class Reads(_BearerDependency):
    """Dependency of a REST read route: the signed-in user, who may read `entity_type` (403)."""

    def __init__(self, entity_type: str) -> None:
        self.entity_type = entity_type
        self.permissions = READERS[entity_type]

    async def __call__(self, request: Request) -> CurrentUser:
        user = await current_user(request)
        if not may_read(user.permissions, self.entity_type):
            names = " or ".join(f"'{p.value}'" for p in self.permissions)
            raise Forbidden(
                f"Your role ({user.role}) does not allow this: it needs {names}",
                code="permission_denied",
                details=[{"permission": p.value} for p in self.permissions],
            )
        return user


def reads(entity_type: str) -> Authorize | Reads:
    """The dependency of `entity_type`'s REST read routes, from READERS: one permission is a plain
    `Authorize` (as the permission matrix walks it), several are any-of."""
    permissions = READERS[entity_type]
    return Authorize(permissions[0]) if len(permissions) == 1 else Reads(entity_type)


PurchaseOrdersRead = Annotated[CurrentUser, Depends(reads("purchase_order"))]
