"""What the screens may ask of the server, one typed method per question.

Each method returns a :class:`Request`: the blocking ``ApiClient`` call, not sent yet. The screen
sends it with ``then(on_done, on_error, owner)``; the ``Gateway`` runs it on a worker thread and
answers on the GUI thread, so the screens never see HTTP. Callbacks are skipped once ``owner`` is
gone. ``on_done`` is typed by what the call returns, so mypy checks each screen's handler.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from PySide6.QtCore import QObject, Signal

from fllc_desktop.api import ApiClient, AuthSession, CurrentUser, MfaEnrolment, Page
from fllc_desktop.api.catalog import CollectionApi
from fllc_desktop.api.errors import ApiError, MfaRequiredError, NotFoundError
from fllc_desktop.api.models import JsonObject
from fllc_desktop.domain.commands import Command, CommandKind
from fllc_desktop.qt.gateway import Gateway

OnError = Callable[[ApiError], None] | None
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Request(Generic[R]):
    """One question for the server; ``then`` sends it (each ``then`` sends it once more)."""

    gateway: Gateway
    call: Callable[[], R]

    def then(
        self, on_done: Callable[[R], None], on_error: OnError = None, owner: QObject | None = None
    ) -> None:
        self.gateway.submit(self.call, on_done, on_error, owner=owner)


@dataclass(frozen=True, slots=True)
class MfaAnswer:
    """What the person typed at the second step of a sign-in."""

    code: str | None = None
    recovery_code: str | None = None
    trust_device: bool = False


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

    def _ask(self, call: Callable[[], R]) -> Request[R]:
        return Request(self._gateway, call)


class CatalogService(_Service):
    def search_products(self, query: ProductQuery) -> Request[Page]:
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

        return self._ask(call)

    def product(self, product_id: int) -> Request[JsonObject]:
        return self._ask(lambda: self._client.products.get(product_id))

    def stock_of(self, product_id: int) -> Request[ProductStock]:
        def call() -> ProductStock:
            detail = self._client.products.get(product_id)  # carries its stock per location
            movements = self._client.stock.movements(product_id=product_id, per_page=50).items
            return ProductStock(list(detail.get("stock") or []), movements, detail)

        return self._ask(call)

    def lookups(self) -> Request[Lookups]:
        def call() -> Lookups:
            return Lookups(
                categories=self._client.categories.list().items,
                suppliers=self._client.suppliers.list().items,
                locations=self._client.locations.list().items,
            )

        return self._ask(call)

    def create_product(self, fields: JsonObject) -> Request[JsonObject]:
        return self._ask(lambda: self._client.products.create(fields))

    def update_product(self, product_id: int, changes: JsonObject, version: int) -> Request[JsonObject]:
        return self._ask(lambda: self._client.products.update(product_id, changes, version=version))

    def delete_product(self, product_id: int) -> Request[None]:
        return self._ask(lambda: self._client.products.delete(product_id))

    def adjust_stock(self, payload: JsonObject) -> Request[JsonObject]:
        """``{product_id, delta, reason_code, location_id?, note?}`` as a command: its op_id is the
        Idempotency-Key, so a retried send books it once."""
        command = Command.new(CommandKind.STOCK_ADJUST, payload)
        return self._ask(lambda: self._client.commands.send(command))

    def transfer_stock(self, payload: JsonObject) -> Request[JsonObject]:
        """``{product_id, from_location_id, to_location_id, quantity, note?}`` as a command."""
        command = Command.new(CommandKind.STOCK_TRANSFER, payload)
        return self._ask(lambda: self._client.commands.send(command))


class UsersService(_Service):
    def list_users(self, text: str) -> Request[Page]:
        return self._ask(lambda: self._client.users.list(q=text or None, per_page=200))

    def create_user(self, fields: JsonObject) -> Request[JsonObject]:
        return self._ask(lambda: self._client.users.create(fields))

    def change_role(self, user_id: int, role: str) -> Request[JsonObject]:
        return self._ask(lambda: self._client.users.change_role(user_id, role))

    def deactivate(self, user_id: int) -> Request[JsonObject]:
        return self._ask(lambda: self._client.users.deactivate(user_id))

    def reset_password(self, user_id: int, password: str) -> Request[JsonObject]:
        return self._ask(lambda: self._client.users.reset_password(user_id, password))

    def reset_mfa(self, user_id: int) -> Request[JsonObject]:
        return self._ask(lambda: self._client.users.reset_mfa(user_id))


class SettingsService(_Service):
    def load(self) -> Request[JsonObject]:
        return self._ask(self._client.settings.get)

    def save(self, changes: JsonObject) -> Request[JsonObject]:
        return self._ask(lambda: self._client.settings.put(changes))

    def locations(self) -> Request[list[JsonObject]]:
        """The locations, for choosing the default one by name."""
        return self._ask(lambda: self._client.locations.list().items)


class LabelsService(_Service):
    """Label printers on the allow-list, and ZPL sent to one of them through the server."""

    def printers(self) -> Request[list[JsonObject]]:
        return self._ask(self._client.labels.printers)

    def print_zpl(self, printer: str, zpl: str) -> Request[JsonObject]:
        return self._ask(lambda: self._client.labels.print_zpl(printer, zpl))


@dataclass(frozen=True, slots=True)
class OrderEdit:
    """What changed in a draft purchase order, as the server's writes take it."""

    version: int
    header: JsonObject = field(default_factory=dict)
    removed: list[int] = field(default_factory=list)
    changed: dict[int, JsonObject] = field(default_factory=dict)
    added: list[JsonObject] = field(default_factory=list)


