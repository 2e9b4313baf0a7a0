"""Purchase orders: list, create, submit, cancel, receive, reorder suggestions."""

from __future__ import annotations

import builtins
from typing import Any

from fllc_desktop.api.connection import ServerConnection
from fllc_desktop.api.models import JsonObject, Page

PURCHASE_ORDERS = "/api/v1/purchase-orders"
EDI_ORDERS = "/api/v1/edi/purchase-orders"


class PurchaseOrdersApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def list(
        self,
        *,
        status: str | None = None,
        supplier_id: int | None = None,
        q: str | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> Page:
        params = {"status": status, "supplier_id": supplier_id, "q": q, "page": page, "per_page": per_page}
        return Page.from_wire(self._connection.call("GET", PURCHASE_ORDERS, params=params))

    def get(self, purchase_order_id: int) -> JsonObject:
        return dict(self._connection.call("GET", f"{PURCHASE_ORDERS}/{purchase_order_id}"))

    def create(self, body: JsonObject, *, idempotency_key: str | None = None) -> JsonObject:
        """``{supplier_id, lines: [{product_id, quantity, unit_cost}], ...}``"""
        return self._write("POST", PURCHASE_ORDERS, body, idempotency_key)

    def update(
        self, purchase_order_id: int, changes: JsonObject, *, version: int, idempotency_key: str | None = None
    ) -> JsonObject:
        """Header fields of a draft (supplier, location, notes, expected_at) based on ``version``."""
        body = {**changes, "version": version}
        return self._write("PATCH", f"{PURCHASE_ORDERS}/{purchase_order_id}", body, idempotency_key)

    def add_line(
        self, purchase_order_id: int, line: JsonObject, *, idempotency_key: str | None = None
    ) -> JsonObject:
        """``{product_id, ordered_quantity, unit_cost?}``; answers the whole order."""
        return self._write("POST", f"{PURCHASE_ORDERS}/{purchase_order_id}/lines", line, idempotency_key)

    def update_line(
        self, purchase_order_id: int, line_id: int, changes: JsonObject, *, idempotency_key: str | None = None
    ) -> JsonObject:
        path = f"{PURCHASE_ORDERS}/{purchase_order_id}/lines/{line_id}"
        return self._write("PATCH", path, changes, idempotency_key)

    def remove_line(
        self, purchase_order_id: int, line_id: int, *, idempotency_key: str | None = None
    ) -> JsonObject:
        path = f"{PURCHASE_ORDERS}/{purchase_order_id}/lines/{line_id}"
        return self._write("DELETE", path, None, idempotency_key)

    def submit(self, purchase_order_id: int) -> JsonObject:
        return self._write("POST", f"{PURCHASE_ORDERS}/{purchase_order_id}/submit", None, None)

    def cancel(self, purchase_order_id: int) -> JsonObject:
        return self._write("POST", f"{PURCHASE_ORDERS}/{purchase_order_id}/cancel", None, None)

    def receive_line(
        self,
        purchase_order_id: int,
        line_id: int,
        quantity: int,
        *,
        location_id: int | None = None,
        idempotency_key: str | None = None,
    ) -> JsonObject:
        body: JsonObject = {
            "purchase_order_id": purchase_order_id,
            "purchase_order_line_id": line_id,
            "quantity": quantity,
        }
        if location_id is not None:
            body["location_id"] = location_id
        path = f"{PURCHASE_ORDERS}/{purchase_order_id}/receive"
        return self._write("POST", path, body, idempotency_key)

    def edi(self, purchase_order_id: int) -> JsonObject:
        """The order's EDI state: 850 sent, 997, the 855's changes, ASN cartons, 810 match."""
        return dict(self._connection.call("GET", f"{EDI_ORDERS}/{purchase_order_id}"))

    def decide_edi_changes(self, purchase_order_id: int, *, confirm: bool) -> JsonObject:
        verb = "confirm" if confirm else "decline"
        return self._write("POST", f"{EDI_ORDERS}/{purchase_order_id}/changes/{verb}", None, None)

    def suggestions(self, *, supplier_id: int | None = None) -> Page:
        """Reorder suggestions: products at or below their reorder point."""
        params = {"supplier_id": supplier_id}
        return Page.from_wire(self._connection.call("GET", f"{PURCHASE_ORDERS}/suggestions", params=params))

    def accept_suggestions(
        self, *, supplier_ids: builtins.list[int] | None = None
    ) -> builtins.list[JsonObject]:
        """One draft purchase order per supplier from the current suggestions."""
        body = {"supplier_ids": supplier_ids} if supplier_ids else {}
        answer = self._connection.call("POST", f"{PURCHASE_ORDERS}/suggestions/accept", json=body)
        return [dict(order) for order in answer or []]

    def _write(self, method: str, path: str, body: Any, idempotency_key: str | None) -> JsonObject:
        answer = self._connection.call(method, path, json=body, idempotency_key=idempotency_key)
        return dict(answer or {})


class EdiPartnersApi:
    """A supplier's EDI trading partner (system.configure): ids, version, delimiters, sets, transport."""

    PARTNERS = "/api/v1/edi/partners"

    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def of_supplier(self, supplier_id: int) -> JsonObject | None:
        found = self._connection.call("GET", self.PARTNERS, params={"supplier_id": supplier_id})
        return dict(found[0]) if found else None

    def create(self, body: JsonObject) -> JsonObject:
        return dict(self._connection.call("POST", self.PARTNERS, json=body) or {})

    def update(self, partner_id: int, changes: JsonObject) -> JsonObject:
        return dict(self._connection.call("PATCH", f"{self.PARTNERS}/{partner_id}", json=changes) or {})
