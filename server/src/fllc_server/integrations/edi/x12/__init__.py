"""A small X12 codec for the supply-chain transaction sets: 850, 855, 856, 810 and 997, and TA1
interchange acknowledgements.

Versions 004010 and 005010. Database- and Qt-free: it imports nothing from the rest of the
server (an import-linter contract / test keeps it so).

    data = encode(interchange)            # bytes, envelopes and counts produced
    interchange = decode(data)            # typed documents, or the first X12Error
    outcome = read_interchange(data)      # every group/set with its document or errors
    acks = acknowledge(outcome)           # the 997s that answer it
"""

from __future__ import annotations

import datetime as dt

from fllc_server.integrations.edi.x12.acknowledge import acknowledge, acknowledge_group
from fllc_server.integrations.edi.x12.common import Item, Party
from fllc_server.integrations.edi.x12.envelope import (
    FunctionalGroup,
    Interchange,
    InterchangeAck,
    Ta1Note,
    Ta1Status,
    TransactionSet,
    Usage,
    Version,
)
from fllc_server.integrations.edi.x12.errors import (
    DelimiterError,
    ElementCode,
    ElementError,
    EncodeError,
    GroupCode,
    GroupError,
    InterchangeError,
    SegmentCode,
    SegmentError,
    SetCode,
    TransactionSetError,
    X12Error,
)
from fllc_server.integrations.edi.x12.reader import (
    InterchangeHeader,
    InterchangeOutcome,
    envelope_note,
    read_header,
    read_interchange,
)
from fllc_server.integrations.edi.x12.registry import Document
from fllc_server.integrations.edi.x12.sets.ack855 import (
    AckLine,
    AckType,
    LineAck,
    LineStatus,
    PurchaseOrderAck,
)
from fllc_server.integrations.edi.x12.sets.asn856 import Pack, PackItem, ShipmentOrder, ShipNotice
from fllc_server.integrations.edi.x12.sets.fa997 import (
    AckStatus,
    ElementNote,
    FunctionalAck,
    SegmentNote,
    SetAck,
)
from fllc_server.integrations.edi.x12.sets.invoice810 import Invoice
from fllc_server.integrations.edi.x12.sets.po850 import PurchaseOrder
from fllc_server.integrations.edi.x12.syntax import Delimiters
from fllc_server.integrations.edi.x12.writer import encode


def decode(data: bytes) -> Interchange:
    """The interchange with its typed documents; the first error found is raised."""
    outcome = read_interchange(data)
    error = outcome.first_error()
    if error is not None:
        raise error
    header = outcome.header
    groups = tuple(
        FunctionalGroup(
            functional_id=group.functional_id,
            sender_id=group.header.elements[1],
            receiver_id=group.header.elements[2],
            date=_group_date(group.header.elements[3]),
            time=_group_time(group.header.elements[4]),
            control_number=group.control_number or 0,
            version=group.version,
            sets=tuple(
                TransactionSet(s.control_number, s.document) for s in group.sets if s.document is not None
            ),
        )
        for group in outcome.groups
    )
    return Interchange(
        sender_qualifier=header.sender_qualifier,
        sender_id=header.sender_id,
        receiver_qualifier=header.receiver_qualifier,
        receiver_id=header.receiver_id,
        date=header.date,
        time=header.time,
        control_number=header.control_number,
        version=header.version,
        usage=header.usage,
        ack_requested=header.ack_requested,
        groups=groups,
        acks=tuple(outcome.acks),
    )


def _group_date(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def _group_time(text: str) -> dt.time:
    return dt.time(int(text[:2]), int(text[2:4]), int(text[4:6] or 0))


__all__ = [
    "AckLine",
    "AckStatus",
    "AckType",
    "DelimiterError",
    "Delimiters",
    "Document",
    "ElementCode",
    "ElementError",
    "ElementNote",
    "EncodeError",
    "FunctionalAck",
    "FunctionalGroup",
    "GroupCode",
    "GroupError",
    "Interchange",
    "InterchangeAck",
    "InterchangeError",
    "InterchangeHeader",
    "InterchangeOutcome",
    "Invoice",
    "Item",
    "LineAck",
    "LineStatus",
    "Pack",
    "PackItem",
    "Party",
    "PurchaseOrder",
    "PurchaseOrderAck",
    "SegmentCode",
    "SegmentError",
    "SegmentNote",
    "SetAck",
    "SetCode",
    "ShipNotice",
    "ShipmentOrder",
    "Ta1Note",
    "Ta1Status",
    "TransactionSet",
    "TransactionSetError",
    "Usage",
    "Version",
    "X12Error",
    "acknowledge",
    "acknowledge_group",
    "decode",
    "encode",
    "envelope_note",
    "read_header",
    "read_interchange",
]
