"""What partners send us. The `edi.poll` job fetches each waiting file and stores it in the inbox
(source `edi`, keyed by partner and the file's SHA-256, so a file fetched twice is stored once);
only after that commit is the file taken off the partner's side. The inbox handler then reads the
interchange and, in one transaction:

- refuses a file it cannot read, or one not from this partner to us: the message is kept as failed
  with the reason; when the ISA can be read and is this partner's, a TA1 R answers it (IEA01
  wrong: 021, IEA02 not ISA13: 001, cut: 023);
- answers an interchange whose ISA13 it has seen from this partner before as a duplicate: the 997
  sent the first time is sent again with a TA1 R 025; nothing is applied twice;
- otherwise notes the ISA13, makes the 997s that answer its groups (when the partner exchanges
  997s; a 997 itself is not acknowledged) and a TA1 A when ISA14 asks for one, applies every
  set that was accepted, and marks each of our interchanges a TA1 in it acknowledges."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from fllc_server.integrations.edi import x12
from fllc_server.integrations.edi.documents import DocumentApplier
from fllc_server.integrations.edi.outbound import SEND_KIND, new_interchange
from fllc_server.integrations.edi.partners import settings_of
from fllc_server.integrations.edi.repository import EdiRepository
from fllc_server.integrations.edi.schemas import EdiStatus
from fllc_server.integrations.edi.transport import transport_for
from fllc_server.integrations.inbox.service import Handler, HandlerContext, Outcome, receive
from fllc_server.jobs.service import JobService
from fllc_server.kit.errors import AppError
from fllc_server.observability.logging import get_logger

if TYPE_CHECKING:
    from fllc_server.state import AppState

SOURCE = "edi"
log = get_logger("fllc.edi")


class FileRefused(AppError):  # noqa: N818 — named for the answer
    status_code = 422
    code = "edi_file_refused"


def external_id(partner_id: int, data: bytes) -> str:
    return f"{partner_id}:{hashlib.sha256(data).hexdigest()}"


async def poll_partner(state: AppState, partner_id: int) -> int:
    """Fetch the partner's waiting files into the inbox; how many were stored (new or not)."""
    async with state.db.transaction() as session:
        partner = await EdiRepository(session).partner(partner_id)
        if partner is None or not partner.enabled:
            return 0
        transport = transport_for(partner.id, settings_of(partner), state.outside)
    stored = 0
    for name in await transport.listing():
        data = await transport.fetch(name)
        async with state.db.transaction() as session:
            await receive(
                session,
                state,
                source=SOURCE,
                external_id=external_id(partner_id, data),
                kind="x12",
                payload={"partner_id": partner_id, "filename": name, "data": data.decode("latin-1")},
            )
        await transport.remove(name)  # the inbox holds it now: a crash before this fetches it again
        stored += 1
    return stored


def _same(a: str, b: str) -> bool:
    return a.strip() == b.strip()


def _check_parties(header: Any, partner: Any, filename: str) -> None:
    sender_ok = _same(header.sender_qualifier, partner.their_qualifier) and _same(
        header.sender_id, partner.their_id
    )
    receiver_ok = _same(header.receiver_qualifier, partner.our_qualifier) and _same(
        header.receiver_id, partner.our_id
    )
    if not (sender_ok and receiver_ok):
        raise FileRefused(
            f"{filename}: the interchange is from {header.sender_qualifier}/{header.sender_id.strip()} "
            f"to {header.receiver_qualifier}/{header.receiver_id.strip()}, not from this partner to us"
        )


