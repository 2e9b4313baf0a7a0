"""Pydantic bases: request bodies refuse unknown fields, responses read from ORM objects."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

# Money travels as a decimal string ("1.25") and is never a float.
Money = Annotated[
    Decimal,
    Field(ge=0, le=Decimal("99999999.99"), max_digits=10, decimal_places=2),
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json"),
]


class RequestSchema(BaseModel):
    """A body a client sends: unknown fields are a 400, never silently ignored (mass assignment)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)
