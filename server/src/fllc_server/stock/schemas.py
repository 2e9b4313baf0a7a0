"""Stock request and response bodies. Quantities are whole units: strict integers, never floats."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from fllc_server.kit.schemas import RequestSchema, ResponseSchema

MAX_QUANTITY = 1_000_000

# strict: "5", 5.0 and true are refused, so a fractional or mistyped quantity is a 400.
Quantity = Annotated[int, Field(strict=True, gt=0, le=MAX_QUANTITY)]
CountedQuantity = Annotated[int, Field(strict=True, ge=0, le=MAX_QUANTITY)]
Delta = Annotated[int, Field(strict=True, ge=-MAX_QUANTITY, le=MAX_QUANTITY)]
EntityId = Annotated[int, Field(strict=True, ge=1)]
Note = Annotated[str, StringConstraints(max_length=500)]
AdjustmentReason = Literal["damaged", "lost", "found", "correction"]

# damaged and lost only ever take stock away, found only adds it; a correction goes either way.
REASON_SIGNS: dict[str, int] = {"damaged": -1, "lost": -1, "found": 1}


class ProductRef(RequestSchema):
    """A product named by exactly one of its id, SKU or barcode (what a scanner reads)."""

    product_id: EntityId | None = None
    sku: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    barcode: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None

    @model_validator(mode="after")
    def _exactly_one_reference(self) -> Self:
        given = [v for v in (self.product_id, self.sku, self.barcode) if v is not None]
        if len(given) != 1:
            raise ValueError("name the product by exactly one of product_id, sku or barcode")
        return self


class StockIntakeIn(ProductRef):
    quantity: Quantity
    location_id: EntityId | None = None
    lot: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    expiry: dt.date | None = None
    purchase_order_line_id: EntityId | None = None
    note: Note | None = None


class StockAdjustmentIn(ProductRef):
    delta: Delta
    reason_code: AdjustmentReason
    location_id: EntityId | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _delta_matches_reason(self) -> Self:
        if self.delta == 0:
            raise ValueError("delta must not be zero")
        sign = REASON_SIGNS.get(self.reason_code)
        if sign is not None and (self.delta > 0) != (sign > 0):
            direction = "negative" if sign < 0 else "positive"
            raise ValueError(f"a '{self.reason_code}' adjustment must have a {direction} delta")
        return self


class CountLineIn(RequestSchema):
    product_id: EntityId
    counted_quantity: CountedQuantity


class StockCountIn(RequestSchema):
    """A count of one location. `apply: true` books the differences (needs products.modify)."""

    location_id: EntityId | None = None
    lines: Annotated[list[CountLineIn], Field(min_length=1, max_length=1000)]
    apply: bool = False
    note: Note | None = None

    @model_validator(mode="after")
    def _one_line_per_product(self) -> Self:
        ids = [line.product_id for line in self.lines]
        if len(ids) != len(set(ids)):
            raise ValueError("each product may appear only once in a count")
        return self


class StockTransferIn(ProductRef):
    from_location_id: EntityId
    to_location_id: EntityId
    quantity: Quantity
    note: Note | None = None

    @model_validator(mode="after")
    def _two_locations(self) -> Self:
        if self.from_location_id == self.to_location_id:
            raise ValueError("from_location_id and to_location_id must differ")
        return self


class MovementOut(ResponseSchema):
    id: int
    product_id: int
    location_id: int
    delta: int
    reason: str
    reason_code: str | None
    purchase_order_line_id: int | None
    order_id: int | None
    op_id: str | None
    lot: str | None
    expiry: dt.date | None
    note: str | None
    user_id: int | None
    created_at: dt.datetime


class StockChangeOut(BaseModel):
    """One movement and the quantities right after it."""

    movement: MovementOut
    product_id: int
    location_id: int
    quantity_on_hand: int
    location_quantity: int


class TransferOut(BaseModel):
    product_id: int
    from_location_id: int
    to_location_id: int
    quantity: int
    quantity_on_hand: int
    from_quantity: int
    to_quantity: int
    movements: list[MovementOut]


class CountLineOut(BaseModel):
    product_id: int
    expected_quantity: int
    counted_quantity: int
    difference: int


class CountOut(BaseModel):
    location_id: int
    applied: bool
    lines: list[CountLineOut]
    movements: list[MovementOut]


class StockLevelOut(BaseModel):
    location_id: int
    location_code: str
    location_name: str
    quantity: int


class ProductStockOut(BaseModel):
    product_id: int
    quantity_on_hand: int
    levels: list[StockLevelOut]
