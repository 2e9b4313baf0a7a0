"""Signed webhooks: the raw body is read once and the provider's signature checked before anything
is parsed or stored. A wrong, missing or expired signature — or no secret configured (fail
closed) — is 401, counted in /metrics (`fllc_webhooks_rejected_total`), and nothing is applied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pydantic_core
from fastapi import Request
from fastapi.openapi.models import APIKey as APIKeyModel
from fastapi.openapi.models import APIKeyIn

from fllc_server.auth.api_keys import IntegrationAuth
from fllc_server.integrations.providers.base import Provider
from fllc_server.integrations.providers.service import ProviderConfig, config_of
from fllc_server.kit.errors import BadRequest, Unauthorized

if TYPE_CHECKING:
    from fllc_server.state import AppState


class SignatureRejected(Unauthorized):
    """Raised by a provider's `verify`: `reason` labels the metric (missing | invalid | expired | ...)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message, code="invalid_signature", headers={})
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Delivery:
    """A verified delivery: the provider, its headers and raw body."""

    provider: Provider
    headers: dict[str, str]
    raw: bytes
    config: ProviderConfig

    def json(self) -> Any:
        try:
            return pydantic_core.from_json(self.raw)
        except ValueError as exc:
            raise BadRequest("The body is not valid JSON", code="validation_error") from exc


class SignedWebhook(IntegrationAuth):
    """Dependency: a delivery to `/api/v1/integrations/{kind}/{provider}/webhook` that the
    provider's own signature proves."""

    model = APIKeyModel(
        **{"in": APIKeyIn.header},
        name="X-Signature",
        description="The provider's signature of the raw body (e.g. X-Shopify-Hmac-Sha256, Stripe-Signature)",
    )
    scheme_name = "WebhookSignature"

    def __init__(self, kind: str) -> None:
        self.kind = kind

    async def __call__(self, request: Request) -> Delivery:
        name = str(request.path_params.get("provider", ""))
        state = request.app.state.fllc
        found = state.providers.get(name)
        if found is None or found.kind != self.kind or not found.signed:  # nothing to verify with
            state.metrics.webhook_rejected("unknown", "unknown_provider")
            raise SignatureRejected(f"No signed {self.kind} webhook named {name!r}", "unknown_provider")
        raw = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        return await verify_delivery(state, found, headers, raw)


async def verify_delivery(state: AppState, found: Provider, headers: dict[str, str], raw: bytes) -> Delivery:
    """The provider's own check of a delivery (headers in lower case): its switch, then its
    signature; a refusal is counted and raised (SignatureRejected, 401)."""
    async with state.db.sessions() as session:
        config = await config_of(session, found.name)
    try:
        if not config.enabled:
            raise SignatureRejected(f"{found.title} is not enabled here", "disabled")
        verify = getattr(found, "verify", None)
        if verify is None:  # pragma: no cover - every signed provider verifies
            raise SignatureRejected("The provider cannot verify deliveries", "unverifiable")
        verify(headers, raw, config)
    except SignatureRejected as exc:
        state.metrics.webhook_rejected(found.name, exc.reason)
        raise
    return Delivery(provider=found, headers=headers, raw=raw, config=config)
