"""Reading an interchange into outcomes: every group and set with its document or its errors.

Reading goes on past a broken group or set, so a 997 can answer for each of them; only an
unreadable ISA/IEA envelope stops it (an `InterchangeError`). `decode` in the package raises the
first error found; `acknowledge` turns the outcomes into 997s.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fllc_server.integrations.edi.x12.elements import SegmentView, SetCursor
from fllc_server.integrations.edi.x12.envelope import InterchangeAck, Ta1Note, Ta1Status, Usage, Version
from fllc_server.integrations.edi.x12.errors import (
    ElementCode,
    ElementError,
    GroupCode,
    GroupError,
    InterchangeError,
    SegmentCode,
    SegmentError,
    SetCode,
    TransactionSetError,
    X12Error,
)
from fllc_server.integrations.edi.x12.registry import SETS, Document, SetCodec
from fllc_server.integrations.edi.x12.syntax import (
    ENCODING,
    Delimiters,
    Fields,
    Segment,
    check_tail,
    is_digits,
    is_segment_id,
    split_isa,
    split_segments,
)


@dataclass
class SetOutcome:
    set_id: str
    control_number: str
    document: Document | None = None
    errors: list[X12Error] = field(default_factory=list)
    notes: list[SegmentError] = field(default_factory=list)


@dataclass
class GroupOutcome:
    functional_id: str
    control_number: int | None
    header: Segment
    version: str = ""
    declared_sets: int | None = None
    sets: list[SetOutcome] = field(default_factory=list)
    errors: list[GroupError] = field(default_factory=list)


@dataclass
class InterchangeHeader:
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: dt.date
    time: dt.time
    control_number: int
    version: Version
    usage: Usage
    ack_requested: bool


@dataclass
class InterchangeOutcome:
    header: InterchangeHeader
    delimiters: Delimiters
    groups: list[GroupOutcome] = field(default_factory=list)
    acks: list[InterchangeAck] = field(default_factory=list)  # TA1s

    def first_error(self) -> X12Error | None:
        for group in self.groups:
            if group.errors:
                return group.errors[0]
            for outcome in group.sets:
                if outcome.errors:
                    return outcome.errors[0]
        return None


def _isa_fail(message: str, element: int) -> InterchangeError:
    return InterchangeError(message, segment="ISA", position=1, element=element)


def _read_header(values: tuple[str, ...]) -> InterchangeHeader:
    try:  # YYMMDD, read as 20YY: an interchange of the last century is not news
        if not is_digits(values[8]):
            raise ValueError(values[8])
        date = dt.date(2000 + int(values[8][:2]), int(values[8][2:4]), int(values[8][4:]))
    except ValueError as exc:
        raise _isa_fail(f"ISA09 {values[8]!r} is not a YYMMDD date", 9) from exc
    if not is_digits(values[9]) or int(values[9][:2]) > 23 or int(values[9][2:]) > 59:
        raise _isa_fail(f"ISA10 {values[9]!r} is not an HHMM time", 10)
    if values[11] not in {v.value for v in Version}:
        raise _isa_fail(f"ISA12 version {values[11]!r} is not supported (00401, 00501)", 12)
    if not is_digits(values[12]):
        raise _isa_fail(f"ISA13 {values[12]!r} is not a 9-digit control number", 13)
    if values[13] not in ("0", "1"):
        raise _isa_fail(f"ISA14 {values[13]!r} is not 0 or 1", 14)
    if values[14] not in {u.value for u in Usage}:
        raise _isa_fail(f"ISA15 {values[14]!r} is not T or P", 15)
    if values[11] == Version.V4010 and values[10] != "U":
        raise _isa_fail(f"ISA11 in 00401 is the standards id U, not {values[10]!r}", 11)
    for index in (5, 6, 7, 8):
        if not values[index - 1].strip():
            raise _isa_fail(f"ISA{index:02d} is empty", index)
    return InterchangeHeader(
        sender_qualifier=values[4].strip(),
        sender_id=values[5].rstrip(),
        receiver_qualifier=values[6].strip(),
        receiver_id=values[7].rstrip(),
        date=date,
        time=dt.time(int(values[9][:2]), int(values[9][2:])),
        control_number=int(values[12]),
        version=Version(values[11]),
        usage=Usage(values[14]),
        ack_requested=values[13] == "1",
    )


# The envelope segments; inside a set every other segment belongs to the set. SE first: it is the
# one a set normally ends with, so the others are looked for only before it (`_next_envelope`).
ENVELOPE_ORDER = ("SE", "ST", "GS", "GE", "IEA")
ENVELOPE = frozenset(ENVELOPE_ORDER)


def _next_envelope(tags: list[str], start: int, stop: int, known: frozenset[str] | None = None) -> int:
    """The index of the first envelope segment in tags[start:stop], or `stop` if there is none.

    Scans run in C, not as a Python loop over the segments: with `known` (the ids the open set
    may hold, none of them an envelope id) the next SE ends the set when every id before it is
    known; otherwise each envelope id is looked for, only before the nearest one found so far."""
    if known is not None:
        try:
            end = tags.index("SE", start, stop)
        except ValueError:
            pass
        else:
            if known.issuperset(tags[start:end]):
                return end
    found = stop
    for tag in ENVELOPE_ORDER:
        try:
            found = tags.index(tag, start, found)
        except ValueError:
            continue
    return found


class _Reader:
    def __init__(self, header: InterchangeHeader, delimiters: Delimiters, rows: list[Fields]) -> None:
        self.outcome = InterchangeOutcome(header, delimiters)
        self.rows = rows
        self.tags = [row[0] for row in rows]  # the segment ids, for scans in C
        self.group: GroupOutcome | None = None
        self.set_numbers: set[str] = set()  # the ST02s of the open group
        self.set_start: int | None = None  # the index of the open set's ST
        self.group_numbers: set[int] = set()
        self.ended = False

    def read(self) -> None:
        """Every row but the last (what follows the last terminator), in order; rows[i] is at i + 2."""
        rows = self.rows
        last = len(rows) - 1
        index = 0
        while index < last:
            if self.set_start is not None:
                # Inside a set: run to the next envelope segment.
                codec = SETS.get(_field(rows[self.set_start], 1))
                index = _next_envelope(self.tags, index, last, None if codec is None else _known(codec))
                if index == last:
                    return
                if rows[index][0] == "SE":
                    self._close_set(index, rows[index])
                    index += 1
                    continue
                self._close_set(index, None)
            row = rows[index]
            if self.ended:
                raise InterchangeError(
                    "Segments after IEA (one interchange per file)", segment=row[0], position=index + 2
                )
            self._envelope(row, index + 2)
            if row[0] == "ST" and self.group is not None:
                self.set_start = index
            index += 1

    def _envelope(self, row: Fields, position: int) -> None:
        tag = row[0]
        if tag == "TA1" and self.group is None and not self.outcome.groups:
            self.outcome.acks.append(_read_ta1(row, position))
        elif tag == "GS":
            if self.group is not None:
                self._close_group(None)
            self._open_group(Segment(tag, row[1:], position))
        elif tag == "ST" and self.group is not None:
            pass  # the set is read when it ends
        elif tag == "GE" and self.group is not None:
            self._close_group(SegmentView(row, position))
        elif tag == "IEA":
            if self.group is not None:
                self._close_group(None)
            self._close_interchange(SegmentView(row, position))
        else:
            raise InterchangeError(
                f"Segment {tag!r} outside a functional group or set", segment=tag, position=position
            )

    def _open_group(self, gs: Segment) -> None:
        view = SegmentView((gs.tag, *gs.elements), gs.position)
        number_text = view.raw(6)
        number = int(number_text) if is_digits(number_text) and len(number_text) <= 9 else None
        group = GroupOutcome(functional_id=view.raw(1), control_number=number, header=gs, version=view.raw(8))
        self.group = group
        self.set_numbers = set()
        try:
            group.functional_id = view.required(1, max_length=2, min_length=2)
            view.required(2, max_length=15, min_length=2)
            view.required(3, max_length=15, min_length=2)
            view.date(4)
            view.time(5)
            if view.code(7, {"X"}) and not group.version.startswith(("004010", "005010")):
                raise view.fail(
                    f"version {group.version!r} is not 004010 or 005010", 8, ElementCode.INVALID_CODE
                )
        except ElementError as exc:
            code = GroupCode.VERSION_NOT_SUPPORTED if exc.element == 8 else GroupCode.NOT_SUPPORTED
            group.errors.append(
                GroupError(exc.message, code, segment="GS", position=gs.position, element=exc.element)
            )
        if number is None:
            group.errors.append(
                GroupError(
                    f"GS06 {number_text!r} is not a control number",
                    GroupCode.BAD_CONTROL_NUMBER,
                    segment="GS",
                    position=gs.position,
                    element=6,
                )
            )
        elif number in self.group_numbers:
            group.errors.append(
                GroupError(
                    f"GS06 {number} used twice in the interchange",
                    GroupCode.CONTROL_NUMBER_NOT_UNIQUE,
                    segment="GS",
                    position=gs.position,
                    element=6,
                )
            )
        else:
            self.group_numbers.add(number)

    def _close_group(self, ge: SegmentView | None) -> None:
        group = self.group
        assert group is not None
        self.group = None
        self.outcome.groups.append(group)
        if ge is None:
            group.errors.append(
                GroupError(
                    "GE missing", GroupCode.TRAILER_MISSING, segment="GE", position=group.header.position
                )
            )
            return
        count, number = ge.raw(1), ge.raw(2)
        group.declared_sets = int(count) if is_digits(count) else None
        if group.declared_sets != len(group.sets):
            group.errors.append(
                GroupError(
                    f"GE01 says {count!r} sets; the group has {len(group.sets)}",
                    GroupCode.SET_COUNT_MISMATCH,
                    segment="GE",
                    position=ge.position,
                    element=1,
                )
            )
        if number != _element(group.header, 6):
            group.errors.append(
                GroupError(
                    f"GE02 {number!r} is not GS06 {_element(group.header, 6)!r}",
                    GroupCode.CONTROL_NUMBER_MISMATCH,
                    segment="GE",
                    position=ge.position,
                    element=2,
                )
            )

    def _close_set(self, end: int, se: Fields | None) -> None:
        """The set from its ST up to `end` (its SE, or the envelope segment that cut it short)."""
        start = self.set_start
        assert start is not None
        assert self.group is not None
        self.set_start = None
        rows = self.rows
        outcome = read_set(
            rows[start],
            rows[start + 1 : end],
            se,
            self.group,
            self.set_numbers,
            tags=self.tags[start + 1 : end],
        )
        self.group.sets.append(outcome)
        self.set_numbers.add(outcome.control_number)

    def _close_interchange(self, view: SegmentView) -> None:
        self.ended = True
        iea = view
        header = self.outcome.header
        if view.raw(1) != str(len(self.outcome.groups)):
            raise InterchangeError(
                f"IEA01 says {view.raw(1)!r} groups; the interchange has {len(self.outcome.groups)}",
                segment="IEA",
                position=iea.position,
                element=1,
            )
        if not is_digits(view.raw(2)) or int(view.raw(2)) != header.control_number or len(view.raw(2)) != 9:
            raise InterchangeError(
                f"IEA02 {view.raw(2)!r} is not ISA13 {header.control_number:09d}",
                segment="IEA",
                position=iea.position,
                element=2,
            )


def _read_ta1(row: Fields, position: int) -> InterchangeAck:
    """TA101 control number, TA102 YYMMDD, TA103 HHMM, TA104 A/E/R, TA105 note code."""
    view = SegmentView(row, position)

    def fail(message: str, element: int) -> InterchangeError:
        return InterchangeError(
            f"TA1{element:02d}: {message}", segment="TA1", position=position, element=element
        )

    number, day, at = view.raw(1), view.raw(2), view.raw(3)
    if len(number) != 9 or not is_digits(number):
        raise fail(f"{number!r} is not a 9-digit control number", 1)
    try:
        if len(day) != 6 or not is_digits(day):
            raise ValueError(day)
        date = dt.date(2000 + int(day[:2]), int(day[2:4]), int(day[4:]))
    except ValueError:
        raise fail(f"{day!r} is not a YYMMDD date", 2) from None
    if len(at) != 4 or not is_digits(at) or int(at[:2]) > 23 or int(at[2:]) > 59:
        raise fail(f"{at!r} is not an HHMM time", 3)
    if view.raw(4) not in {s.value for s in Ta1Status}:
        raise fail(f"{view.raw(4)!r} is not A, E or R", 4)
    if view.raw(5) not in {n.value for n in Ta1Note}:
        raise fail(f"{view.raw(5)!r} is not an interchange note code", 5)
    if view.count > 5:
        raise fail("too many elements", 6)
    return InterchangeAck(
        int(number), date, dt.time(int(at[:2]), int(at[2:])), Ta1Status(view.raw(4)), Ta1Note(view.raw(5))
    )


def _field(row: Fields, n: int) -> str:
    return row[n] if n < len(row) else ""


def _element(segment: Segment, n: int) -> str:
    elements = segment.elements
    return elements[n - 1] if n <= len(elements) else ""


def _set_envelope_errors(
    st_row: Fields, length: int, se: Fields | None, group: GroupOutcome, seen: Collection[str]
) -> list[X12Error]:
    """`length` counts the set's segments from ST up to the SE (which it does not count)."""
    st = SegmentView(st_row, 1)
    set_id, number = st.raw(1), st.raw(2)
    errors: list[X12Error] = []

    def fail(message: str, code: SetCode, segment: str, element: int) -> None:
        errors.append(
            TransactionSetError(
                message,
                code,
                segment=segment,
                position=1 if segment == "ST" else length + 1,
                element=element,
            )
        )

    codec = SETS.get(set_id)
    if codec is None:
        fail(f"transaction set {set_id!r} is not supported", SetCode.NOT_SUPPORTED, "ST", 1)
    elif codec.functional_id != group.functional_id:
        fail(
            f"set {set_id} does not belong in a {group.functional_id!r} group", SetCode.NOT_SUPPORTED, "ST", 1
        )
    if not (4 <= len(number) <= 9):
        fail(f"ST02 {number!r} is not 4..9 characters", SetCode.BAD_CONTROL_NUMBER, "ST", 2)
    elif number in seen:
        fail(f"ST02 {number} used twice in the group", SetCode.CONTROL_NUMBER_NOT_UNIQUE, "ST", 2)
    if se is None:
        fail("SE missing", SetCode.TRAILER_MISSING, "SE", 1)
        return errors
    trailer = SegmentView(se, length + 1)
    if trailer.raw(2) != number:
        fail(f"SE02 {trailer.raw(2)!r} is not ST02 {number!r}", SetCode.CONTROL_NUMBER_MISMATCH, "SE", 2)
    if trailer.raw(1) != str(length + 1):
        fail(
            f"SE01 says {trailer.raw(1)!r} segments; the set has {length + 1}",
            SetCode.SEGMENT_COUNT_MISMATCH,
            "SE",
            1,
        )
    return errors


