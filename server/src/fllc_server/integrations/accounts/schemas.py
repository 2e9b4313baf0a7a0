"""Service account and API key bodies and answers (a key's secret appears in one answer only)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, StringConstraints

from fllc_server.auth.api_keys import Scope
from fllc_server.kit.schemas import RequestSchema, ResponseSchema

Name = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
IntegrationName = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[a-z0-9_.-]+$")]


class ServiceAccountCreate(RequestSchema):
    name: Name
    integration: IntegrationName = Field(description="The integration it speaks for, e.g. 'shopify'")
    description: Annotated[str, StringConstraints(max_length=500)] = ""


class ApiKeyCreate(RequestSchema):
    scopes: list[Scope] = Field(min_length=1, max_length=len(Scope))
    label: Annotated[str, StringConstraints(max_length=100)] = ""


class ApiKeyOut(ResponseSchema):
    id: int
    prefix: str
    label: str
    scopes: list[str]
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class ApiKeyMade(ApiKeyOut):
    key: str = Field(description="The key itself: shown this once, stored only as a hash")


class ServiceAccountOut(ResponseSchema):
    id: int
    name: str
    integration: str
    description: str
    created_at: dt.datetime
    disabled_at: dt.datetime | None
    keys: list[ApiKeyOut]


class IntegrationOut(ResponseSchema):
    """What an integration's key says about its caller (GET /api/v1/integrations/whoami)."""

    service_account_id: int
    name: str
    integration: str
    scopes: list[str]
