"""Typed reading and writing of element values (X12 data types AN, ID, N0, Nn, R, DT, TM).

`SegmentView` reads one segment's elements and raises an `ElementError` naming the segment, its
position and the element; `SetCursor` walks a transaction set's segments (rows of split text)
in order. The `fmt_*`
functions are their writing counterparts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence
from decimal import Decimal, InvalidOperation

from fllc_server.integrations.edi.x12.errors import (
    ElementCode,
    ElementError,
    EncodeError,
    SegmentCode,
    SegmentError,
)
from fllc_server.integrations.edi.x12.syntax import Fields, is_digits

REAL = re.compile(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
INTEGER = re.compile(r"-?[0-9]+")


class SegmentView:
    """One segment: `row` is [id, element 01, element 02, ...] as split, `position` where it is."""

    __slots__ = ("position", "row", "tag")

    def __init__(self, row: Fields, position: int) -> None:
        self.row = row
        self.tag = row[0]
        self.position = position

    @property
    def count(self) -> int:
        """How many elements the segment has (trailing empty ones included, as written)."""
        return len(self.row) - 1

    def fail(self, message: str, element: int, code: ElementCode) -> ElementError:
        return ElementError(
            f"{self.tag}{element:02d}: {message}",
            code,
            segment=self.tag,
            position=self.position,
            element=element,
            value=self.raw(element),
        )

    def raw(self, n: int) -> str:
        row = self.row
        return row[n] if n < len(row) else ""

    def text(self, n: int, *, max_length: int = 80, min_length: int = 1) -> str | None:
        value = self.raw(n)
        if value == "":
            return None
        if len(value) > max_length:
            raise self.fail(f"{len(value)} characters, at most {max_length}", n, ElementCode.TOO_LONG)
        if len(value) < min_length:
            raise self.fail(f"{len(value)} characters, at least {min_length}", n, ElementCode.TOO_SHORT)
        return value

    def required(self, n: int, *, max_length: int = 80, min_length: int = 1) -> str:
        value = self.text(n, max_length=max_length, min_length=min_length)
        if value is None:
            raise self.fail("mandatory element missing", n, ElementCode.MANDATORY_MISSING)
        return value

    def code(self, n: int, allowed: Collection[str]) -> str:
        value = self.required(n, max_length=3)
        if value not in allowed:
            raise self.fail(f"code {value!r} is not one of {sorted(allowed)}", n, ElementCode.INVALID_CODE)
        return value

    def decimal(self, n: int, *, required: bool = True) -> Decimal | None:
        value = self.required(n, max_length=18) if required else self.text(n, max_length=18)
        if value is None:
            return None
        if REAL.fullmatch(value) is None:
            raise self.fail(f"{value!r} is not a number", n, ElementCode.INVALID_CHARACTER)
        try:
            return Decimal(value)
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only valid numbers
            raise self.fail(f"{value!r} is not a number", n, ElementCode.INVALID_CHARACTER) from exc

    def amount(self, n: int) -> Decimal:
        number = self.decimal(n)
        assert number is not None
        return number

    def integer(self, n: int, *, max_length: int = 9) -> int:
        value = self.required(n, max_length=max_length)
        if INTEGER.fullmatch(value) is None:
            raise self.fail(f"{value!r} is not a whole number", n, ElementCode.INVALID_CHARACTER)
        return int(value)

    def implied(self, n: int, places: int) -> Decimal:
        """An Nn element: digits with `places` implied decimals (TDS01 is N2: 12345 = 123.45)."""
        return Decimal(self.integer(n, max_length=15)).scaleb(-places)

    def date(self, n: int, *, required: bool = True) -> dt.date | None:
        value = self.required(n, max_length=8) if required else self.text(n, max_length=8)
        if value is None:
            return None
        try:
            if len(value) != 8 or not is_digits(value):
                raise ValueError(value)
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError as exc:
            raise self.fail(f"{value!r} is not a CCYYMMDD date", n, ElementCode.INVALID_DATE) from exc

    def time(self, n: int, *, required: bool = True) -> dt.time | None:
        value = self.required(n, max_length=8) if required else self.text(n, max_length=8)
        if value is None:
            return None
        try:
            if len(value) not in (4, 6) or not is_digits(value):
                raise ValueError(value)
            return dt.time(int(value[:2]), int(value[2:4]), int(value[4:6] or 0))
        except ValueError as exc:
            raise self.fail(f"{value!r} is not a HHMM[SS] time", n, ElementCode.INVALID_TIME) from exc


class SetCursor:
    """The segments of one transaction set between ST and SE, read front to back.

    `rows` are the segments after ST, each [id, element 01, ...]; rows[i] is at position i + 2
    (ST is 1). Segments the standard allows in the set but this codec does not map (`tolerated`)
    are skipped; any other segment id is refused as not belonging to the set. `notes` collects
    what is wrong but not fatal (a 997 then says "accepted with errors").
    """

    FIRST_POSITION = 2

    def __init__(self, rows: Sequence[Fields], tolerated: Collection[str], *, mixed: bool = True) -> None:
        self.rows = rows
        self.tolerated = tolerated
        # False when no row is a tolerated segment: readers straight off the rows skip no segments.
        self.mixed = mixed
        self.index = 0
        self.notes: list[SegmentError] = []

    def position(self, index: int) -> int:
        return index + self.FIRST_POSITION

    def skip_tolerated(self) -> int:
        """Move past tolerated segments; the index of the next segment to read."""
        rows, tolerated, index = self.rows, self.tolerated, self.index
        while index < len(rows) and rows[index][0] in tolerated:
            index += 1
        self.index = index
        return index

    def peek(self) -> str | None:
        index = self.skip_tolerated()
        return self.rows[index][0] if index < len(self.rows) else None

    def take(self, tag: str) -> SegmentView:
        found = self.optional(tag)
        if found is None:
            position = self.position(self.index) if self.index < len(self.rows) else None
            raise SegmentError(
                f"Mandatory segment {tag} missing",
                SegmentCode.MANDATORY_MISSING,
                segment=tag,
                position=position,
            )
        return found

    def optional(self, tag: str) -> SegmentView | None:
        index = self.skip_tolerated()
        if index >= len(self.rows) or self.rows[index][0] != tag:
            return None
        self.index = index + 1
        return SegmentView(self.rows[index], index + self.FIRST_POSITION)

    def repeated(self, tag: str) -> list[SegmentView]:
        views = []
        while (view := self.optional(tag)) is not None:
            views.append(view)
        return views

    def finish(self) -> None:
        """Everything must have been read: the first left-over segment is out of place."""
        if self.peek() is not None:
            tag = self.rows[self.index][0]
            raise SegmentError(
                f"Segment {tag} is not expected here",
                SegmentCode.UNEXPECTED,
                segment=tag,
                position=self.position(self.index),
            )


def fmt_decimal(value: Decimal) -> str:
    text = format(value, "f")
    if text.startswith("-") and value == 0:
        text = text[1:]
    return text


def fmt_implied(value: Decimal, places: int, segment: str, element: int) -> str:
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise EncodeError(f"{value} has more than {places} decimals", segment=segment, element=element)
    return str(int(scaled))


def fmt_date(value: dt.date) -> str:
    return value.strftime("%Y%m%d")


def fmt_time(value: dt.time) -> str:
    return value.strftime("%H%M%S" if value.second else "%H%M")


def opt(value: str | None) -> str:
    return "" if value is None else value
