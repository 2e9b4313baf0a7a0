"""The transaction sets this codec knows, by ST01."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fllc_server.integrations.edi.x12.common import Row
from fllc_server.integrations.edi.x12.elements import SetCursor
from fllc_server.integrations.edi.x12.sets import ack855, asn856, fa997, invoice810, po850

Document = (
    po850.PurchaseOrder
    | ack855.PurchaseOrderAck
    | asn856.ShipNotice
    | invoice810.Invoice
    | fa997.FunctionalAck
)


@dataclass(frozen=True)
class SetCodec:
    set_id: str
    functional_id: str
    model: type[Any]
    read: Callable[[SetCursor], Document]
    write: Callable[[Any], list[Row]]
    tolerated: frozenset[str]
    mapped: frozenset[str]


SETS: dict[str, SetCodec] = {
    module_model.set_id: SetCodec(
        module_model.set_id,
        module_model.functional_id,
        module_model,
        module.read,
        module.write,
        module.TOLERATED,
        module.MAPPED,
    )
    for module, module_model in (
        (po850, po850.PurchaseOrder),
        (ack855, ack855.PurchaseOrderAck),
        (asn856, asn856.ShipNotice),
        (invoice810, invoice810.Invoice),
        (fa997, fa997.FunctionalAck),
    )
}


def codec_for(document: Document) -> SetCodec:
    return SETS[document.set_id]
