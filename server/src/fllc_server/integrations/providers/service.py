"""A provider's switch and secrets: read by webhook routes, written by admins (audited without
the values). Secrets are never returned by any route."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.integrations.providers.base import Provider, Providers
from fllc_server.integrations.providers.schemas import ProviderOut, ProviderUpdate
from fllc_server.kit.errors import BadRequest, NotFound
from fllc_server.models import IntegrationProvider, utcnow


def webhook_path(p: Provider) -> str:
    """Where its deliveries go: a signed vendor's webhook, or our own events route (API keys)."""
    return f"/api/v1/integrations/{p.kind}/{p.name}/{'webhook' if p.signed else 'events'}"


def provider_out(p: Provider, row: IntegrationProvider | None) -> ProviderOut:
    stored = dict(row.secrets or {}) if row is not None else {}
    return ProviderOut(
        name=p.name,
        kind=p.kind,
        title=p.title,
        enabled=bool(row and row.enabled),
        secret_names=list(p.secret_names),
        signed=p.signed,
        secrets_set=sorted(k for k, v in stored.items() if v),
        webhook_path=webhook_path(p),
        updated_at=row.updated_at if row is not None else None,
    )


class ProviderConfig:
    """What a webhook needs to know: is the provider on, and its secrets."""

    def __init__(self, row: IntegrationProvider | None) -> None:
        self.enabled = bool(row and row.enabled)
        self._secrets: dict[str, str] = dict(row.secrets or {}) if row is not None else {}

    def secret(self, name: str) -> str | None:
        value = self._secrets.get(name)
        return value if value else None


async def config_of(session: AsyncSession, name: str) -> ProviderConfig:
    return ProviderConfig(await session.get(IntegrationProvider, name))


class ProviderService:
    def __init__(self, session: AsyncSession, providers: Providers, *, actor_id: int) -> None:
        self.session = session
        self.providers = providers
        self.actor_id = actor_id

    async def list(self) -> list[ProviderOut]:
        return [
            provider_out(p, await self.session.get(IntegrationProvider, p.name)) for p in self.providers.all()
        ]

    async def update(self, name: str, data: ProviderUpdate) -> ProviderOut:
        found = self.providers.get(name)
        if found is None:
            raise NotFound(f"No provider named {name!r}", code="provider_not_found")
        row = await self.session.get(IntegrationProvider, name, with_for_update=True)
        if row is None:
            row = IntegrationProvider(name=name, enabled=False, secrets={})
            self.session.add(row)
        before = provider_out(found, row).model_dump(mode="json", exclude={"updated_at"})
        if data.secrets:
            unknown = sorted(set(data.secrets) - set(found.secret_names))
            if unknown:
                raise BadRequest(
                    f"{found.title} has no secret named {unknown[0]!r}",
                    code="unknown_secret",
                    details=[{"secret": n, "known": list(found.secret_names)} for n in unknown],
                )
            secrets = dict(row.secrets or {})
            for key, value in data.secrets.items():
                if value is None:
                    secrets.pop(key, None)
                else:
                    secrets[key] = value
            row.secrets = secrets
        if data.enabled is not None:
            row.enabled = data.enabled
        row.updated_by = self.actor_id
        row.updated_at = utcnow()
        await self.session.flush()
        after = provider_out(found, row)
        await audit.record(
            self.session,
            actor_id=self.actor_id,
            action="integration_provider.update",
            entity_type="integration_provider",
            entity_id=name,
            before=before,
            after=after.model_dump(mode="json", exclude={"updated_at"}),
        )
        return after
