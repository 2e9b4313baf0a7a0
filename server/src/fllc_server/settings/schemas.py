"""The typed settings: every key with its type, bounds and default."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from limits import parse
from pydantic import Field, StringConstraints, field_validator

from fllc_server.kit.schemas import RequestSchema

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class _SettingsFields(RequestSchema):
    company_name: Annotated[str, StringConstraints(min_length=1, max_length=200)] = "FLLC Warehouse"
    currency: CurrencyCode = "USD"
    default_low_stock_threshold: int = Field(default=10, ge=0, le=1_000_000)
    default_location_id: int | None = Field(default=None, ge=1)
    rate_limit: Annotated[str, StringConstraints(max_length=64)] = "1200/minute"
    access_token_minutes: int = Field(default=15, ge=1, le=15)
    refresh_token_days: int = Field(default=14, ge=1, le=90)
    over_receipt_tolerance_percent: Decimal = Field(default=Decimal("0"), ge=0, le=100, decimal_places=2)
    sync_batch_limit: int = Field(default=1000, ge=1, le=5000)

    @field_validator("rate_limit")
    @classmethod
    def _valid_rate_limit(cls, value: str) -> str:
        try:
            item = parse(value)
        except ValueError as exc:
            raise ValueError("use the form '<count>/<period>', e.g. '600/minute'") from exc
        if item.amount < 1:
            raise ValueError("the rate limit must allow at least one request")
        return value


class SystemSettings(_SettingsFields):
    """All settings with their current values (defaults where never set)."""


NOT_NULLABLE = (
    "company_name",
    "currency",
    "default_low_stock_threshold",
    "rate_limit",
    "access_token_minutes",
    "refresh_token_days",
    "over_receipt_tolerance_percent",
    "sync_batch_limit",
)


class SettingsUpdate(RequestSchema):
    """Any subset of the settings; each key is validated as in SystemSettings."""

    company_name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    currency: CurrencyCode | None = None
    default_low_stock_threshold: int | None = Field(default=None, ge=0, le=1_000_000)
    default_location_id: int | None = Field(default=None, ge=1)
    rate_limit: Annotated[str, StringConstraints(max_length=64)] | None = None
    access_token_minutes: int | None = Field(default=None, ge=1, le=15)
    refresh_token_days: int | None = Field(default=None, ge=1, le=90)
    over_receipt_tolerance_percent: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=2)
    sync_batch_limit: int | None = Field(default=None, ge=1, le=5000)

    @field_validator("rate_limit")
    @classmethod
    def _valid_rate_limit(cls, value: str | None) -> str | None:
        return None if value is None else SystemSettings._valid_rate_limit(value)

    @field_validator(*NOT_NULLABLE, mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        """Leaving a key out keeps it; sending null is an error (only the default location clears)."""
        if value is None:
            raise ValueError("this setting cannot be null; leave the key out to keep its value")
        return value
