"""POS answers: a delivery's receipt, SKU mappings and the lines waiting for one."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, StringConstraints

from fllc_server.kit.schemas import Money, RequestSchema, ResponseSchema


class Accepted(ResponseSchema):
    """A delivery taken in: stored in the inbox (or found there: `duplicate`), handled after."""

    message_id: int
    duplicate: bool
    status: str


class ReconciledOut(ResponseSchema):
    provider: str
    fetched: int = Field(description="Messages the provider's API listed")
    stored: int = Field(description="Of which the inbox did not have yet")
    cursor: str | None


class SkuMappingIn(RequestSchema):
    source: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    external_sku: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    product_id: int = Field(ge=1, le=2**63 - 1)


class SkuMappingOut(ResponseSchema):
    id: int
    source: str
    external_sku: str
    product_id: int
    created_at: dt.datetime


class SkuMapped(SkuMappingOut):
    lines_applied: int


class UnmappedLineOut(ResponseSchema):
    id: int
    inbox_id: int
    order_id: int
    source: str
    external_sku: str
    description: str
    kind: str
    quantity: int
    unit_price: Money
    status: str
    product_id: int | None
    created_at: dt.datetime
    applied_at: dt.datetime | None
