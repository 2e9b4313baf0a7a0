"""Sales bodies and answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, StringConstraints

from fllc_server.kit.schemas import Money, RequestSchema, ResponseSchema

# A computed sum (quantity x price): a decimal string like Money, without Money's input bounds.
Amount = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json")]

MAX_QUANTITY = 1_000_000
Quantity = Annotated[int, Field(gt=0, le=MAX_QUANTITY, strict=True)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Source = Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=r"^[a-z0-9_-]+$")]
ExternalRef = Annotated[str, StringConstraints(min_length=1, max_length=64)]


# ---------------------------------------------------------------- requests


class OrderItemCreate(RequestSchema):
    product_id: Id
    quantity: Quantity
    unit_price: Money | None = Field(default=None, description="Defaults to the product's price")


class OrderCreate(RequestSchema):
    """A sale. With `external_ref`, (source, external_ref) names it: sending it again returns the
    order already made and moves no stock. `allow_negative_stock` is for sales that already happened
    (a till's): without it, selling more than the location holds is 409 `insufficient_stock`."""

    source: Source = "manual"
    external_ref: ExternalRef | None = None
    customer_id: Id | None = None
    location_id: Id | None = None
    allow_negative_stock: bool = False
    items: list[OrderItemCreate] = Field(min_length=1, max_length=500)


# ---------------------------------------------------------------- answers


class AddressOut(ResponseSchema):
    id: int
    kind: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str


class CustomerOut(ResponseSchema):
    id: int
    name: str
    email: str | None
    phone: str | None
    created_at: dt.datetime
    addresses: list[AddressOut]


class OrderItemOut(ResponseSchema):
    id: int
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_price: Money
    line_total: Amount


class OrderOut(ResponseSchema):
    id: int
    number: str
    customer_id: int | None
    status: str
    source: str
    external_ref: str | None
    total: Amount
    created_at: dt.datetime
    items: list[OrderItemOut]


class ReviewOut(ResponseSchema):
    id: int
    product_id: int
    customer_id: int | None
    rating: int
    title: str
    body: str
    created_at: dt.datetime
