"""Sales: customers (search, create, edit, merge), orders (list, detail, history, status, return)
and the pick list. Order changes are sent with an Idempotency-Key so a retry applies them once;
picking and shipping go through the outbox as commands (``CommandKind.ORDER_PICK``/``ORDER_FULFIL``)."""

from __future__ import annotations

import builtins
import datetime as dt
from typing import Any

from fllc_desktop.api.connection import ServerConnection
from fllc_desktop.api.models import JsonObject, Page

CUSTOMERS = "/api/v1/customers"
ORDERS = "/api/v1/orders"


class CustomersApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def list(self, *, q: str | None = None, page: int = 1, per_page: int = 50) -> Page:
        params = {"q": q, "page": page, "per_page": per_page}
        return Page.from_wire(self._connection.call("GET", CUSTOMERS, params=params))

    def get(self, customer_id: int) -> JsonObject:
        return dict(self._connection.call("GET", f"{CUSTOMERS}/{customer_id}"))

    def create(self, body: JsonObject) -> JsonObject:
        """``{name, email?, phone?, addresses: [{kind, line1, city, postal_code, country, ...}]}``"""
        return self._write("POST", CUSTOMERS, body)

    def update(self, customer_id: int, changes: JsonObject) -> JsonObject:
        return self._write("PATCH", f"{CUSTOMERS}/{customer_id}", changes)

    def add_address(self, customer_id: int, address: JsonObject) -> JsonObject:
        return self._write("POST", f"{CUSTOMERS}/{customer_id}/addresses", address)

    def remove_address(self, customer_id: int, address_id: int) -> JsonObject:
        return self._write("DELETE", f"{CUSTOMERS}/{customer_id}/addresses/{address_id}", None)

    def merge(self, customer_id: int, duplicate_ids: builtins.list[int]) -> JsonObject:
        """Fold the duplicates into ``customer_id`` (their orders, reviews and addresses move)."""
        return self._write("POST", f"{CUSTOMERS}/{customer_id}/merge", {"duplicate_ids": duplicate_ids})

    def _write(self, method: str, path: str, body: Any) -> JsonObject:
        return dict(self._connection.call(method, path, json=body) or {})


class OrdersApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def list(
        self,
        *,
        status: str | None = None,
        customer_id: int | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> Page:
        params = {
            "status": status,
            "customer_id": customer_id,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "page": page,
            "per_page": per_page,
        }
        return Page.from_wire(self._connection.call("GET", ORDERS, params=params))

    def get(self, order_id: int) -> JsonObject:
        return dict(self._connection.call("GET", f"{ORDERS}/{order_id}"))

    def history(self, order_id: int) -> builtins.list[JsonObject]:
        return [dict(row) for row in self._connection.call("GET", f"{ORDERS}/{order_id}/history") or []]

    def set_status(self, order_id: int, status: str, note: str = "", *, idempotency_key: str) -> JsonObject:
        """``paid`` or ``cancelled`` (products.modify)."""
        return self._post(f"{ORDERS}/{order_id}/status", {"status": status, "note": note}, idempotency_key)

    def fulfil(self, order_id: int, status: str, note: str = "", *, idempotency_key: str) -> JsonObject:
        """``picking``, ``packed`` or ``shipped`` (stock.intake)."""
        return self._post(
            f"{ORDERS}/{order_id}/fulfilment", {"status": status, "note": note}, idempotency_key
        )

    def return_items(
        self, order_id: int, lines: builtins.list[JsonObject], note: str = "", *, idempotency_key: str
    ) -> JsonObject:
        """``lines: [{item_id, quantity, disposition: restock | damaged}]``"""
        return self._post(f"{ORDERS}/{order_id}/return", {"lines": lines, "note": note}, idempotency_key)

    def pick_list(self) -> builtins.list[JsonObject]:
        """Orders to pick and ship (stock.intake), oldest first, with their lines' barcodes."""
        return [dict(order) for order in self._connection.call("GET", "/api/v1/picking") or []]

    def _post(self, path: str, body: JsonObject, idempotency_key: str) -> JsonObject:
        return dict(self._connection.call("POST", path, json=body, idempotency_key=idempotency_key) or {})