class PurchasingService(_Service):
    def list_orders(self, status: str | None, text: str) -> Request[Page]:
        return self._ask(
            lambda: self._client.purchase_orders.list(status=status, q=text or None, per_page=100)
        )

    def drafts_from_suggestions(self) -> Request[list[JsonObject]]:
        return self._ask(self._client.purchase_orders.accept_suggestions)

    def order(self, order_id: int) -> Request[JsonObject]:
        return self._ask(lambda: self._client.purchase_orders.get(order_id))

    def create_order(self, body: JsonObject) -> Request[JsonObject]:
        """``{supplier_id, location_id?, notes, expected_at?, lines: [{product_id, ordered_quantity,
        unit_cost}]}``; one Idempotency-Key for the call, so a retried send makes one order."""
        key = str(uuid.uuid4())
        return self._ask(lambda: self._client.purchase_orders.create(body, idempotency_key=key))

    def save_order(self, order_id: int, edit: OrderEdit) -> Request[JsonObject]:
        """A draft's edit: the header (against its version), then removed, changed and new lines;
        answers the order as the server has it afterwards."""
        keys = [str(uuid.uuid4()) for _ in range(1 + len(edit.removed) + len(edit.changed) + len(edit.added))]

        def call() -> JsonObject:
            api = self._client.purchase_orders
            next_key = iter(keys)
            order = api.get(order_id)
            if edit.header:
                order = api.update(
                    order_id, edit.header, version=edit.version, idempotency_key=next(next_key)
                )
            for line_id in edit.removed:
                order = api.remove_line(order_id, line_id, idempotency_key=next(next_key))
            for line_id, changes in edit.changed.items():
                order = api.update_line(order_id, line_id, changes, idempotency_key=next(next_key))
            for line in edit.added:
                order = api.add_line(order_id, line, idempotency_key=next(next_key))
            return order

        return self._ask(call)

    def submit_order(self, order_id: int) -> Request[JsonObject]:
        return self._ask(lambda: self._client.purchase_orders.submit(order_id))

    def cancel_order(self, order_id: int) -> Request[JsonObject]:
        return self._ask(lambda: self._client.purchase_orders.cancel(order_id))

    def edi_order(self, order_id: int) -> Request[JsonObject]:
        return self._ask(lambda: self._client.purchase_orders.edi(order_id))

    def decide_edi_changes(self, order_id: int, *, confirm: bool) -> Request[JsonObject]:
        return self._ask(lambda: self._client.purchase_orders.decide_edi_changes(order_id, confirm=confirm))


class EdiPartnerService(_Service):
    """A supplier's EDI partner settings (admins)."""

    def of_supplier(self, supplier_id: int) -> Request[JsonObject | None]:
        return self._ask(lambda: self._client.edi_partners.of_supplier(supplier_id))

    def save(self, partner_id: int | None, body: JsonObject) -> Request[JsonObject]:
        api = self._client.edi_partners
        return self._ask(lambda: api.create(body) if partner_id is None else api.update(partner_id, body))


