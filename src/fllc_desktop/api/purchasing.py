"""Purchase orders: list, create, submit, cancel, receive, reorder suggestions."""

from __future__ import annotations

import builtins
from typing import Any

from fllc_desktop.api.connection import ServerConnection
from fllc_desktop.api.models import JsonObject, Page

PURCHASE_ORDERS = "/api/v1/purchase-orders"


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
