"""The typed settings: every key with its type, bounds and default."""

from __future__ import annotations

import ipaddress
import re
from decimal import Decimal
from typing import Annotated, Literal

from limits import parse
from pydantic import BaseModel, Field, StrictBool, StringConstraints, field_validator

from fllc_server.auth.permissions import Role
from fllc_server.kit.schemas import RequestSchema
from fllc_server.users.schemas import UserOut

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)


class LabelPrinter(RequestSchema):
    """A network label printer that takes ZPL on a raw TCP port: the allow-list's one entry."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    host: Annotated[str, StringConstraints(min_length=1, max_length=253)]
    """A host name or an IP address: no scheme, path, port or spaces, so an entry is one host."""
    port: int = Field(default=9100, ge=1, le=65535)
    dpi: Literal[203, 300, 600] = 203
    """Its print head's resolution: the ZPL is laid out in its dots."""

    @field_validator("host")
    @classmethod
    def _one_host(cls, value: str) -> str:
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            pass
        if not _HOST_NAME.match(value) or value.replace(".", "").isdigit():
            raise ValueError("a host name or an IP address, without a scheme, a port or a path")
        return value


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
    # roles whose users must use two-step sign-in (they enrol at their next sign-in: auth.mfa)
    mfa_required_roles: list[Role] = Field(default_factory=lambda: [Role.ADMIN], max_length=4)
    refuse_expired_goods: StrictBool = False
    """Goods past their expiry date are refused: by the scan screens, and by the server on every
    path that books received stock (stock.expiry); otherwise the scan screens warn."""
    near_expiry_days: int = Field(default=30, ge=0, le=3650)
    """Scan screens warn when goods expire within this many days."""
    allow_backorders: StrictBool = False
    """Orders to ship (channel `order`) may ask for more than is available: the available part is
    reserved, the rest back-ordered and allocated, oldest order first, as stock arrives. An order's
    own `allow_backorder` wins over this. Counter sales never back-order (sales.backorders)."""
    label_printers: list[LabelPrinter] = Field(default_factory=list, max_length=50)
    """The only printers labels are sent to (POST /api/v1/labels/print): neither the server nor the
    app relays anything to a host that is not here."""

    @field_validator("label_printers")
    @classmethod
    def _unique_printer_names(cls, value: list[LabelPrinter]) -> list[LabelPrinter]:
        return _unique_printers(value)

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
    "refuse_expired_goods",
    "near_expiry_days",
    "allow_backorders",
    "mfa_required_roles",
    "label_printers",
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
    mfa_required_roles: list[Role] | None = Field(default=None, max_length=4)
    refuse_expired_goods: StrictBool | None = None
    near_expiry_days: int | None = Field(default=None, ge=0, le=3650)
    allow_backorders: StrictBool | None = None
    label_printers: list[LabelPrinter] | None = Field(default=None, max_length=50)

    @field_validator("rate_limit")
    @classmethod
    def _valid_rate_limit(cls, value: str | None) -> str | None:
        return None if value is None else SystemSettings._valid_rate_limit(value)

    @field_validator("label_printers")
    @classmethod
    def _unique_printer_names(cls, value: list[LabelPrinter] | None) -> list[LabelPrinter] | None:
        return None if value is None else _unique_printers(value)

    @field_validator(*NOT_NULLABLE, mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        """Leaving a key out keeps it; sending null is an error (only the default location clears)."""
        if value is None:
            raise ValueError("this setting cannot be null; leave the key out to keep its value")
        return value


class MfaPreviewRequest(RequestSchema):
    mfa_required_roles: list[Role] = Field(max_length=4)


class MfaPreview(BaseModel):
    mfa_required_roles: list[Role]
    must_enrol: list[UserOut]  # active users of those roles without two-step sign-in


def _unique_printers(printers: list[LabelPrinter]) -> list[LabelPrinter]:
    names = [printer.name.casefold() for printer in printers]
    if len(set(names)) != len(names):
        raise ValueError("two label printers have the same name")
    return printers