class ReferenceService(_Service):
    """Suppliers, categories or locations: one small collection managed by id."""

    def __init__(self, gateway: Gateway, client: ApiClient, collection: str) -> None:
        super().__init__(gateway, client)
        self._collection = collection

    def _api(self) -> CollectionApi:
        api: CollectionApi = getattr(self._client, self._collection)
        return api

    def list_all(self) -> Request[list[JsonObject]]:
        def call() -> list[JsonObject]:
            api, items, page = self._api(), [], 1
            while True:
                answer = api.list(page=page, per_page=200)
                items += answer.items
                if page >= answer.pages:
                    return items
                page += 1

        return self._ask(call)

    def create(self, fields: JsonObject) -> Request[JsonObject]:
        return self._ask(lambda: self._api().create(fields))

    def update(self, entity_id: int, changes: JsonObject, version: int) -> Request[JsonObject]:
        return self._ask(lambda: self._api().update(entity_id, changes, version=version))

    def delete(self, entity_id: int) -> Request[None]:
        return self._ask(lambda: self._api().delete(entity_id))


class DashboardService(_Service):
    def figures(self) -> Request[JsonObject]:
        return self._ask(self._client.dashboard.get)


@dataclass(frozen=True, slots=True)
class AuditQuery:
    actor_id: int | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    page: int = 1
    per_page: int = 100


class AuditService(_Service):
    def entries(self, query: AuditQuery) -> Request[Page]:
        return self._ask(
            lambda: self._client.audit.list(
                actor_id=query.actor_id,
                entity_type=query.entity_type,
                entity_id=query.entity_id,
                since=query.since,
                until=query.until,
                page=query.page,
                per_page=query.per_page,
            )
        )

    def users(self) -> Request[list[JsonObject]]:
        return self._ask(lambda: self._client.users.list(per_page=200).items)

    def devices(self) -> Request[Page]:
        return self._ask(lambda: self._client.devices.list(per_page=200))


@dataclass(frozen=True, slots=True)
class IntegrationsOverview:
    """What the Integrations screen shows at once."""

    providers: list[JsonObject]
    accounts: list[JsonObject]
    counts: dict[str, int]


class IntegrationsService(_Service):
    """The Integrations screen's questions (admins: system.configure)."""

    def overview(self) -> Request[IntegrationsOverview]:
        def call() -> IntegrationsOverview:
            api = self._client.integrations
            return IntegrationsOverview(api.providers(), api.service_accounts().items, api.inbox_counts())

        return self._ask(call)

    def switch(self, name: str, enabled: bool) -> Request[JsonObject]:
        return self._ask(lambda: self._client.integrations.update_provider(name, enabled=enabled))

    def set_secrets(self, name: str, secrets: dict[str, str | None]) -> Request[JsonObject]:
        return self._ask(lambda: self._client.integrations.update_provider(name, secrets=secrets))

    def send_test_event(self, name: str) -> Request[JsonObject]:
        return self._ask(lambda: self._client.integrations.send_test_event(name))

    def create_key(self, account_name: str, integration: str, scopes: list[str]) -> Request[JsonObject]:
        """A key for the service account of that name (made first when there is none)."""

        def call() -> JsonObject:
            api = self._client.integrations
            found = [a for a in api.service_accounts().items if a.get("name") == account_name]
            account = found[0] if found else api.create_service_account(account_name, integration)
            return api.create_key(int(account["id"]), scopes)

        return self._ask(call)

    def revoke_key(self, account_id: int, key_id: int) -> Request[JsonObject]:
        return self._ask(lambda: self._client.integrations.revoke_key(account_id, key_id))

    def inbox(self, status: str | None) -> Request[Page]:
        return self._ask(lambda: self._client.integrations.inbox(status=status))

    def retry(self, message_id: int) -> Request[JsonObject]:
        return self._ask(lambda: self._client.integrations.retry(message_id))

    def unmapped_lines(self) -> Request[Page]:
        return self._ask(self._client.integrations.unmapped_lines)

    def map_sku(self, source: str, external_sku: str, our_sku: str) -> Request[JsonObject]:
        """Map the outside SKU to our product with SKU `our_sku` (it must exist)."""

        def call() -> JsonObject:
            wanted = our_sku.strip()
            page = self._client.products.list(q=wanted, per_page=50)
            matches = [p for p in page.items if str(p.get("sku", "")).lower() == wanted.lower()]
            if not matches:
                raise NotFoundError(f"No product has the SKU {wanted!r}", code="product_not_found")
            return self._client.integrations.map_sku(source, external_sku, int(matches[0]["id"]))

        return self._ask(call)


