"""997s from what was read: one per functional group received, with AK3/AK4 for each segment
and element in error, AK5 per set (A, E with notes, R with reasons) and AK9 per group."""

from __future__ import annotations

import re

from fllc_server.integrations.edi.x12.errors import (
    ElementError,
    SegmentError,
    TransactionSetError,
)
from fllc_server.integrations.edi.x12.reader import GroupOutcome, InterchangeOutcome, SetOutcome
from fllc_server.integrations.edi.x12.sets.fa997 import (
    MAX_CODES,
    AckStatus,
    ElementNote,
    FunctionalAck,
    SegmentNote,
    SetAck,
)

PLAIN = re.compile(r"[^A-Za-z0-9 .,/-]")
NOT_ID = re.compile(r"[^A-Z0-9]")


def _id(value: str | None, sizes: range, placeholder: str) -> str:
    """An inbound id as it may be repeated in our 997: what is not A-Z/0-9 cannot be echoed."""
    if value is None or NOT_ID.search(value) or len(value) not in sizes:
        return placeholder
    return value


def _segment_note(error: SegmentError) -> SegmentNote:
    elements: tuple[ElementNote, ...] = ()
    if isinstance(error, ElementError) and error.element is not None:
        copy = PLAIN.sub("", error.value or "")[:99] or None
        elements = (ElementNote(position=error.element, code=error.element_code, bad_value=copy),)
    return SegmentNote(
        segment_id=_id(error.segment, range(2, 4), "XXX"),
        position=error.position or 1,
        code=error.code,
        elements=elements,
    )


def _set_ack(outcome: SetOutcome) -> SetAck:
    segment_errors = [e for e in (*outcome.errors, *outcome.notes) if isinstance(e, SegmentError)]
    notes = tuple(_segment_note(e) for e in segment_errors)
    codes = tuple(dict.fromkeys(e.code for e in outcome.errors if isinstance(e, TransactionSetError)))
    if outcome.errors:
        status = AckStatus.REJECTED
    elif outcome.notes:
        status = AckStatus.ACCEPTED_WITH_ERRORS
    else:
        status = AckStatus.ACCEPTED
    control = _id(outcome.control_number, range(4, 10), "0000")
    set_id = _id(outcome.set_id, range(3, 4), "000")
    return SetAck(
        set_id=set_id, control_number=control, status=status, codes=codes[:MAX_CODES], segments=notes
    )


def _group_status(group: GroupOutcome, sets: tuple[SetAck, ...]) -> AckStatus:
    accepted = [ack for ack in sets if ack.status is not AckStatus.REJECTED]
    if group.errors or (sets and not accepted):
        return AckStatus.REJECTED
    if len(accepted) < len(sets):
        return AckStatus.PARTIALLY_ACCEPTED
    if any(ack.status is AckStatus.ACCEPTED_WITH_ERRORS for ack in sets):
        return AckStatus.ACCEPTED_WITH_ERRORS
    return AckStatus.ACCEPTED


def acknowledge_group(group: GroupOutcome) -> FunctionalAck | None:
    """The 997 for one group, or None when its GS06 is unreadable (nothing to refer to)."""
    if group.control_number is None or _id(group.functional_id, range(2, 3), "") == "":
        return None
    sets = tuple(_set_ack(outcome) for outcome in group.sets)
    codes = tuple(dict.fromkeys(e.code for e in group.errors))
    accepted = sum(1 for ack in sets if ack.status is not AckStatus.REJECTED)
    return FunctionalAck(
        group_functional_id=group.functional_id,
        group_control_number=group.control_number,
        status=_group_status(group, sets),
        included=group.declared_sets if group.declared_sets is not None else len(sets),
        received=len(sets),
        accepted=0 if group.errors else accepted,
        sets=sets,
        codes=codes[:MAX_CODES],
        group_version=_id(group.version[:12], range(6, 13), "005010")
        if group.version.startswith("005010")
        else None,
    )


def acknowledge(outcome: InterchangeOutcome) -> list[FunctionalAck]:
    """One 997 per group received, except for groups of 997s (an acknowledgement is not acknowledged)."""
    acks = []
    for group in outcome.groups:
        if group.functional_id == "FA":
            continue
        ack = acknowledge_group(group)
        if ack is not None:
            acks.append(ack)
    return acks
