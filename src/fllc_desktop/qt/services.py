"""What the screens may ask of the server, one typed method per question.

Each method hands a blocking ``ApiClient`` call to the ``Gateway`` (a worker thread) and answers by
callback on the GUI thread; the screens never see HTTP. Callbacks are skipped once ``owner`` is gone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from fllc_desktop.api import ApiClient, CurrentUser, Page
from fllc_desktop.api.errors import ApiError
from fllc_desktop.api.models import JsonObject
from fllc_desktop.qt.gateway import Gateway

OnError = Callable[[ApiError], None] | None


@dataclass(frozen=True, slots=True)
class ProductQuery:
    text: str = ""
    category_id: int | None = None
    supplier_id: int | None = None
    low_stock: bool = False
    sort: str | None = None  # a field name, "-" in front for descending
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True, slots=True)
class Lookups:
    """The small lists a products screen needs for its filters and forms."""

    categories: list[JsonObject] = field(default_factory=list)
    suppliers: list[JsonObject] = field(default_factory=list)
    locations: list[JsonObject] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ProductStock:
    levels: list[JsonObject]
    movements: list[JsonObject]
    product: JsonObject = field(default_factory=dict)


class _Service:
    def __init__(self, gateway: Gateway, client: ApiClient) -> None:
        self._gateway = gateway
        self._client = client

    def _submit(
        self,
        call: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: OnError,
        owner: QObject | None,
    ) -> None:
        self._gateway.submit(call, on_done, on_error, owner=owner)


class CatalogService(_Service):
    def search_products(
        self,
        query: ProductQuery,
        on_done: Callable[[Page], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        def call() -> Page:
            return self._client.products.list(
                q=query.text.strip() or None,
                category_id=query.category_id,
                supplier_id=query.supplier_id,
                low_stock=True if query.low_stock else None,
                sort=query.sort,
                page=query.page,
                per_page=query.per_page,
            )

        self._submit(call, on_done, on_error, owner)

    def product(
        self,
        product_id: int,
        on_done: Callable[[JsonObject], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        self._submit(lambda: self._client.products.get(product_id), on_done, on_error, owner)

    def stock_of(
        self,
        product_id: int,
        on_done: Callable[[ProductStock], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        def call() -> ProductStock:
            detail = self._client.products.get(product_id)  # carries its stock per location
            movements = self._client.stock.movements(product_id=product_id, per_page=50).items
            return ProductStock(list(detail.get("stock") or []), movements, detail)

        self._submit(call, on_done, on_error, owner)

    def lookups(
        self, on_done: Callable[[Lookups], None], on_error: OnError = None, owner: QObject | None = None
    ) -> None:
        def call() -> Lookups:
            return Lookups(
                categories=self._client.categories.list().items,
                suppliers=self._client.suppliers.list().items,
                locations=self._client.locations.list().items,
            )

        self._submit(call, on_done, on_error, owner)

    def create_product(
        self,
        fields: JsonObject,
        on_done: Callable[[JsonObject], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        self._submit(lambda: self._client.products.create(fields), on_done, on_error, owner)

    def update_product(
        self,
        product_id: int,
        changes: JsonObject,
        version: int,
        *,
        on_done: Callable[[JsonObject], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        def call() -> JsonObject:
            return self._client.products.update(product_id, changes, version=version)

        self._submit(call, on_done, on_error, owner)

    def delete_product(
        self,
        product_id: int,
        on_done: Callable[[None], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        self._submit(lambda: self._client.products.delete(product_id), on_done, on_error, owner)


class UsersService(_Service):
    def list_users(
        self,
        text: str,
        on_done: Callable[[Page], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        self._submit(lambda: self._client.users.list(q=text or None, per_page=200), on_done, on_error, owner)

    def create_user(
        self,
        fields: JsonObject,
        on_done: Callable[[JsonObject], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        self._submit(lambda: self._client.users.create(fields), on_done, on_error, owner)

    def change_role(
        self,
        user_id: int,
        role: str,
        on_done: Callable[[JsonObject], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        self._submit(lambda: self._client.users.change_role(user_id, role), on_done, on_error, owner)

    def deactivate(
        self,
        user_id: int,
        on_done: Callable[[JsonObject], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        self._submit(lambda: self._client.users.deactivate(user_id), on_done, on_error, owner)

    def reset_password(
        self,
        user_id: int,
        password: str,
        on_done: Callable[[None], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        self._submit(lambda: self._client.users.reset_password(user_id, password), on_done, on_error, owner)


class SettingsService(_Service):
    def load(
        self, on_done: Callable[[JsonObject], None], on_error: OnError = None, owner: QObject | None = None
    ) -> None:
        self._submit(self._client.settings.get, on_done, on_error, owner)

    def save(
        self,
        changes: JsonObject,
        on_done: Callable[[JsonObject], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        self._submit(lambda: self._client.settings.put(changes), on_done, on_error, owner)


class SessionService(QObject):
    """Sign-in, sign-out and who is signed in."""

    sig_signed_in = Signal(object)  # CurrentUser
    sig_signed_out = Signal()

    def __init__(self, gateway: Gateway, client: ApiClient, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._gateway = gateway
        self._client = client
        self.user: CurrentUser | None = None

    @property
    def server_url(self) -> str:
        return self._client.server_url

    def access_token(self) -> str | None:
        tokens = self._client.tokens.tokens
        return tokens.access_token if tokens else None

    def sign_in(
        self,
        username: str,
        password: str,
        on_error: Callable[[ApiError], None],
        owner: QObject | None = None,
    ) -> None:
        def call() -> CurrentUser:
            return self._client.auth.login(username, password).user

        self._gateway.submit(call, self._on_signed_in, on_error, owner=owner, reauth=False)

    def refresh_me(self) -> None:
        """Ask ``/me`` again: it refreshes an expired access token on the way, and probes the server."""
        self._gateway.submit(self._client.auth.me, self._on_me, lambda _exc: None)

    def sign_out(self) -> None:
        self._gateway.drop_waiting()
        self._gateway.submit(self._client.auth.logout, lambda _revoked: None, lambda _exc: None, reauth=False)
        self.user = None
        self.sig_signed_out.emit()

    def _on_signed_in(self, user: CurrentUser) -> None:
        self.user = user
        self.sig_signed_in.emit(user)

    def _on_me(self, user: CurrentUser) -> None:
        self.user = user


def probe(client: ApiClient) -> Callable[[], object]:
    """A cheap anonymous request that tells whether the server answers at all."""
    return lambda: client.connection.call_anonymous("GET", "/healthz")


class PurchasingService(_Service):
    def list_orders(
        self,
        status: str | None,
        text: str,
        on_done: Callable[[Page], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        def call() -> Page:
            return self._client.purchase_orders.list(status=status, q=text or None, per_page=100)

        self._submit(call, on_done, on_error, owner)

    def drafts_from_suggestions(
        self,
        on_done: Callable[[list[JsonObject]], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        self._submit(self._client.purchase_orders.accept_suggestions, on_done, on_error, owner)

    def submit_order(
        self,
        order_id: int,
        on_done: Callable[[JsonObject], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        self._submit(lambda: self._client.purchase_orders.submit(order_id), on_done, on_error, owner)

    def cancel_order(
        self,
        order_id: int,
        on_done: Callable[[JsonObject], None],
        on_error: OnError = None,
        owner: QObject | None = None,
    ) -> None:
        self._submit(lambda: self._client.purchase_orders.cancel(order_id), on_done, on_error, owner)
