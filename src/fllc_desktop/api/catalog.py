"""Products, categories, suppliers and locations."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fllc_desktop.api.connection import ServerConnection
from fllc_desktop.api.models import JsonObject, Page

PRODUCTS = "/api/v1/products"


class ProductsApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def list(
        self,
        *,
        q: str | None = None,
        category_id: int | None = None,
        supplier_id: int | None = None,
        low_stock: bool | None = None,
        sort: str | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> Page:
        """``sort`` is a field name, ``-`` in front for descending (``"-updated_at"``)."""
        params: dict[str, Any] = {
            "q": q or None,
            "category_id": category_id,
            "supplier_id": supplier_id,
            "below_reorder": _flag(low_stock),  # the server's name for "at or below reorder point"
            "sort": sort,
            "page": page,
            "per_page": per_page,
        }
        return Page.from_wire(self._connection.call("GET", PRODUCTS, params=params))

    def get(self, product_id: int) -> JsonObject:
        return dict(self._connection.call("GET", f"{PRODUCTS}/{product_id}"))

    def by_barcode(self, barcode: str) -> JsonObject:
        return dict(self._connection.call("GET", f"{PRODUCTS}/by-barcode/{quote(barcode, safe='')}"))

    def create(self, fields: JsonObject, *, idempotency_key: str | None = None) -> JsonObject:
        return dict(self._connection.call("POST", PRODUCTS, json=fields, idempotency_key=idempotency_key))

    def update(
        self, product_id: int, changes: JsonObject, *, version: int, idempotency_key: str | None = None
    ) -> JsonObject:
        """An edit based on ``version`` (the version the user last saw, sent in the body as the
        server's ``PatchSchema`` wants it); a newer version on the server raises ``ConflictError``
        carrying the server's current product."""
        body = {**changes, "version": version}
        path = f"{PRODUCTS}/{product_id}"
        return dict(self._connection.call("PATCH", path, json=body, idempotency_key=idempotency_key))

    def delete(self, product_id: int) -> None:
        self._connection.call("DELETE", f"{PRODUCTS}/{product_id}")


class CollectionApi:
    """A small collection managed by id: categories, suppliers, locations."""

    def __init__(self, connection: ServerConnection, path: str) -> None:
        self._connection = connection
        self.path = path

    def list(self, *, page: int = 1, per_page: int = 200, q: str | None = None) -> Page:
        params = {"page": page, "per_page": per_page, "q": q or None}
        return Page.from_wire(self._connection.call("GET", self.path, params=params))

    def get(self, entity_id: int) -> JsonObject:
        return dict(self._connection.call("GET", f"{self.path}/{entity_id}"))

    def create(self, fields: JsonObject) -> JsonObject:
        return dict(self._connection.call("POST", self.path, json=fields))

    def update(self, entity_id: int, changes: JsonObject, *, version: int | None = None) -> JsonObject:
        """A partial edit; with ``version`` (the one the user saw) a newer one on the server raises
        ``ConflictError`` instead of being overwritten."""
        body = changes if version is None else {**changes, "version": version}
        return dict(self._connection.call("PATCH", f"{self.path}/{entity_id}", json=body))

    def delete(self, entity_id: int) -> None:
        self._connection.call("DELETE", f"{self.path}/{entity_id}")


def _flag(value: bool | None) -> str | None:
    return None if value is None else str(value).lower()
