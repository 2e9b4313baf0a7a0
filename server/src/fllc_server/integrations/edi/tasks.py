"""EDI's background work: `edi.send` puts one stored interchange on its partner's side (the same
bytes however often it is retried), `edi.poll` fetches partners' files into the inbox (every minute,
and on an admin's request)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.infra.outside import PartnerUnavailable
from fllc_server.integrations.edi.documents import advance
from fllc_server.integrations.edi.inbound import poll_partner
from fllc_server.integrations.edi.outbound import SEND_KIND
from fllc_server.integrations.edi.partners import settings_of
from fllc_server.integrations.edi.repository import EdiRepository
from fllc_server.integrations.edi.schemas import EdiStatus
from fllc_server.integrations.edi.transport import transport_for
from fllc_server.jobs.kinds import JobFailed, JobKind, JobKinds, TryAgainLater
from fllc_server.jobs.service import JobService
from fllc_server.kit.errors import NotFound
from fllc_server.models import utcnow

if TYPE_CHECKING:
    from fllc_server.jobs.runner import JobContext
    from fllc_server.state import AppState

POLL_KIND = "edi.poll"


async def send_interchange(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    state = context.state
    async with state.db.transaction() as session:
        repo = EdiRepository(session)
        row = await repo.interchange(int(params["interchange_id"]))
        if row is None or row.data is None:
            raise JobFailed(f"No interchange {params['interchange_id']} to send")
        if row.status != "pending" and not params.get("again"):  # sent (or answered by a TA1)
            return {"filename": row.filename, "already_sent": True}
        partner = await repo.partner(row.partner_id)
        assert partner is not None
        transport = transport_for(partner.id, settings_of(partner), state.outside)
        filename, data = row.filename, row.data
    try:
        await transport.put(filename, data)
    except PartnerUnavailable as exc:
        raise TryAgainLater(exc.message) from exc
    async with state.db.transaction() as session:
        repo = EdiRepository(session)
        row = await repo.interchange(int(params["interchange_id"]), lock=True)
        assert row is not None
        if row.status == "pending":
            row.status, row.error = "sent", None
        row.sent_at = utcnow()
        for edi in await repo.edi_orders_of_interchange(row.id):
            edi.sent_at = edi.sent_at or row.sent_at
            advance(edi, EdiStatus.SENT)
    return {"filename": filename, "bytes": len(data)}


async def poll(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    state = context.state
    if params.get("partner_id") is not None:
        ids = [int(params["partner_id"])]
    else:
        async with state.db.transaction() as session:
            ids = await EdiRepository(session).enabled_partner_ids()
    fetched: dict[str, int] = {}
    trouble: list[str] = []
    for partner_id in ids:
        try:
            fetched[str(partner_id)] = await poll_partner(state, partner_id)
        except PartnerUnavailable as exc:  # one partner away does not stop the others
            trouble.append(exc.message)
    if trouble and len(ids) == 1:
        raise TryAgainLater(trouble[0])
    return {"fetched": fetched, "unavailable": trouble}


async def request_poll(session: AsyncSession, state: AppState, partner_id: int, actor_id: int) -> int:
    if await EdiRepository(session).partner(partner_id) is None:
        raise NotFound(f"No EDI partner with id {partner_id}", code="edi_partner_not_found")
    job = await JobService(session, state).submit(POLL_KIND, {"partner_id": partner_id}, actor_id)
    return job.id


def register(kinds: JobKinds) -> None:
    kinds.add(JobKind(SEND_KIND, send_interchange, title="Sending an EDI file", max_attempts=8))
    kinds.add(JobKind(POLL_KIND, poll, title="Fetching EDI files", max_attempts=3))
    kinds.every(POLL_KIND, dt.timedelta(minutes=1))
