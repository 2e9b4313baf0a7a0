"""Trading partners: one per supplier, set up by an admin (system.configure), every change audited.
The SFTP private key is write-only: it goes in, and only whether one is set comes out."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.integrations.edi.repository import EdiRepository
from fllc_server.integrations.edi.schemas import (
    PartnerCreate,
    PartnerOut,
    PartnerSettings,
    PartnerUpdate,
    TransportKind,
)
from fllc_server.kit.errors import Conflict, NotFound, ValidationFailed
from fllc_server.models import EdiPartner, utcnow

SETTINGS = tuple(PartnerSettings.model_fields)


def render(partner: EdiPartner) -> PartnerOut:
    values = {name: getattr(partner, name) for name in PartnerOut.model_fields if hasattr(partner, name)}
    values["version"] = "005010" if partner.version == "00501" else "004010"
    values["usage"] = "test" if partner.usage == "T" else "production"
    return PartnerOut.model_validate({**values, "sftp_key_set": bool(partner.sftp_private_key)})


def settings_of(partner: EdiPartner) -> PartnerSettings:
    """The row as its settings (what a transport and the envelopes are made from)."""
    out = render(partner)
    values = {name: getattr(out, name) for name in SETTINGS if name != "sftp_private_key"}
    values["transport"] = TransportKind(out.transport)
    return PartnerSettings.model_construct(**values, sftp_private_key=partner.sftp_private_key)


def _store(partner: EdiPartner, settings: PartnerSettings) -> None:
    for name in SETTINGS:
        setattr(partner, name, getattr(settings, name))
    partner.version = "00501" if settings.version == "005010" else "00401"
    partner.usage = "T" if settings.usage == "test" else "P"
    partner.transport = settings.transport.value
    partner.sets = list(settings.sets)


def _checked(values: dict[str, Any]) -> PartnerSettings:
    """The merged settings checked as a whole: a bad combination is a 400 like a bad field."""
    try:
        return PartnerSettings.model_validate(values)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]) or None, "message": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False)
        ]
        raise ValidationFailed("The partner's settings do not fit together", details=details) from None


class PartnerService:
    def __init__(self, session: AsyncSession, *, actor_id: int | None) -> None:
        self.session = session
        self.actor_id = actor_id
        self.repo = EdiRepository(session)

    async def list(self, supplier_id: int | None) -> list[PartnerOut]:
        return [render(p) for p in await self.repo.partners(supplier_id)]

    async def get(self, partner_id: int) -> PartnerOut:
        return render(await self.require(partner_id))

    async def require(self, partner_id: int) -> EdiPartner:
        partner = await self.repo.partner(partner_id)
        if partner is None:
            raise NotFound(f"No EDI partner with id {partner_id}", code="edi_partner_not_found")
        return partner

    async def create(self, body: PartnerCreate) -> PartnerOut:
        if not await self.repo.supplier_exists(body.supplier_id):
            raise NotFound(f"No supplier with id {body.supplier_id}", code="supplier_not_found")
        if await self.repo.partner_of_supplier(body.supplier_id) is not None:
            raise Conflict("This supplier has an EDI partner already", code="edi_partner_exists")
        partner = EdiPartner(supplier_id=body.supplier_id, last_control_number=0)
        _store(partner, body)
        try:
            async with self.session.begin_nested():
                await self.repo.add(partner)
        except IntegrityError:  # a concurrent create for the same supplier won
            raise Conflict("This supplier has an EDI partner already", code="edi_partner_exists") from None
        out = render(partner)
        await self._audit("edi_partner.create", partner.id, None, out)
        return out

    async def update(self, partner_id: int, body: PartnerUpdate) -> PartnerOut:
        partner = await self.require(partner_id)
        before = render(partner)
        current = settings_of(partner).model_dump()
        changes = body.model_dump(exclude_unset=True)
        merged = _checked({**current, **changes})
        _store(partner, merged)
        partner.updated_at = utcnow()
        await self.session.flush()
        after = render(partner)
        await self._audit("edi_partner.update", partner.id, before, after)
        return after

    async def _audit(
        self, action: str, partner_id: int, before: PartnerOut | None, after: PartnerOut
    ) -> None:
        await audit.record(
            self.session,
            actor_id=self.actor_id,
            action=action,
            entity_type="edi_partner",
            entity_id=partner_id,
            before=before.model_dump(mode="json") if before else None,
            after=after.model_dump(mode="json"),
        )
