"""Sales bodies and answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import EmailStr, Field, PlainSerializer, StringConstraints

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
    channel: Literal["counter", "order"] = Field(
        default="counter",
        description="counter: stock leaves now; order: stock is reserved now and leaves when shipped",
    )
    external_ref: ExternalRef | None = None
    customer_id: Id | None = None
    location_id: Id | None = None
    allow_negative_stock: bool = False
    allow_backorder: bool | None = Field(
        default=None,
        description="An order to ship (channel `order`) asking for more than is available: true "
        "reserves what is available and back-orders the rest (allocated oldest order first as stock "
        "arrives); false refuses it with 409 insufficient_stock; null (the default) follows the "
        "setting `allow_backorders`. Counter sales never back-order: true with channel counter is 400.",
    )
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
    picked_quantity: int = Field(default=0, description="Units picked (picking by scan)")
    short_quantity: int = Field(default=0, description="Units short at picking")
    short_reason: str = ""
    backordered_quantity: int = Field(
        default=0, description="Units waiting for stock (not reserved yet); 0 once allocated"
    )


class OrderOut(ResponseSchema):
    id: int
    number: str
    customer_id: int | None
    status: str
    channel: str
    source: str
    external_ref: str | None
    total: Amount
    created_at: dt.datetime
    items: list[OrderItemOut]
    payment_status: str = Field(description="unpaid | paid | partially_refunded | refunded | disputed")
    amount_paid: Amount
    amount_refunded: Amount
    backordered_quantity: int = Field(
        default=0, description="Units of its lines waiting for stock; an order can be picked at 0"
    )


class ReviewOut(ResponseSchema):
    id: int
    product_id: int
    customer_id: int | None
    rating: int
    title: str
    body: str
    created_at: dt.datetime
    hidden: bool


class StatusChange(RequestSchema):
    status: Literal["paid", "cancelled"]
    note: Annotated[str, StringConstraints(max_length=500)] = ""


class FulfilmentChange(RequestSchema):
    status: Literal["picking", "packed", "shipped"]
    note: Annotated[str, StringConstraints(max_length=500)] = ""


class ReturnLineIn(RequestSchema):
    item_id: Id
    quantity: Quantity
    disposition: Literal["restock", "damaged"]


class ReturnIn(RequestSchema):
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=500)
    note: Annotated[str, StringConstraints(max_length=500)] = ""


class StatusChangeOut(ResponseSchema):
    id: int
    from_status: str | None
    to_status: str
    actor_id: int | None
    note: str
    created_at: dt.datetime


class AvailabilityOut(ResponseSchema):
    product_id: int
    on_hand: int
    reserved: int
    available: int
    backordered: int = Field(default=0, description="Units orders wait for (allocated as stock arrives)")


Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class AddressIn(RequestSchema):
    kind: Literal["shipping", "billing"] = "shipping"
    line1: Text200
    line2: Annotated[str, StringConstraints(max_length=200)] = ""
    city: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    region: Annotated[str, StringConstraints(max_length=100)] = ""
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "US"


class CustomerCreate(RequestSchema):
    name: Text200
    email: EmailStr | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    addresses: list[AddressIn] = Field(default_factory=list, max_length=20)


class CustomerUpdate(RequestSchema):
    name: Text200 | None = None
    email: EmailStr | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None


class CustomerMerge(RequestSchema):
    duplicate_ids: list[Id] = Field(min_length=1, max_length=50)


class RatingOut(ResponseSchema):
    product_id: int
    average: float | None = Field(description="Of visible reviews; null when there is none")
    count: int


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class PickLineIn(RequestSchema):
    """`POST /orders/{id}/pick`: `quantity` units of a line picked, or, with `short_reason`, not
    found (short-picked). The first pick of a placed or paid order starts its picking."""

    item_id: Id
    quantity: Quantity = 1
    short_reason: Reason | None = Field(default=None, description="Set: the units are short, not picked")


class PickIn(PickLineIn):
    """The `order.pick` command (a synced op): the route's body with the order's id."""

    order_id: Id


class FulfilIn(RequestSchema):
    """The `order.fulfil` command: an order's picking, packed or shipped, as the fulfilment route."""

    order_id: Id
    status: Literal["picking", "packed", "shipped"]
    note: Annotated[str, StringConstraints(max_length=500)] = ""


class PickLineOut(ResponseSchema):
    id: int
    product_id: int
    sku: str
    barcode: str | None
    name: str
    quantity: int
    picked_quantity: int
    short_quantity: int
    short_reason: str


class PickOrderOut(ResponseSchema):
    """An order on the pick list: what to pick, what is picked and short so far."""

    id: int
    number: str
    status: str
    created_at: dt.datetime
    lines: list[PickLineOut]
