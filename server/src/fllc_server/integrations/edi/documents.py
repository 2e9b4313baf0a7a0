"""What each inbound document does to our purchase orders, in the inbox handler's transaction:

- 997: the 850's group accepted (acknowledged) or rejected, with the reasons kept on the order;
- 855: line by line accepted / rejected / back-ordered / changed; changes are kept beside the order
  (`changes`, pending) and applied only when a manager confirms them (orders.EdiOrderService.decide);
- 856: each carton (SSCC-18) with its contents per order line: the expected receipt;
- 810: the invoice kept for the three-way match (matching.match, computed when read).

An order the document names that is not ours (unknown number, another supplier's) is an error: the
message is kept as failed with the reason, nothing of it applied."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fllc_server.integrations.edi import x12
from fllc_server.integrations.edi.matching import OrderLine, find_line
from fllc_server.integrations.edi.repository import EdiRepository
from fllc_server.integrations.edi.schemas import EdiStatus
from fllc_server.kit.changes import record_change
from fllc_server.kit.errors import AppError
from fllc_server.models import EdiCarton, EdiOrder, EdiPartner, PurchaseOrder, utcnow

# A status only moves forward (a late 997 does not undo an ASN).
RANK = {
    EdiStatus.QUEUED: 0,
    EdiStatus.SENT: 1,
    EdiStatus.ACKNOWLEDGED: 2,
    EdiStatus.REJECTED: 2,
    EdiStatus.ACKNOWLEDGED_WITH_CHANGES: 3,
    EdiStatus.ASN_RECEIVED: 4,
    EdiStatus.INVOICED: 5,
}
LINE_STATUS = {
    x12.LineStatus.ACCEPTED: "accepted",
    x12.LineStatus.REJECTED: "rejected",
    x12.LineStatus.BACKORDERED: "backordered",
    x12.LineStatus.QUANTITY_CHANGED: "quantity_changed",
    x12.LineStatus.PRICE_CHANGED: "price_changed",
    x12.LineStatus.DATE_RESCHEDULED: "date_changed",
    x12.LineStatus.CHANGES_MADE: "changed",
}


class DocumentRefused(AppError):  # noqa: N818 — named for the answer
    status_code = 422
    code = "edi_document_refused"


def advance(edi: EdiOrder, status: EdiStatus) -> None:
    if RANK[status] >= RANK[EdiStatus(edi.status)]:
        edi.status = status.value


def _code_text(code: Any) -> str:
    return f"{code.value} {code.name.lower().replace('_', ' ')}"


def reasons_of(ack: x12.FunctionalAck) -> list[str]:
    reasons = [f"group: {_code_text(code)}" for code in ack.codes]
    for set_ack in ack.sets:
        where = f"set {set_ack.set_id} {set_ack.control_number}"
        reasons += [f"{where}: {_code_text(code)}" for code in set_ack.codes]
        for note in set_ack.segments:
            text = f"{where}: segment {note.segment_id} at {note.position}"
            if note.code is not None:
                text += f": {_code_text(note.code)}"
            for element in note.elements:
                value = f" ({element.bad_value!r})" if element.bad_value else ""
                text += f"; element {element.position}: {_code_text(element.code)}{value}"
            reasons.append(text)
    return reasons


class DocumentApplier:
    def __init__(self, repo: EdiRepository, partner: EdiPartner) -> None:
        self.repo = repo
        self.partner = partner
        self.touched: set[int] = set()

    async def apply(self, document: x12.Document) -> str:
        """What was done, in a few words (kept on the inbox message); each order it touched is
        announced (po.changed), so desktops pull its new EDI state and cartons."""
        done = await self._apply(document)
        for order_id in sorted(self.touched):
            await record_change(
                self.repo.session,
                entity_type="purchase_order",
                entity_id=order_id,
                event_type="po.changed",
                data={"edi": True},
            )
        self.touched.clear()
        return done

    async def _apply(self, document: x12.Document) -> str:
        if isinstance(document, x12.FunctionalAck):
            return await self.functional_ack(document)
        if isinstance(document, x12.PurchaseOrderAck):
            return await self.order_ack(document)
        if isinstance(document, x12.ShipNotice):
            return await self.ship_notice(document)
        if isinstance(document, x12.Invoice):
            return await self.invoice(document)
        raise DocumentRefused(f"A {document.set_id} is not something a supplier sends us")

    async def _order(self, number: str, set_id: str) -> tuple[PurchaseOrder, EdiOrder, list[OrderLine]]:
        order = await self.repo.purchase_order_by_number(self.partner.supplier_id, number)
        edi = None if order is None else await self.repo.edi_order(order.id, lock=True)
        if order is None or edi is None:
            raise DocumentRefused(
                f"{set_id} names purchase order {number!r}, which was not sent to this supplier by EDI"
            )
        self.touched.add(order.id)
        rows = await self.repo.lines(order.id)
        lines = [
            OrderLine(n, line.id, sku, line.ordered_quantity, line.received_quantity, line.unit_cost)
            for n, (line, sku) in enumerate(rows, start=1)
        ]
        return order, edi, lines

    async def functional_ack(self, ack: x12.FunctionalAck) -> str:
        if ack.group_functional_id != "PO":
            return f"997 for our {ack.group_functional_id} group {ack.group_control_number}"
        edi = await self.repo.edi_order_by_group(self.partner.id, ack.group_control_number)
        if edi is None:
            raise DocumentRefused(f"997 acknowledges group {ack.group_control_number}, which we never sent")
        self.touched.add(edi.purchase_order_id)
        rejected = ack.status in (x12.AckStatus.REJECTED, x12.AckStatus.PARTIALLY_ACCEPTED)
        edi.ack_status = {
            x12.AckStatus.ACCEPTED: "accepted",
            x12.AckStatus.ACCEPTED_WITH_ERRORS: "accepted_with_errors",
        }.get(ack.status, "rejected")
        edi.ack_reasons = reasons_of(ack)
        edi.acknowledged_at = utcnow()
        if rejected:
            edi.status = EdiStatus.REJECTED.value
        else:
            advance(edi, EdiStatus.ACKNOWLEDGED)
        return f"997 {edi.ack_status} for group {ack.group_control_number}"

    async def order_ack(self, ack: x12.PurchaseOrderAck) -> str:
        _order, edi, lines = await self._order(ack.po_number, "855")
        edi.ack_type = ack.ack_type.value
        edi.seller_order_number = ack.seller_order_number
        if ack.ack_type in (x12.AckType.REJECTED, x12.AckType.REJECTED_WITH_DETAIL):
            edi.status = EdiStatus.REJECTED.value
            edi.ack_reasons = [*edi.ack_reasons, f"855 {ack.ack_type.value}: the supplier rejected the order"]
            return f"855 rejected {ack.po_number}"
        changes = [change for line in ack.lines if (change := self._line_change(lines, line)) is not None]
        edi.changes = changes
        if changes:
            edi.changes_status = "pending"
            advance(edi, EdiStatus.ACKNOWLEDGED_WITH_CHANGES)
        else:
            advance(edi, EdiStatus.ACKNOWLEDGED)
        return f"855 for {ack.po_number}: {len(changes)} line(s) with changes"

    @staticmethod
    def _line_change(lines: list[OrderLine], ack_line: x12.AckLine) -> dict[str, Any] | None:
        item = ack_line.item
        line = find_line(lines, item.line_id, item.buyer_part)
        if line is None:
            raise DocumentRefused(f"855 line {item.line_id or item.buyer_part!r} is not on the order")
        acks = ack_line.acks or (x12.LineAck(status=x12.LineStatus.ACCEPTED, quantity=item.quantity),)
        statuses = [LINE_STATUS[a.status] for a in acks]
        rejected = all(a.status is x12.LineStatus.REJECTED for a in acks)
        total = sum(
            (
                a.quantity if a.quantity is not None else item.quantity
                for a in acks
                if a.status is not x12.LineStatus.REJECTED
            ),
            Decimal(0),
        )
        backordered = sum(
            (a.quantity or Decimal(0) for a in acks if a.status is x12.LineStatus.BACKORDERED), Decimal(0)
        )
        quantity = 0 if rejected else int(total)
        price = item.unit_price if item.unit_price is not None else line.unit_cost
        dates = [a.date for a in acks if a.date is not None]
        if statuses == ["accepted"] and quantity == line.ordered_quantity and price == line.unit_cost:
            return None
        return {
            "line_id": line.line_id,
            "sku": line.sku,
            "statuses": statuses,
            "ordered_quantity": line.ordered_quantity,
            "quantity": quantity,
            "backordered_quantity": int(backordered),
            "ordered_unit_cost": str(line.unit_cost),
            "unit_cost": str(price),
            "date": max(dates).isoformat() if dates else None,
        }

    async def ship_notice(self, notice: x12.ShipNotice) -> str:
        cartons = 0
        for shipment in notice.orders:
            order, edi, lines = await self._order(shipment.po_number, "856")
            for pack in shipment.packs:
                contents = [self._content(lines, item) for item in pack.items]
                if await self.repo.carton(order.id, pack.sscc) is None:
                    await self.repo.add(
                        EdiCarton(
                            purchase_order_id=order.id,
                            shipment_id=notice.shipment_id,
                            sscc=pack.sscc,
                            contents=contents,
                        )
                    )
                    cartons += 1
            edi.asn_received_at = utcnow()
            if notice.estimated_delivery is not None:
                order.expected_at = notice.estimated_delivery
            advance(edi, EdiStatus.ASN_RECEIVED)
        return f"856 {notice.shipment_id}: {cartons} carton(s)"

    @staticmethod
    def _content(lines: list[OrderLine], item: x12.PackItem) -> dict[str, Any]:
        line = find_line(lines, item.line_id, item.buyer_part)
        if line is None:
            raise DocumentRefused(f"856 item {item.line_id or item.buyer_part!r} is not on the order")
        if item.quantity != item.quantity.to_integral_value() or item.quantity <= 0:
            raise DocumentRefused(f"856 item {line.sku}: quantity {item.quantity} is not a whole number")
        return {"line_id": line.line_id, "sku": line.sku, "quantity": int(item.quantity)}

    async def invoice(self, invoice: x12.Invoice) -> str:
        if invoice.po_number is None:
            raise DocumentRefused(f"810 {invoice.number} names no purchase order (BIG04)")
        _order, edi, _lines = await self._order(invoice.po_number, "810")
        edi.invoice = {
            "number": invoice.number,
            "date": invoice.date.isoformat(),
            "total": str(invoice.total),
            "lines": [
                {
                    "line_id": item.line_id,
                    "buyer_part": item.buyer_part,
                    "vendor_part": item.vendor_part,
                    "quantity": str(item.quantity),
                    "unit": item.unit,
                    "unit_price": None if item.unit_price is None else str(item.unit_price),
                }
                for item in invoice.lines
            ],
        }
        edi.invoiced_at = utcnow()
        advance(edi, EdiStatus.INVOICED)
        return f"810 {invoice.number} for {invoice.po_number}"
