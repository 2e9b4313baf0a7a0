"""The bytes level: the ISA's fixed layout, delimiters read from it, segments split and joined.

An interchange is read as ISO-8859-1 (every byte is a character, so reading never fails on
encoding) and written the same way. The ISA is exactly 106 characters: the element separator is
its 4th character, the component separator ISA16 its 105th and the segment terminator its 106th;
from 00501 on ISA11 is the repetition separator (in 00401 it is the standards identifier "U").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import repeat

from fllc_server.integrations.edi.x12.errors import DelimiterError, EncodeError, InterchangeError

ISA_LENGTH = 106
# ISA01..ISA16 widths: every ISA element is fixed width, padded with spaces (ids) or zeros (numbers).
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
ENCODING = "latin-1"
SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
# One segment as split: its id, then its elements (so element 01 is fields[1]).
Fields = tuple[str, ...]


@dataclass(frozen=True)
class Delimiters:
    element: str = "*"
    component: str = ">"
    segment: str = "~"
    repetition: str = "^"

    def validate(self) -> None:
        chars = (self.element, self.component, self.segment, self.repetition)
        for char in chars:
            if len(char) != 1 or char.isalnum() or char == " ":
                raise DelimiterError(f"Delimiter {char!r} is not one usable character", segment="ISA")
        if len(set(chars)) != len(chars):
            raise DelimiterError(f"Delimiters {''.join(chars)!r} are not all different", segment="ISA")

    @property
    def reserved(self) -> frozenset[str]:
        return frozenset((self.element, self.component, self.segment, self.repetition))


@dataclass(frozen=True)
class Segment:
    """One segment as read: its id, its elements (elements[0] is element 01) and its position."""

    tag: str
    elements: tuple[str, ...]
    position: int


def split_isa(text: str) -> tuple[Delimiters, tuple[str, ...]]:
    """Read the delimiters from the 106-character ISA and return them with ISA01..ISA16."""
    if len(text) < ISA_LENGTH:
        raise InterchangeError(
            f"An interchange starts with a {ISA_LENGTH}-character ISA; only {len(text)} characters",
            segment="ISA",
            position=1,
        )
    if not text.startswith("ISA"):
        raise InterchangeError("An interchange starts with ISA", segment=text[:3], position=1)
    element, segment_end = text[3], text[ISA_LENGTH - 1]
    parts = text[: ISA_LENGTH - 1].split(element)
    if len(parts) != len(ISA_WIDTHS) + 1:
        raise DelimiterError(
            f"The ISA splits into {len(parts) - 1} elements on {element!r}, not 16",
            segment="ISA",
            position=1,
        )
    values = tuple(parts[1:])
    for index, (value, width) in enumerate(zip(values, ISA_WIDTHS, strict=True), start=1):
        if len(value) != width:
            raise InterchangeError(
                f"ISA{index:02d} is {len(value)} characters wide, not {width}",
                segment="ISA",
                position=1,
                element=index,
            )
    # From 00501 ISA11 is the repetition separator; many senders still write the 00401 "U" there,
    # which is read as "no repetition separator" rather than refused.
    declared = values[10] if values[11] >= "00501" and not values[10].isalnum() else None
    repetition = declared or _unused_repetition(element, values[15], segment_end)
    delimiters = Delimiters(element, values[15], segment_end, repetition)
    delimiters.validate()
    return delimiters, values


def _unused_repetition(element: str, component: str, segment: str) -> str:
    """00401 has no repetition separator; pick a character that cannot clash with the others."""
    return next(c for c in "^|!`" if c not in (element, component, segment))


def split_segments(text: str, delimiters: Delimiters) -> list[Fields]:
    """Every segment after the ISA as (id, element 01, element 02, ...); rows[i] is position i + 2.

    The whole interchange is split at once: on the segment terminator, then each piece on the
    element separator. Line breaks around a segment are dropped unless one is the terminator.
    Data after the last terminator means the file is cut: see `check_tail`.
    """
    body = text[ISA_LENGTH:]
    terminator, separator = delimiters.segment, delimiters.element
    if terminator in "\r\n":
        pieces = body.split(terminator)
    else:
        # Line breaks at the start (after the ISA's terminator) and right after a terminator are
        # what strip would take off the next piece; once those are gone, most files hold no
        # other line break and need no strip at all.
        body = body.lstrip("\r\n").replace(terminator + "\r\n", terminator)
        body = body.replace(terminator + "\n", terminator)
        pieces = body.split(terminator)
        if "\n" in body or "\r" in body:
            pieces = [piece.strip("\r\n") for piece in pieces]
    # Tuples: once the collector sees they hold only strings it stops tracking them, where
    # hundreds of thousands of lists would be walked again at every full collection.
    return list(map(tuple, map(str.split, pieces, repeat(separator))))


def check_tail(rows: list[Fields], delimiters: Delimiters) -> None:
    """The last row is what follows the last terminator: only white space may be there."""
    tail = delimiters.element.join(rows[-1]).strip("\r\n \t")
    if tail:
        raise InterchangeError(
            "The data ends inside a segment (no segment terminator): the file is cut",
            segment=tail.split(delimiters.element)[0][:3],
            position=len(rows) + 1,
        )


def is_digits(text: str) -> bool:
    """ASCII digits only (str.isdigit also admits superscripts and other scripts' digits)."""
    return text.isascii() and text.isdigit()


def is_segment_id(tag: str) -> bool:
    return SEGMENT_ID.fullmatch(tag) is not None


def join_segment(tag: str, elements: tuple[str, ...], delimiters: Delimiters) -> str:
    """One segment's text without its terminator; trailing empty elements are left out."""
    values = list(elements)
    while values and values[-1] == "":
        values.pop()
    for index, value in enumerate(values, start=1):
        clash = delimiters.reserved.intersection(value)
        if clash:
            raise EncodeError(
                f"Value {value!r} holds the delimiter {min(clash)!r}", segment=tag, element=index
            )
    return delimiters.element.join((tag, *values))
