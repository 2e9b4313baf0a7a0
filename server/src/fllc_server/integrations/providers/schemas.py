"""Provider switch and secrets: secrets go in, only their names come out."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, StringConstraints

from fllc_server.kit.schemas import RequestSchema, ResponseSchema

SecretValue = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class ProviderUpdate(RequestSchema):
    enabled: bool | None = None
    secrets: dict[str, SecretValue | None] | None = Field(
        default=None, description="Secrets to set (a value) or clear (null); write-only"
    )


class ProviderOut(ResponseSchema):
    name: str
    kind: str
    title: str
    enabled: bool
    secret_names: list[str]
    signed: bool = Field(description="Deliveries carry the vendor's signature (a test event can be sent)")
    secrets_set: list[str] = Field(description="Which secrets have a value (never the values)")
    webhook_path: str
    updated_at: dt.datetime | None


class TestEventOut(ResponseSchema):
    """What became of a test event: refused by the verification (with the reason), or stored."""

    provider: str
    verified: bool
    reason: str | None = None
    message_id: int | None = None
    status: str | None = None
