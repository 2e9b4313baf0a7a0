"""Integrations (admins, system.configure): providers' switches and write-only secrets, service
accounts and their API keys (a key's secret is in the one answer that makes it), the inbox and
its retries, unknown SKUs and their mapping, and test events."""

from __future__ import annotations

from typing import Any

from fllc_desktop.api.connection import ServerConnection
from fllc_desktop.api.models import JsonObject, Page

BASE = "/api/v1/integrations"
SCOPES = ("pos.write", "payments.write", "orders.read")
INBOX_STATUSES = ("received", "handled", "failed", "parked", "needs_mapping")


class IntegrationsApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    # -- providers ---------------------------------------------------------------------------

    def providers(self) -> list[JsonObject]:
        return list(self._connection.call("GET", f"{BASE}/providers"))

    def update_provider(
        self, name: str, *, enabled: bool | None = None, secrets: dict[str, str | None] | None = None
    ) -> JsonObject:
        """Switch it on or off and set (a value) or clear (None) secrets; the answer names the
        secrets that are set, never their values."""
        body: dict[str, Any] = {}
        if enabled is not None:
            body["enabled"] = enabled
        if secrets:
            body["secrets"] = secrets
        return dict(self._connection.call("PATCH", f"{BASE}/providers/{name}", json=body))

    def send_test_event(self, name: str) -> JsonObject:
        """``{provider, verified, reason?, message_id?, status?}``"""
        return dict(self._connection.call("POST", f"{BASE}/providers/{name}/test-event"))

    # -- service accounts and keys -----------------------------------------------------------

    def service_accounts(self) -> Page:
        return Page.from_wire(
            self._connection.call("GET", f"{BASE}/service-accounts", params={"per_page": 200})
        )

    def create_service_account(self, name: str, integration: str, description: str = "") -> JsonObject:
        body = {"name": name, "integration": integration, "description": description}
        return dict(self._connection.call("POST", f"{BASE}/service-accounts", json=body))

    def create_key(self, account_id: int, scopes: list[str], label: str = "") -> JsonObject:
        """The new key with its secret ``key``: the only time it is shown."""
        body = {"scopes": scopes, "label": label}
        return dict(self._connection.call("POST", f"{BASE}/service-accounts/{account_id}/keys", json=body))

    def revoke_key(self, account_id: int, key_id: int) -> JsonObject:
        return dict(self._connection.call("DELETE", f"{BASE}/service-accounts/{account_id}/keys/{key_id}"))

    # -- the inbox and unknown SKUs ----------------------------------------------------------

    def inbox(self, *, status: str | None = None, page: int = 1, per_page: int = 100) -> Page:
        params = {"status": status, "page": page, "per_page": per_page}
        return Page.from_wire(self._connection.call("GET", f"{BASE}/inbox", params=params))

    def inbox_counts(self) -> dict[str, int]:
        answer = self._connection.call("GET", f"{BASE}/inbox/counts")
        return {str(k): int(v) for k, v in dict(answer.get("counts") or {}).items()}

    def retry(self, message_id: int) -> JsonObject:
        return dict(self._connection.call("POST", f"{BASE}/inbox/{message_id}/retry"))

    def unmapped_lines(self, *, per_page: int = 200) -> Page:
        params = {"status": "pending", "per_page": per_page}
        return Page.from_wire(self._connection.call("GET", f"{BASE}/unmapped-lines", params=params))

    def map_sku(self, source: str, external_sku: str, product_id: int) -> JsonObject:
        """Remember the mapping and apply the lines that waited for it: ``{..., lines_applied}``."""
        body = {"source": source, "external_sku": external_sku, "product_id": product_id}
        return dict(self._connection.call("POST", f"{BASE}/sku-mappings", json=body))
