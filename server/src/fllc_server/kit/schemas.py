"""Pydantic bases: request bodies refuse unknown fields, responses read from ORM objects."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, PlainSerializer
from pydantic_core import CoreSchema

from fllc_server.kit.strict import strict_core_schema

# Money travels as a decimal string ("1.25") and is never a float.
Money = Annotated[
    Decimal,
    Field(ge=0, le=Decimal("99999999.99"), max_digits=10, decimal_places=2),
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json"),
]


class RequestSchema(BaseModel):
    """A body a client sends: unknown fields are a 400, never silently ignored (mass assignment);
    types are strict (kit.strict: no 0 for false, no "5" for 5, no number for a time)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[BaseModel], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return strict_core_schema(handler(source))


class ResponseSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)
