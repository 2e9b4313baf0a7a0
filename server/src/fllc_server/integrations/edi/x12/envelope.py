"""Interchange (ISA/IEA), functional group (GS/GE) and transaction set (ST/SE) models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from fllc_server.integrations.edi.x12.registry import Document


class Version(StrEnum):
    """ISA12; a group's GS08 is the same release with a trailing 0 ("004010", "005010")."""

    V4010 = "00401"
    V5010 = "00501"

    @property
    def group_version(self) -> str:
        return f"{self.value}0"


class Usage(StrEnum):
    """ISA15."""

    TEST = "T"
    PRODUCTION = "P"


class Ta1Status(StrEnum):
    """TA104: what became of the interchange a TA1 acknowledges."""

    ACCEPTED = "A"
    ACCEPTED_WITH_ERRORS = "E"
    REJECTED = "R"


class Ta1Note(StrEnum):
    """TA105 (X12 element I18): the interchange note code."""

    NO_ERROR = "000"
    CONTROL_NUMBER_MISMATCH = "001"  # ISA13 and IEA02 differ
    STANDARD_NOT_SUPPORTED = "002"
    VERSION_NOT_SUPPORTED = "003"
    SEGMENT_TERMINATOR_INVALID = "004"
    SENDER_QUALIFIER_INVALID = "005"
    SENDER_ID_INVALID = "006"
    RECEIVER_QUALIFIER_INVALID = "007"
    RECEIVER_ID_INVALID = "008"
    RECEIVER_ID_UNKNOWN = "009"
    AUTHORIZATION_QUALIFIER_INVALID = "010"
    AUTHORIZATION_VALUE_INVALID = "011"
    SECURITY_QUALIFIER_INVALID = "012"
    SECURITY_VALUE_INVALID = "013"
    DATE_INVALID = "014"
    TIME_INVALID = "015"
    STANDARDS_ID_INVALID = "016"
    VERSION_ID_INVALID = "017"
    CONTROL_NUMBER_INVALID = "018"
    ACK_REQUESTED_INVALID = "019"
    TEST_INDICATOR_INVALID = "020"
    GROUP_COUNT_INVALID = "021"  # IEA01 is not the number of groups
    CONTROL_STRUCTURE_INVALID = "022"
    END_OF_FILE_PREMATURE = "023"
    CONTENT_INVALID = "024"
    DUPLICATE_CONTROL_NUMBER = "025"
    ELEMENT_SEPARATOR_INVALID = "026"
    COMPONENT_SEPARATOR_INVALID = "027"
    DELIVERY_DATE_INVALID = "028"
    DELIVERY_TIME_INVALID = "029"
    DELIVERY_TIME_CODE_INVALID = "030"
    GRADE_OF_SERVICE_INVALID = "031"


@dataclass(frozen=True)
class InterchangeAck:
    """A TA1: the interchange `control_number` (its ISA13, ISA09 date, ISA10 time) received, and what
    became of its envelope. TA1s travel between the ISA and the first GS, outside any group."""

    control_number: int
    date: dt.date
    time: dt.time
    status: Ta1Status
    note: Ta1Note = Ta1Note.NO_ERROR


@dataclass(frozen=True)
class TransactionSet:
    control_number: str
    document: Document


@dataclass(frozen=True)
class FunctionalGroup:
    functional_id: str
    sender_id: str
    receiver_id: str
    date: dt.date
    time: dt.time
    control_number: int
    version: str
    sets: tuple[TransactionSet, ...]


@dataclass(frozen=True)
class Interchange:
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: dt.date
    time: dt.time
    control_number: int
    version: Version = Version.V4010
    usage: Usage = Usage.PRODUCTION
    ack_requested: bool = False
    groups: tuple[FunctionalGroup, ...] = ()
    acks: tuple[InterchangeAck, ...] = ()  # TA1s

    @property
    def documents(self) -> list[Document]:
        return [ts.document for group in self.groups for ts in group.sets]
