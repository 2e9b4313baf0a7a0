"""One error hierarchy for everything the codec refuses.

Every error names where it happened: the segment id, its position (1-based, counted from ST
inside a transaction set as AK3-02 wants, else from ISA) and, where one is at fault, the element
(1-based, as AK4-01). Each carries the X12 code a 997 reports for it, so an acknowledgement is
built from the errors themselves rather than from a second table of reasons.
"""

from __future__ import annotations

from enum import StrEnum


class SegmentCode(StrEnum):
    """AK3-04 (X12 element 720): segment syntax error codes."""

    UNRECOGNIZED = "1"
    UNEXPECTED = "2"
    MANDATORY_MISSING = "3"
    LOOP_OVER_MAXIMUM = "4"
    SEGMENT_OVER_MAXIMUM = "5"
    NOT_IN_SET = "6"
    OUT_OF_SEQUENCE = "7"
    ELEMENT_ERRORS = "8"


class ElementCode(StrEnum):
    """AK4-03 (X12 element 723): data element syntax error codes."""

    MANDATORY_MISSING = "1"
    CONDITIONAL_MISSING = "2"
    TOO_MANY_ELEMENTS = "3"
    TOO_SHORT = "4"
    TOO_LONG = "5"
    INVALID_CHARACTER = "6"
    INVALID_CODE = "7"
    INVALID_DATE = "8"
    INVALID_TIME = "9"


class SetCode(StrEnum):
    """AK5-02..06 (X12 element 718): why a transaction set was rejected."""

    NOT_SUPPORTED = "1"
    TRAILER_MISSING = "2"
    CONTROL_NUMBER_MISMATCH = "3"
    SEGMENT_COUNT_MISMATCH = "4"
    SEGMENTS_IN_ERROR = "5"
    BAD_SET_ID = "6"
    BAD_CONTROL_NUMBER = "7"
    CONTROL_NUMBER_NOT_UNIQUE = "23"


class GroupCode(StrEnum):
    """AK9-05..09 (X12 element 716): why a functional group was rejected."""

    NOT_SUPPORTED = "1"
    VERSION_NOT_SUPPORTED = "2"
    TRAILER_MISSING = "3"
    CONTROL_NUMBER_MISMATCH = "4"
    SET_COUNT_MISMATCH = "5"
    BAD_CONTROL_NUMBER = "6"
    CONTROL_NUMBER_NOT_UNIQUE = "19"


class X12Error(Exception):
    """Base of every error the codec raises."""

    def __init__(
        self,
        message: str,
        *,
        segment: str | None = None,
        position: int | None = None,
        element: int | None = None,
    ) -> None:
        self.message = message
        self.segment = segment
        self.position = position
        self.element = element
        super().__init__(self.describe())

    def describe(self) -> str:
        where = []
        if self.segment is not None:
            where.append(f"segment {self.segment}")
        if self.position is not None:
            where.append(f"position {self.position}")
        if self.element is not None:
            where.append(f"element {self.element:02d}")
        return f"{self.message} ({', '.join(where)})" if where else self.message


class InterchangeError(X12Error):
    """The ISA/IEA envelope is unreadable: nothing inside can be acknowledged by a 997."""


class DelimiterError(InterchangeError):
    """The delimiters read from the ISA are missing, clash or are not usable."""


class GroupError(X12Error):
    """A functional group (GS/GE) is broken; `code` is the AK9 reason."""

    def __init__(
        self,
        message: str,
        code: GroupCode,
        *,
        segment: str | None = None,
        position: int | None = None,
        element: int | None = None,
    ) -> None:
        self.code = code
        super().__init__(message, segment=segment, position=position, element=element)


class TransactionSetError(X12Error):
    """A transaction set (ST/SE) is broken as a whole; `code` is the AK5 reason."""

    def __init__(
        self,
        message: str,
        code: SetCode,
        *,
        segment: str | None = None,
        position: int | None = None,
        element: int | None = None,
    ) -> None:
        self.code = code
        super().__init__(message, segment=segment, position=position, element=element)


class SegmentError(X12Error):
    """One segment inside a transaction set is wrong; `code` is the AK3 reason."""

    def __init__(
        self,
        message: str,
        code: SegmentCode,
        *,
        segment: str | None = None,
        position: int | None = None,
        element: int | None = None,
    ) -> None:
        self.code = code
        super().__init__(message, segment=segment, position=position, element=element)


class ElementError(SegmentError):
    """One element of a segment is wrong; `element_code` is the AK4 reason."""

    def __init__(
        self,
        message: str,
        element_code: ElementCode,
        *,
        segment: str | None = None,
        position: int | None = None,
        element: int | None = None,
        value: str | None = None,
    ) -> None:
        self.element_code = element_code
        self.value = value
        super().__init__(
            message, SegmentCode.ELEMENT_ERRORS, segment=segment, position=position, element=element
        )


class EncodeError(X12Error):
    """A model cannot be written: a value holds a delimiter or does not fit its element."""
