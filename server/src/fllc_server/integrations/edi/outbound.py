"""What we send: interchanges made in the caller's transaction with the partner's next control
numbers (never reused), kept with their bytes, and sent by the `edi.send` job after the commit —
a retried send puts the very same file. Submitting a purchase order to an EDI supplier makes its 850."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.integrations.edi import x12
from fllc_server.integrations.edi.partners import settings_of
from fllc_server.integrations.edi.repository import EdiRepository
from fllc_server.jobs.service import JobService
from fllc_server.models import EdiInterchange, EdiOrder, EdiPartner, PurchaseOrder, utcnow

if TYPE_CHECKING:
    from fllc_server.state import AppState

SEND_KIND = "edi.send"
BUYER_NAME = "FLLC Warehouse"


def filename_of(partner: EdiPartner, control_number: int, set_ids: str) -> str:
    return f"{partner.our_id.strip()}-{control_number:09d}-{set_ids.replace(',', '_')}.x12".replace(" ", "_")


async def new_interchange(
    session: AsyncSession,
    state: AppState,
    partner: EdiPartner,
    documents: Sequence[x12.Document],
    acks: Sequence[x12.InterchangeAck] = (),
) -> EdiInterchange:
    """One interchange to `partner` with its TA1s (`acks`) and a group per functional id; ISA13
    and each GS06 take the partner's next control numbers. Stored, and sent after the commit."""
    repo = EdiRepository(session)
    by_group: dict[str, list[x12.Document]] = {}
    for document in documents:
        by_group.setdefault(document.functional_id, []).append(document)
    numbers = [await repo.next_control_number(partner.id) for _ in by_group or [None]]
    settings = settings_of(partner)
    now = utcnow().replace(microsecond=0)
    version = x12.Version(partner.version)
    groups = tuple(
        x12.FunctionalGroup(
            functional_id=functional_id,
            sender_id=partner.our_gs_id,
            receiver_id=partner.their_gs_id,
            date=now.date(),
            time=now.time(),
            control_number=number,
            version=version.group_version,
            sets=tuple(x12.TransactionSet(f"{n:04d}", doc) for n, doc in enumerate(docs, start=1)),
        )
        for (functional_id, docs), number in zip(by_group.items(), numbers[: len(by_group)], strict=True)
    )
    interchange = x12.Interchange(
        sender_qualifier=partner.our_qualifier,
        sender_id=partner.our_id,
        receiver_qualifier=partner.their_qualifier,
        receiver_id=partner.their_id,
        date=now.date(),
        time=now.time(),
        control_number=numbers[0],
        version=version,
        usage=x12.Usage(partner.usage),
        groups=groups,
        acks=tuple(acks),
    )
    data = x12.encode(interchange, settings.delimiters(), line_ending="\n")
    set_ids = ",".join(dict.fromkeys([*(["TA1"] if acks else []), *(doc.set_id for doc in documents)]))
    row = EdiInterchange(
        partner_id=partner.id,
        direction="out",
        control_number=numbers[0],
        set_ids=set_ids,
        filename=filename_of(partner, numbers[0], set_ids),
        data=data,
        status="pending",
    )
    await repo.add(row)
    await JobService(session, state).submit(SEND_KIND, {"interchange_id": row.id}, None)
    return row


def purchase_order_document(
    order: PurchaseOrder, lines: Sequence[tuple[int, str, Decimal]]
) -> x12.PurchaseOrder:
    """The 850: PO101 is the line's position (1, 2, ...), BP our SKU; lines are (quantity, sku, cost)."""
    submitted = (order.submitted_at or utcnow()).date()
    return x12.PurchaseOrder(
        number=order.number,
        date=submitted,
        currency="USD",
        requested_delivery=order.expected_at,
        parties=(x12.Party(role="BY", name=BUYER_NAME),),
        lines=tuple(
            x12.Item(
                line_id=str(position),
                quantity=Decimal(quantity),
                unit="EA",
                unit_price=cost,
                buyer_part=sku,
            )
            for position, (quantity, sku, cost) in enumerate(lines, start=1)
        ),
    )


async def order_submitted(session: AsyncSession, state: AppState, order: PurchaseOrder) -> None:
    """A submitted order of an EDI supplier (850 among its sets, partner enabled) gets its 850,
    sent after the commit; other suppliers' orders are left alone."""
    repo = EdiRepository(session)
    partner = await repo.partner_of_supplier(order.supplier_id)
    if partner is None or not partner.enabled or "850" not in (partner.sets or []):
        return
    lines = [(line.ordered_quantity, sku, line.unit_cost) for line, sku in await repo.lines(order.id)]
    interchange = await new_interchange(session, state, partner, [purchase_order_document(order, lines)])
    await repo.add(
        EdiOrder(
            purchase_order_id=order.id,
            partner_id=partner.id,
            status="queued",
            interchange_id=interchange.id,
            group_control_number=interchange.control_number,
            ack_reasons=[],
            changes=[],
        )
    )