def _known(codec: SetCodec) -> frozenset[str]:
    """The segment ids a set may hold (all of them well-formed ids)."""
    known = _KNOWN.get(codec.set_id)
    if known is None:
        known = _KNOWN[codec.set_id] = frozenset(
            tag for tag in (*codec.mapped, *codec.tolerated) if is_segment_id(tag)
        )
        assert known.isdisjoint(ENVELOPE), "a set's own segments are never envelope segments"
    return known


_KNOWN: dict[str, frozenset[str]] = {}


def _check_segment_ids(body: list[Fields], tags: list[str], codec: SetCodec) -> None:
    if _known(codec).issuperset(tags):
        return
    for index, row in enumerate(body):
        tag = row[0]
        if not is_segment_id(tag):
            raise SegmentError(
                f"{tag!r} is not a segment id",
                SegmentCode.UNRECOGNIZED,
                segment=tag[:3],
                position=index + SetCursor.FIRST_POSITION,
            )
        if tag not in codec.mapped and tag not in codec.tolerated:
            raise SegmentError(
                f"{tag} is not a segment of the {codec.set_id} set",
                SegmentCode.NOT_IN_SET,
                segment=tag,
                position=index + SetCursor.FIRST_POSITION,
            )


def read_set(
    st: Fields,
    body: list[Fields],
    se: Fields | None,
    group: GroupOutcome,
    seen: Collection[str],
    *,
    tags: list[str] | None = None,
) -> SetOutcome:
    """One set: its ST, the segments between ST and SE, its SE (None if missing).

    `seen` holds the ST02s read before in the group; `tags` the body's segment ids if known.
    """
    if tags is None:
        tags = [row[0] for row in body]
    view = SegmentView(st, 1)
    outcome = SetOutcome(set_id=view.raw(1), control_number=view.raw(2))
    outcome.errors.extend(_set_envelope_errors(st, len(body) + 1, se, group, seen))
    codec = SETS.get(outcome.set_id)
    if codec is None:
        return outcome
    try:
        _check_segment_ids(body, tags, codec)
        cursor = SetCursor(body, codec.tolerated, mixed=not codec.tolerated.isdisjoint(tags))
        outcome.document = codec.read(cursor)
        outcome.notes = cursor.notes
    except SegmentError as exc:
        outcome.errors.append(exc)
        outcome.errors.append(
            TransactionSetError(
                "one or more segments in error", SetCode.SEGMENTS_IN_ERROR, segment="ST", position=1
            )
        )
    return outcome


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while an interchange is read: reading makes hundreds of
    thousands of containers and no cycles, and each full collection would walk them all again
    (a fifth of a large 856's reading time). It is put back as it was, whatever happens."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_header(data: bytes) -> InterchangeHeader:
    """Only the ISA: whom an interchange is from, its control number, date and time (what a TA1
    answering it repeats), even when the rest of it cannot be read."""
    text = data.decode(ENCODING).lstrip("\ufeff\xef\xbb\xbf\r\n\t ")
    return _read_header(split_isa(text)[1])


def envelope_note(error: InterchangeError) -> Ta1Note:
    """The TA105 note code of an envelope that could not be read past its ISA."""
    if error.segment == "IEA" and error.element == 1:
        return Ta1Note.GROUP_COUNT_INVALID
    if error.segment == "IEA" and error.element == 2:
        return Ta1Note.CONTROL_NUMBER_MISMATCH
    if error.segment == "IEA" or "cut" in error.message:
        return Ta1Note.END_OF_FILE_PREMATURE
    return Ta1Note.CONTENT_INVALID


def read_interchange(data: bytes) -> InterchangeOutcome:
    with _collector_paused():
        text = data.decode(ENCODING).lstrip("\ufeff\xef\xbb\xbf\r\n\t ")
        delimiters, values = split_isa(text)
        header = _read_header(values)
        rows = split_segments(text, delimiters)
        reader = _Reader(header, delimiters, rows)
        reader.read()
        check_tail(rows, delimiters)
        if not reader.ended:
            raise InterchangeError("IEA missing: the interchange is cut", segment="IEA")
        return reader.outcome