class ReportsService(_Service):
    """Reports (reports.generate): ask, follow, list; files fetched into ``files_dir`` to be opened
    (downloaded anew each time: the server decides who may read a report) or saved where the person
    chose; the schedules."""

    def __init__(self, gateway: Gateway, client: ApiClient, files_dir: Path) -> None:
        super().__init__(gateway, client)
        self._files_dir = files_dir

    def request(self, kind: str, params: JsonObject, fmt: str) -> Request[JsonObject]:
        return self._ask(lambda: self._client.reports.request(kind, params, fmt))

    def history(self) -> Request[Page]:
        return self._ask(lambda: self._client.reports.list(per_page=100))

    def report(self, report_id: int) -> Request[JsonObject]:
        return self._ask(lambda: self._client.reports.get(report_id))

    def lookups(self) -> Request[Lookups]:
        def call() -> Lookups:
            return Lookups(
                categories=self._client.categories.list(per_page=200).items,
                suppliers=self._client.suppliers.list(per_page=200).items,
                locations=self._client.locations.list(per_page=200).items,
            )

        return self._ask(call)

    def fetch(self, report_id: int) -> Request[Path]:
        """The report's file, downloaded to this machine to be opened."""

        def call() -> Path:
            file = self._client.reports.download(report_id)
            self._files_dir.mkdir(parents=True, exist_ok=True)
            target = self._files_dir / f"{report_id}-{Path(file.filename).name}"
            partial = target.with_suffix(target.suffix + ".part")
            partial.write_bytes(file.content)
            partial.replace(target)
            return target

        return self._ask(call)

    def save_as(self, report_id: int, target: Path) -> Request[Path]:
        def call() -> Path:
            target.write_bytes(self._client.reports.download(report_id).content)
            return target

        return self._ask(call)

    def schedules(self) -> Request[list[JsonObject]]:
        return self._ask(lambda: self._client.reports.schedules().items)

    def save_schedule(self, schedule_id: int | None, fields: JsonObject) -> Request[JsonObject]:
        if schedule_id is None:
            return self._ask(lambda: self._client.reports.create_schedule(fields))
        return self._ask(lambda: self._client.reports.update_schedule(schedule_id, fields))

    def delete_schedule(self, schedule_id: int) -> Request[None]:
        return self._ask(lambda: self._client.reports.delete_schedule(schedule_id))

    def schedule_runs(self, schedule_id: int) -> Request[list[JsonObject]]:
        return self._ask(lambda: self._client.reports.schedule_runs(schedule_id).items)


class SessionService(QObject):
    """Sign-in, sign-out and who is signed in."""

    sig_signed_in = Signal(object)  # CurrentUser
    sig_signed_out = Signal()
    sig_mfa_enrolment_required = Signal()  # signed in; the role requires two-step sign-in: set it up

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
        def call() -> AuthSession:
            return self._client.auth.login(username, password)

        self._gateway.submit(call, self._on_signed_in, on_error, owner=owner, reauth=False)

    def verify_mfa(
        self,
        username: str,
        challenge: MfaRequiredError,
        answer: MfaAnswer,
        on_error: Callable[[ApiError], None],
        owner: QObject | None = None,
    ) -> None:
        """The second step after ``sign_in`` failed with ``MfaRequiredError``."""

        def call() -> AuthSession:
            return self._client.auth.verify_mfa(
                username,
                challenge.challenge_token,
                code=answer.code,
                recovery_code=answer.recovery_code,
                trust_device=answer.trust_device,
            )

        self._gateway.submit(call, self._on_signed_in, on_error, owner=owner, reauth=False)

    def mfa_enrol(self) -> Request[MfaEnrolment]:
        return Request(self._gateway, self._client.auth.mfa_enrol)

    def mfa_confirm(self, code: str) -> Request[list[str]]:
        return Request(self._gateway, lambda: self._client.auth.mfa_confirm(code))

    def refresh_me(self) -> None:
        """Ask ``/me`` again: it refreshes an expired access token on the way, and probes the server."""
        self._gateway.submit(self._client.auth.me, self._on_me, lambda _exc: None)

    def sign_out(self) -> None:
        self._gateway.drop_waiting()
        self._gateway.submit(self._client.auth.logout, lambda _revoked: None, lambda _exc: None, reauth=False)
        self.user = None
        self.sig_signed_out.emit()

    def _on_signed_in(self, session: AuthSession) -> None:
        self.user = session.user
        self.sig_signed_in.emit(session.user)
        if session.mfa_enrollment_required:
            self.sig_mfa_enrolment_required.emit()

    def _on_me(self, user: CurrentUser) -> None:
        self.user = user


def probe(client: ApiClient) -> Callable[[], object]:
    """A cheap anonymous request that tells whether the server answers at all."""
    return lambda: client.connection.call_anonymous("GET", "/healthz")
