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

    @property
    def documents(self) -> list[Document]:
        return [ts.document for group in self.groups for ts in group.sets]
