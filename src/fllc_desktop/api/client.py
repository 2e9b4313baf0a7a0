"""The API client: one object per server, its parts grouped the way the screens use them."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import keyring.backend

from fllc_desktop.api.admin import SettingsApi, UsersApi
from fllc_desktop.api.auth import AuthApi
from fllc_desktop.api.catalog import CollectionApi, ProductsApi
from fllc_desktop.api.connection import DEFAULT_TIMEOUT, ServerConnection
from fllc_desktop.api.dashboard import AuditApi, DashboardApi, DevicesApi
from fllc_desktop.api.integrations import IntegrationsApi
from fllc_desktop.api.labels import LabelsApi
from fllc_desktop.api.purchasing import EdiPartnersApi, PurchaseOrdersApi
from fllc_desktop.api.reports import ReportsApi
from fllc_desktop.api.sales import CustomersApi, OrdersApi
from fllc_desktop.api.stock import CommandSender, StockApi
from fllc_desktop.api.sync import SyncApi
from fllc_desktop.api.tokens import RefreshTokenVault, TokenStore


class ApiClient:
    """``client.products.list(q="bolt")``, ``client.stock.intake({...})``, ``client.sync.push(...)``.

    Every method is blocking and raises only ``fllc_desktop.api.errors.ApiError`` subclasses; call
    it from a worker thread, never from the GUI thread."""

    def __init__(
        self,
        server_url: str,
        *,
        tokens: TokenStore | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.tokens = tokens or TokenStore(RefreshTokenVault(self.server_url))
        self.connection = ServerConnection(self.server_url, self.tokens, transport=transport, timeout=timeout)
        self.auth = AuthApi(self.connection)
        self.products = ProductsApi(self.connection)
        self.categories = CollectionApi(self.connection, "/api/v1/categories")
        self.suppliers = CollectionApi(self.connection, "/api/v1/suppliers")
        self.locations = CollectionApi(self.connection, "/api/v1/locations")
        self.stock = StockApi(self.connection)
        self.commands = CommandSender(self.connection)
        self.purchase_orders = PurchaseOrdersApi(self.connection)
        self.edi_partners = EdiPartnersApi(self.connection)
        self.customers = CustomersApi(self.connection)
        self.orders = OrdersApi(self.connection)
        self.users = UsersApi(self.connection)
        self.settings = SettingsApi(self.connection)
        self.labels = LabelsApi(self.connection)
        self.dashboard = DashboardApi(self.connection)
        self.audit = AuditApi(self.connection)
        self.devices = DevicesApi(self.connection)
        self.integrations = IntegrationsApi(self.connection)
        self.reports = ReportsApi(self.connection)
        self.sync = SyncApi(self.connection)

    @classmethod
    def for_server(
        cls,
        server_url: str,
        *,
        keyring_backend: keyring.backend.KeyringBackend | None = None,
        on_memory_only: Callable[[str], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> ApiClient:
        """The usual construction: ``on_memory_only`` is called once with a sentence for the user
        when no keyring can remember the session."""
        vault = RefreshTokenVault(server_url, backend=keyring_backend, on_memory_only=on_memory_only)
        return cls(server_url, tokens=TokenStore(vault), transport=transport)

    def close(self) -> None:
        self.connection.close()
