"""What the Orders, Customers and Pick screens may ask of the server (see ``qt.services``: each
method returns a :class:`Request` the screen sends with ``then``). Every order change carries one
Idempotency-Key made when it is asked for, so a retried send applies it once."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from fllc_desktop.api import Page
from fllc_desktop.api.models import JsonObject
from fllc_desktop.qt.services import Request, _Service


@dataclass(frozen=True, slots=True)
class OrderQuery:
    status: str | None = None
    customer_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive: orders placed on that day are shown
    page: int = 1
    per_page: int = 100


@dataclass(frozen=True, slots=True)
class OrderDetail:
    """An order with what its detail shows beside it: the status history and its customer."""

    order: JsonObject
    history: list[JsonObject]
    customer: JsonObject | None


def _start_of(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


class SalesService(_Service):
    # -- orders ---------------------------------------------------------------------------------
    def orders(self, query: OrderQuery) -> Request[Page]:
        until = query.until + dt.timedelta(days=1) if query.until else None
        return self._ask(
            lambda: self._client.orders.list(
                status=query.status,
                customer_id=query.customer_id,
                since=_start_of(query.since),
                until=_start_of(until),
                page=query.page,
                per_page=query.per_page,
            )
        )

    def order_detail(self, order_id: int) -> Request[OrderDetail]:
        def call() -> OrderDetail:
            order = self._client.orders.get(order_id)
            history = self._client.orders.history(order_id)
            customer_id = order.get("customer_id")
            customer = self._client.customers.get(int(customer_id)) if customer_id else None
            return OrderDetail(order, history, customer)

        return self._ask(call)

    def set_status(self, order_id: int, status: str, note: str = "") -> Request[JsonObject]:
        key = str(uuid.uuid4())
        return self._ask(lambda: self._client.orders.set_status(order_id, status, note, idempotency_key=key))

    def fulfil(self, order_id: int, status: str, note: str = "") -> Request[JsonObject]:
        key = str(uuid.uuid4())
        return self._ask(lambda: self._client.orders.fulfil(order_id, status, note, idempotency_key=key))

    def return_items(self, order_id: int, lines: list[JsonObject], note: str = "") -> Request[JsonObject]:
        key = str(uuid.uuid4())
        return self._ask(lambda: self._client.orders.return_items(order_id, lines, note, idempotency_key=key))

    def pick_list(self) -> Request[list[JsonObject]]:
        return self._ask(self._client.orders.pick_list)

    # -- customers ------------------------------------------------------------------------------
    def customers(self, text: str, page: int = 1) -> Request[Page]:
        return self._ask(lambda: self._client.customers.list(q=text.strip() or None, page=page, per_page=100))

    def customer(self, customer_id: int) -> Request[JsonObject]:
        return self._ask(lambda: self._client.customers.get(customer_id))

    def create_customer(self, body: JsonObject) -> Request[JsonObject]:
        return self._ask(lambda: self._client.customers.create(body))

    def update_customer(
        self, customer_id: int, changes: JsonObject, address: JsonObject | None = None
    ) -> Request[JsonObject]:
        """The customer's fields, and a new address when one was typed."""

        def call() -> JsonObject:
            customer = self._client.customers.update(customer_id, changes) if changes else {}
            if address:
                customer = self._client.customers.add_address(customer_id, address)
            return customer or self._client.customers.get(customer_id)

        return self._ask(call)

    def remove_address(self, customer_id: int, address_id: int) -> Request[JsonObject]:
        return self._ask(lambda: self._client.customers.remove_address(customer_id, address_id))

    def merge_customers(self, keep_id: int, duplicate_ids: list[int]) -> Request[JsonObject]:
        return self._ask(lambda: self._client.customers.merge(keep_id, duplicate_ids))

    def customer_orders(self, customer_id: int) -> Request[Page]:
        return self._ask(lambda: self._client.orders.list(customer_id=customer_id, per_page=100))