async def handle(context: HandlerContext) -> Outcome:
    payload = context.message.payload
    filename = str(payload.get("filename", "?"))
    repo = EdiRepository(context.session)
    partner = await repo.partner(int(payload["partner_id"]))
    if partner is None:
        raise FileRefused(f"{filename}: the partner it came from is gone")
    data = str(payload["data"]).encode("latin-1")
    try:
        outcome = x12.read_interchange(data)
    except x12.X12Error as exc:
        return await _refuse_envelope(context, partner, data, filename, exc)
    header = outcome.header
    _check_parties(header, partner, filename)
    set_ids = ",".join(dict.fromkeys(s.set_id for g in outcome.groups for s in g.sets))[:64]
    fresh = await repo.record_inbound(
        partner.id,
        header.control_number,
        filename=filename[:255],
        inbox_id=context.message.id,
        set_ids=set_ids,
    )
    first = await repo.seen_inbound(partner.id, header.control_number)
    assert first is not None
    if not fresh:
        # The envelope is refused as a duplicate (TA1 R 025); the first answer is sent again.
        await new_interchange(
            context.session, context.state, partner, [], [_ta1(header, x12.Ta1Note.DUPLICATE_CONTROL_NUMBER)]
        )
        if first.answer_id is not None:
            await JobService(context.session, context.state).submit(
                SEND_KIND, {"interchange_id": first.answer_id, "again": True}, None
            )
        return Outcome(
            "handled",
            f"duplicate: interchange {header.control_number} was received before "
            f"(inbox message {first.inbox_id}); answered again, not applied twice",
        )
    acks = x12.acknowledge(outcome) if "997" in (partner.sets or []) else []
    # A TA1 when the sender asked for one (ISA14 = 1); an interchange of TA1s only is not answered.
    ta1s = [_ta1(header)] if header.ack_requested and outcome.groups else []
    if acks or ta1s:
        answer = await new_interchange(context.session, context.state, partner, acks, ta1s)
        first.answer_id = answer.id
    applier = DocumentApplier(repo, partner)
    done = [
        await applier.apply(s.document)
        for group in outcome.groups
        for s in group.sets
        if s.document is not None and not s.errors
    ]
    refused = sum(1 for group in outcome.groups for s in group.sets if s.errors) + sum(
        1 for group in outcome.groups if group.errors
    )
    done += [await _apply_ta1(repo, partner, ack) for ack in outcome.acks]
    summary = "; ".join(done)
    if refused:
        summary = f"{summary}; {refused} set(s) or group(s) rejected (see the 997)".lstrip("; ")
    return Outcome("handled", summary or None)


def _ta1(header: x12.InterchangeHeader, note: x12.Ta1Note = x12.Ta1Note.NO_ERROR) -> x12.InterchangeAck:
    status = x12.Ta1Status.ACCEPTED if note is x12.Ta1Note.NO_ERROR else x12.Ta1Status.REJECTED
    return x12.InterchangeAck(header.control_number, header.date, header.time, status, note)


async def _refuse_envelope(
    context: HandlerContext, partner: Any, data: bytes, filename: str, error: x12.X12Error
) -> Outcome:
    """A file that cannot be read is kept as failed with the reason; when its ISA can be read and
    is from this partner to us, a TA1 rejecting the interchange is sent back (kept with it)."""
    reason = f"{filename} cannot be read: {error}"
    try:
        header = x12.read_header(data)
        _check_parties(header, partner, filename)
    except (x12.X12Error, FileRefused):
        raise FileRefused(reason) from None
    note = (
        x12.envelope_note(error) if isinstance(error, x12.InterchangeError) else x12.Ta1Note.CONTENT_INVALID
    )
    await new_interchange(context.session, context.state, partner, [], [_ta1(header, note)])
    return Outcome("failed", f"{reason} (answered with TA1 R {note.value})")


async def _apply_ta1(repo: EdiRepository, partner: Any, ack: x12.InterchangeAck) -> str:
    """A partner's TA1 about one of our interchanges: accepted or rejected at the envelope level;
    a rejection also rejects the orders whose 850 it carried, with the reason."""
    sent = await repo.sent_interchange(partner.id, ack.control_number)
    if sent is None:
        raise FileRefused(f"TA1 acknowledges interchange {ack.control_number}, which we never sent")
    note = f"TA1 {ack.status.value} {ack.note.value} {ack.note.name.lower().replace('_', ' ')}"
    sent.status = "rejected" if ack.status is x12.Ta1Status.REJECTED else "accepted"
    sent.error = note if ack.status is not x12.Ta1Status.ACCEPTED else None
    if ack.status is x12.Ta1Status.REJECTED:
        for edi in await repo.edi_orders_of_interchange(sent.id):
            edi.status = EdiStatus.REJECTED.value
            edi.ack_reasons = [*edi.ack_reasons, f"interchange {ack.control_number}: {note}"]
    return f"TA1 for our interchange {ack.control_number}: {ack.status.value} {ack.note.value}"


def inbox_handlers() -> dict[str, Handler]:
    """EDI's inbox handler, by source, for the composition root."""
    return {SOURCE: handle}
