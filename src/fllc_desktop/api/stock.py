"""Stock writes (each one a command, sent with its op_id as Idempotency-Key) and movements."""

from __future__ import annotations

from fllc_desktop.api.connection import ServerConnection
from fllc_desktop.api.models import JsonObject, Page
from fllc_desktop.domain.commands import Command, CommandKind

STOCK = "/api/v1/stock"
PURCHASE_ORDERS = "/api/v1/purchase-orders"
PRODUCTS = "/api/v1/products"


class StockApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def intake(self, body: JsonObject, *, idempotency_key: str | None = None) -> JsonObject:
        """``{product_id | sku | barcode, quantity, location_id?, lot?, expiry?, purchase_order_line_id?}``"""
        return self._post(f"{STOCK}/intake", body, idempotency_key)

    def adjust(self, body: JsonObject, *, idempotency_key: str | None = None) -> JsonObject:
        return self._post(f"{STOCK}/adjustments", body, idempotency_key)

    def count(self, body: JsonObject, *, idempotency_key: str | None = None) -> JsonObject:
        return self._post(f"{STOCK}/counts", body, idempotency_key)

    def transfer(self, body: JsonObject, *, idempotency_key: str | None = None) -> JsonObject:
        return self._post(f"{STOCK}/transfers", body, idempotency_key)

    def movements(
        self,
        *,
        product_id: int | None = None,
        location_id: int | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> Page:
        params = {"product_id": product_id, "location_id": location_id, "page": page, "per_page": per_page}
        return Page.from_wire(self._connection.call("GET", f"{STOCK}/movements", params=params))

    def levels(self, product_id: int) -> Page:
        """Stock of one product per location. The server answers ``{product_id, quantity_on_hand,
        levels: [...]}``; the levels come back as a one-page list."""
        answer = self._connection.call("GET", f"{STOCK}/levels", params={"product_id": product_id})
        if isinstance(answer, dict) and isinstance(answer.get("levels"), list):
            answer = {"data": answer["levels"], "meta": {"page": 1, "pages": 1}}
        return Page.from_wire(answer)

    def _post(self, path: str, body: JsonObject, idempotency_key: str | None) -> JsonObject:
        answer = self._connection.call("POST", path, json=body, idempotency_key=idempotency_key)
        return dict(answer or {})


class CommandSender:
    """Sends a command online through its REST write, with its op_id as the Idempotency-Key:
    the server runs the same service code as for a pushed op, so either path applies it once."""

    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def send(self, command: Command) -> JsonObject:
        method, path, body = self._route(command)
        answer = self._connection.call(method, path, json=body, idempotency_key=str(command.op_id))
        return dict(answer or {})

    @staticmethod
    def _route(command: Command) -> tuple[str, str, JsonObject]:
        payload = command.payload
        if command.kind is CommandKind.PRODUCT_UPDATE:
            changes = {k: v for k, v in payload.items() if k != "product_id"}
            body = {**changes, "version": command.base_version}
            return "PATCH", f"{PRODUCTS}/{payload['product_id']}", body
        if command.kind is CommandKind.ORDER_PICK:
            body = {k: v for k, v in payload.items() if k != "order_id"}
            return "POST", f"/api/v1/orders/{payload['order_id']}/pick", body
        if command.kind is CommandKind.ORDER_FULFIL:
            body = {k: v for k, v in payload.items() if k != "order_id"}
            return "POST", f"/api/v1/orders/{payload['order_id']}/fulfilment", body
        if command.kind is CommandKind.PO_RECEIVE:
            return "POST", f"{PURCHASE_ORDERS}/{payload['purchase_order_id']}/receive", payload
        return "POST", f"{STOCK}/{_STOCK_PATHS[command.kind]}", payload


_STOCK_PATHS = {
    CommandKind.STOCK_INTAKE: "intake",
    CommandKind.STOCK_ADJUST: "adjustments",
    CommandKind.STOCK_COUNT: "counts",
    CommandKind.STOCK_TRANSFER: "transfers",
}
