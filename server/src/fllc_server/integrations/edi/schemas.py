"""Trading partner bodies and answers, and a purchase order's EDI view (wire names snake_case)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from fllc_server.integrations.edi import x12
from fllc_server.kit.schemas import RequestSchema, ResponseSchema

SetId = Literal["850", "855", "856", "810", "997"]
Qualifier = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2}$")]
# ISA06/08 (15) and GS02/03 (2-15): letters, digits and spaces inside; never a delimiter.
InterchangeId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,14}$")]
GroupId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]{1,14}$")]
Delimiter = Annotated[str, StringConstraints(min_length=1, max_length=1)]
FolderPath = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Host = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.:_-]{1,255}$")]
SshUser = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
PrivateKey = Annotated[str, StringConstraints(min_length=20, max_length=20000)]
HostKey = Annotated[str, StringConstraints(pattern=r"^(ssh|ecdsa)-[A-Za-z0-9-]+ [A-Za-z0-9+/=]+( .*)?$")]
Port = Annotated[int, Field(ge=1, le=65535)]

VERSIONS = {"004010": x12.Version.V4010, "005010": x12.Version.V5010}
USAGES = {"test": x12.Usage.TEST, "production": x12.Usage.PRODUCTION}


class TransportKind(StrEnum):
    FOLDER = "folder"  # drop_path / pickup_path are folders on the server's machine
    SFTP = "sftp"  # drop_path / pickup_path are folders on the partner's SFTP server


class PartnerSettings(RequestSchema):
    """Everything but the supplier; checked as a whole (create, and an update merged over the row)."""

    enabled: bool = True
    our_qualifier: Qualifier
    our_id: InterchangeId
    their_qualifier: Qualifier
    their_id: InterchangeId
    our_gs_id: GroupId
    their_gs_id: GroupId
    version: Literal["004010", "005010"] = "004010"
    element_separator: Delimiter = "*"
    component_separator: Delimiter = ">"
    segment_terminator: Delimiter = "~"
    repetition_separator: Delimiter = "^"
    usage: Literal["test", "production"] = "production"
    sets: list[SetId] = Field(min_length=1, max_length=5)
    transport: TransportKind = TransportKind.FOLDER
    drop_path: FolderPath = Field(description="Where our files go (the partner picks them up)")
    pickup_path: FolderPath = Field(description="Where the partner's files arrive for us")
    sftp_host: Host | None = None
    sftp_port: Port = 22
    sftp_user: SshUser | None = None
    sftp_private_key: PrivateKey | None = Field(default=None, description="OpenSSH private key; write-only")
    sftp_host_key: HostKey | None = Field(default=None, description="The server's public host key")

    @model_validator(mode="after")
    def _consistent(self) -> PartnerSettings:
        delimiters = self.delimiters()
        try:
            delimiters.validate()
        except x12.X12Error as exc:
            raise ValueError(str(exc)) from None
        for name in ("our_id", "their_id", "our_gs_id", "their_gs_id"):
            if delimiters.reserved & set(getattr(self, name)):
                raise ValueError(f"{name} contains a delimiter")
        if len(set(self.sets)) != len(self.sets):
            raise ValueError("sets are listed once each")
        if self.transport is TransportKind.SFTP:
            missing = [
                name
                for name in ("sftp_host", "sftp_user", "sftp_private_key", "sftp_host_key")
                if getattr(self, name) is None
            ]
            if missing:
                raise ValueError(f"an SFTP partner needs {', '.join(missing)}")
        elif not (self.drop_path.startswith("/") and self.pickup_path.startswith("/")):
            raise ValueError("a folder partner's drop_path and pickup_path are absolute paths")
        return self

    def delimiters(self) -> x12.Delimiters:
        return x12.Delimiters(
            element=self.element_separator,
            component=self.component_separator,
            segment=self.segment_terminator,
            repetition=self.repetition_separator,
        )


class PartnerCreate(PartnerSettings):
    supplier_id: Annotated[int, Field(ge=1, le=2**63 - 1)]


class PartnerUpdate(RequestSchema):
    """Any of the settings; null clears an optional one (the SFTP key: write-only)."""

    enabled: bool | None = None
    our_qualifier: Qualifier | None = None
    our_id: InterchangeId | None = None
    their_qualifier: Qualifier | None = None
    their_id: InterchangeId | None = None
    our_gs_id: GroupId | None = None
    their_gs_id: GroupId | None = None
    version: Literal["004010", "005010"] | None = None
    element_separator: Delimiter | None = None
    component_separator: Delimiter | None = None
    segment_terminator: Delimiter | None = None
    repetition_separator: Delimiter | None = None
    usage: Literal["test", "production"] | None = None
    sets: list[SetId] | None = Field(default=None, min_length=1, max_length=5)
    transport: TransportKind | None = None
    drop_path: FolderPath | None = None
    pickup_path: FolderPath | None = None
    sftp_host: Host | None = None
    sftp_port: Port | None = None
    sftp_user: SshUser | None = None
    sftp_private_key: PrivateKey | None = None
    sftp_host_key: HostKey | None = None


class PartnerOut(ResponseSchema):
    id: int
    supplier_id: int
    enabled: bool
    our_qualifier: str
    our_id: str
    their_qualifier: str
    their_id: str
    our_gs_id: str
    their_gs_id: str
    version: str
    element_separator: str
    component_separator: str
    segment_terminator: str
    repetition_separator: str
    usage: str
    sets: list[str]
    transport: str
    drop_path: str
    pickup_path: str
    sftp_host: str | None
    sftp_port: int
    sftp_user: str | None
    sftp_key_set: bool = Field(description="Whether a private key is stored (never the key)")
    sftp_host_key: str | None
    last_control_number: int
    created_at: dt.datetime
    updated_at: dt.datetime


class EdiStatus(StrEnum):
    """Where a purchase order is in its exchange with the supplier (the desktop shows it)."""

    QUEUED = "queued"  # the 850 is made and waits to go
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"  # a 997 accepted it (or an 855 without changes)
    REJECTED = "rejected"  # the 997 (or the 855) rejected it: see ack_reasons
    ACKNOWLEDGED_WITH_CHANGES = "acknowledged_with_changes"  # an 855 proposes changes
    ASN_RECEIVED = "asn_received"
    INVOICED = "invoiced"


class CartonOut(ResponseSchema):
    id: int
    sscc: str
    shipment_id: str
    contents: list[dict[str, Any]]
    received_at: dt.datetime | None


class MatchLine(ResponseSchema):
    line_id: int | None
    sku: str | None
    ordered_quantity: int
    received_quantity: int
    invoiced_quantity: str
    ordered_unit_cost: str | None
    invoiced_unit_price: str | None
    discrepancies: list[str]


class MatchOut(ResponseSchema):
    invoice_number: str
    invoice_total: str
    result: Literal["matched", "discrepancies"]
    lines: list[MatchLine]


class EdiOrderOut(ResponseSchema):
    purchase_order_id: int
    purchase_order_number: str
    partner_id: int
    status: EdiStatus
    sent_at: dt.datetime | None
    group_control_number: int | None
    ack_status: str | None
    ack_reasons: list[str]
    acknowledged_at: dt.datetime | None
    ack_type: str | None
    seller_order_number: str | None
    changes: list[dict[str, Any]]
    changes_status: str | None
    asn_received_at: dt.datetime | None
    cartons: list[CartonOut]
    invoiced_at: dt.datetime | None
    match: MatchOut | None


class InterchangeOut(ResponseSchema):
    id: int
    partner_id: int
    direction: str
    control_number: int
    set_ids: str
    filename: str
    status: str
    error: str | None
    inbox_id: int | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
