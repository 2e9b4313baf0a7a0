"""Purchase order bodies and answers (wire names fixed in DESIGN.md and the desktop client)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, Field, PlainSerializer, StringConstraints, model_validator

from fllc_server.kit.schemas import Money, RequestSchema, ResponseSchema

# A computed sum (quantity x price): a decimal string like Money, without Money's input bounds.
Amount = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json")]

MAX_QUANTITY = 1_000_000
Quantity = Annotated[int, Field(gt=0, le=MAX_QUANTITY, strict=True)]
Notes = Annotated[str, StringConstraints(max_length=4000)]
Lot = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Sscc = Annotated[str, StringConstraints(pattern=r"^[0-9]{18}$")]


class PurchaseOrderStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


OPEN_STATUSES = (
    PurchaseOrderStatus.DRAFT,
    PurchaseOrderStatus.SUBMITTED,
    PurchaseOrderStatus.PARTIALLY_RECEIVED,
)
RECEIVABLE_STATUSES = (PurchaseOrderStatus.SUBMITTED, PurchaseOrderStatus.PARTIALLY_RECEIVED)


# ---------------------------------------------------------------- requests


class PurchaseOrderLineCreate(RequestSchema):
    product_id: Id
    ordered_quantity: Quantity = Field(validation_alias=AliasChoices("ordered_quantity", "quantity"))
    unit_cost: Money | None = Field(default=None, description="Defaults to the product's unit_cost")


class PurchaseOrderLineUpdate(RequestSchema):
    ordered_quantity: Quantity | None = Field(
        default=None, validation_alias=AliasChoices("ordered_quantity", "quantity")
    )
    unit_cost: Money | None = None


class PurchaseOrderCreate(RequestSchema):
    supplier_id: Id
    location_id: Id | None = None
    notes: Notes = ""
    expected_at: dt.date | None = None
    lines: list[PurchaseOrderLineCreate] = Field(default_factory=list, max_length=500)


class PurchaseOrderUpdate(RequestSchema):
    """Header fields; `version`, when sent, must match (a stale one is 409 with the current order)."""

    version: Id | None = None
    supplier_id: Id | None = None
    location_id: Id | None = None
    notes: Notes | None = None
    expected_at: dt.date | None = None


class ReceiveLine(RequestSchema):
    line_id: Id
    quantity: Quantity
    location_id: Id | None = None
    lot: Lot | None = None
    expiry: dt.date | None = None


class ReceiveRequest(RequestSchema):
    """Either `lines: [...]`, or one line in the desktop's flat form
    `{purchase_order_id, purchase_order_line_id, quantity, location_id?, lot?, expiry?}` — the
    `po.receive` op payload, which names its order because a synced op has no URL — or a whole
    carton of the order's ship notice: `{sscc, location_id?}` receives everything the 856 says
    it holds."""

    purchase_order_id: Id | None = None
    sscc: Sscc | None = None
    lines: list[ReceiveLine] | None = Field(default=None, min_length=1, max_length=500)
    purchase_order_line_id: Id | None = None
    product_id: Id | None = None
    quantity: Quantity | None = None
    location_id: Id | None = None
    lot: Lot | None = None
    expiry: dt.date | None = None

    @model_validator(mode="after")
    def _one_form(self) -> ReceiveRequest:
        flat = (self.purchase_order_line_id, self.quantity, self.location_id, self.lot, self.expiry)
        if self.sscc is not None:
            line_fields = (self.purchase_order_line_id, self.quantity, self.lot, self.expiry)
            if self.lines is not None or any(v is not None for v in line_fields):
                raise ValueError("a carton (sscc) is received whole: send no lines, only location_id")
            return self
        if self.lines is not None and any(v is not None for v in flat):
            raise ValueError("send either 'lines' or one line's fields, not both")
        if self.lines is None and (self.purchase_order_line_id is None or self.quantity is None):
            raise ValueError("send 'lines', or 'purchase_order_line_id' with 'quantity'")
        return self

    def receive_lines(self) -> list[ReceiveLine]:
        if self.lines is not None:
            return self.lines
        assert self.purchase_order_line_id is not None
        assert self.quantity is not None
        return [
            ReceiveLine(
                line_id=self.purchase_order_line_id,
                quantity=self.quantity,
                location_id=self.location_id,
                lot=self.lot,
                expiry=self.expiry,
            )
        ]


class SuggestionsAccept(RequestSchema):
    """Turn the current suggestions into draft orders, one per supplier (all suppliers when omitted)."""

    supplier_ids: list[Id] | None = Field(default=None, min_length=1, max_length=500)
    location_id: Id | None = None


# ---------------------------------------------------------------- answers


class PurchaseOrderLineOut(ResponseSchema):
    id: int
    product_id: int
    sku: str
    name: str
    ordered_quantity: int
    received_quantity: int
    unit_cost: Money


class PurchaseOrderOut(ResponseSchema):
    id: int
    number: str
    supplier_id: int
    status: PurchaseOrderStatus
    location_id: int | None
    notes: str
    expected_at: dt.date | None
    submitted_at: dt.datetime | None
    created_by: int | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    lines: list[PurchaseOrderLineOut]
    total: Amount
    # Orders sent by EDI: sent, acknowledged, rejected, acknowledged_with_changes, asn_received,
    # invoiced (and then the three-way match: matched | discrepancies); None for the others.
    edi_status: str | None = None
    edi_match: str | None = None
    # The ship notice's cartons: [{sscc, shipment_id, contents: [{line_id, sku, quantity}], received_at}]
    cartons: list[dict[str, Any]] = Field(default_factory=list)


class ReceivedMovement(ResponseSchema):
    """One intake movement written by a receipt, with the product's new quantity on hand."""

    movement_id: int
    line_id: int
    product_id: int
    location_id: int
    quantity: int
    lot: str | None
    expiry: dt.date | None
    quantity_on_hand: int
    location_quantity: int


class ReceiveResult(ResponseSchema):
    purchase_order: PurchaseOrderOut
    movements: list[ReceivedMovement]


class SuggestionLine(ResponseSchema):
    product_id: int
    sku: str
    name: str
    quantity_on_hand: int
    reorder_point: int
    reorder_quantity: int
    on_order: int
    suggested_quantity: int
    unit_cost: Money
    line_total: Amount


class SupplierSuggestion(ResponseSchema):
    supplier_id: int | None
    supplier_name: str | None
    lines: list[SuggestionLine]
    total: Amount


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))
