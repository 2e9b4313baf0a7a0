"""Our own POS webhook: a documented JSON body (see the OpenAPI schema of
`POST /api/v1/integrations/pos/generic/events`), sent by a till or any system with an API key of
scope `pos.write`. Event ids must be unique per integration: a resent event changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Literal

from pydantic import EmailStr, Field, StringConstraints, TypeAdapter, ValidationError

from fllc_server.integrations.pos.base import (
    BadMessage,
    Paid,
    PosCommand,
    PosCustomer,
    PosLine,
    PosProvider,
    Refund,
    RefundLine,
    Sale,
)
from fllc_server.kit.schemas import Money, RequestSchema

Ref = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:#/-]+$")]
Sku = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Quantity = Annotated[int, Field(gt=0, le=1_000_000, strict=True)]


class SaleLineIn(RequestSchema):
    sku: Sku = Field(description="The till's SKU; an unknown one waits for a mapping, the sale is kept")
    quantity: Quantity
    unit_price: Money
    description: Annotated[str, StringConstraints(max_length=200)] = ""


class CustomerIn(RequestSchema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    email: EmailStr | None = None


class SaleEvent(RequestSchema):
    """A sale at the till: recorded once per `sale_id`, its lines taken out of stock at once."""

    type: Literal["sale"]
    event_id: Ref
    sale_id: Ref
    occurred_at: dt.datetime | None = None
    customer: CustomerIn | None = None
    paid: bool = Field(default=True, description="Paid at the till (the usual case)")
    lines: list[SaleLineIn] = Field(min_length=1, max_length=500)


class PaymentEvent(RequestSchema):
    """A sale paid later (an account or a deposit). May arrive before its sale: it waits for it."""

    type: Literal["payment"]
    event_id: Ref
    sale_id: Ref
    amount: Money | None = Field(default=None, description="Defaults to the sale's total")


class RefundLineIn(RequestSchema):
    sku: Sku
    quantity: Quantity
    disposition: Literal["restock", "damaged"] = Field(
        description="restock: back to stock; damaged: booked back in and written off"
    )


class RefundEvent(RequestSchema):
    """Units of a sale coming back, once per `refund_id`."""

    type: Literal["refund"]
    event_id: Ref
    sale_id: Ref
    refund_id: Ref
    amount: Money | None = None
    lines: list[RefundLineIn] = Field(min_length=1, max_length=500)


GenericEvent = Annotated[SaleEvent | PaymentEvent | RefundEvent, Field(discriminator="type")]
EVENT: TypeAdapter[SaleEvent | PaymentEvent | RefundEvent] = TypeAdapter(GenericEvent)


class GenericPos(PosProvider):
    name: ClassVar[str] = "generic"
    title: ClassVar[str] = "Generic sales webhook"
    signed: ClassVar[bool] = False  # authenticated by an API key instead

    def translate(self, kind: str, payload: Any) -> PosCommand:
        try:
            event = EVENT.validate_python(payload)
        except ValidationError as exc:
            raise BadMessage(f"Not a generic POS event: {exc.errors()[0]['msg']}") from exc
        if isinstance(event, SaleEvent):
            customer = event.customer
            return Sale(
                order_ref=event.sale_id,
                lines=tuple(PosLine(x.sku, x.quantity, x.unit_price, x.description) for x in event.lines),
                customer=PosCustomer(customer.name, customer.email) if customer else None,
                paid=event.paid,
            )
        if isinstance(event, PaymentEvent):
            return Paid(order_ref=event.sale_id, amount=event.amount)
        return Refund(
            refund_ref=event.refund_id,
            order_ref=event.sale_id,
            lines=tuple(RefundLine(x.sku, x.quantity, x.disposition) for x in event.lines),
            amount=event.amount,
        )


GENERIC = GenericPos()
