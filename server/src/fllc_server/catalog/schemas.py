"""Wire shapes of the catalog (names fixed by DESIGN.md).

Create bodies carry the writable fields; update bodies are partial (PATCH) and must carry the
`version` the client last saw. Read-only fields (`id`, `quantity_on_hand`, `created_at`,
`updated_at`, and `version` on create) are unknown fields of the request bodies, so sending them is a
400 — nobody sets stock or history through the catalog.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self

from pydantic import EmailStr, Field, StringConstraints, computed_field, field_validator, model_validator

from fllc_server.catalog.barcodes import InvalidBarcode, normalise_barcode
from fllc_server.kit.schemas import Money, RequestSchema, ResponseSchema

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
CategoryName = Annotated[str, StringConstraints(min_length=1, max_length=120)]
Sku = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-/#:+]*$")
]
LocationCode = Annotated[
    str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$")
]
Description = Annotated[str, StringConstraints(max_length=10_000)]
Phone = Annotated[str, StringConstraints(max_length=40, pattern=r"^[0-9+()./\- x]*$")]
EntityId = Annotated[int, Field(ge=1, le=2**53)]
Version = Annotated[int, Field(ge=1, le=2**31 - 1, description="The version the client last saw")]
Quantity = Annotated[int, Field(ge=0, le=10_000_000)]
LeadTime = Annotated[int, Field(ge=0, le=3650)]


def _barcode(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        return normalise_barcode(value)
    except InvalidBarcode as exc:
        raise ValueError(str(exc)) from exc


class PatchSchema(RequestSchema):
    """A partial edit: only the fields sent change. `null` is allowed only for the fields listed
    in `nullable` (it clears them); for any other field it is a 400."""

    nullable: ClassVar[frozenset[str]] = frozenset()
    version: Version

    @model_validator(mode="after")
    def _no_null_for_required_fields(self) -> Self:
        nulled = sorted(
            name
            for name in self.model_fields_set
            if getattr(self, name) is None and name not in self.nullable
        )
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields sent, without `version`."""
        return {name: getattr(self, name) for name in self.model_fields_set if name != "version"}


# ------------------------------------------------------------------------------------ categories


class CategoryOut(ResponseSchema):
    id: int
    name: str
    parent_id: int | None
    version: int


class CategoryCreate(RequestSchema):
    name: CategoryName
    parent_id: EntityId | None = None


class CategoryUpdate(PatchSchema):
    nullable = frozenset({"parent_id"})
    name: CategoryName | None = None
    parent_id: EntityId | None = None


# ------------------------------------------------------------------------------------- suppliers


class SupplierOut(ResponseSchema):
    id: int
    name: str
    email: str | None
    phone: str | None
    lead_time_days: int
    version: int


class SupplierCreate(RequestSchema):
    name: Name
    email: EmailStr | None = None
    phone: Phone | None = None
    lead_time_days: LeadTime = 7


class SupplierUpdate(PatchSchema):
    nullable = frozenset({"email", "phone"})
    name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    lead_time_days: LeadTime | None = None


# ------------------------------------------------------------------------------------- locations


class LocationOut(ResponseSchema):
    id: int
    code: str
    name: str
    version: int


class LocationCreate(RequestSchema):
    code: LocationCode
    name: Name


class LocationUpdate(PatchSchema):
    code: LocationCode | None = None
    name: Name | None = None


# -------------------------------------------------------------------------------------- products


class ProductOut(ResponseSchema):
    id: int
    sku: str
    barcode: str | None
    name: str
    description: str
    category_id: int | None
    supplier_id: int | None
    unit_cost: Money
    price: Money
    reorder_point: int
    reorder_quantity: int
    quantity_on_hand: int
    quantity_reserved: int = Field(default=0, description="Units open orders hold until they ship")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @computed_field(description="On hand - reserved: what a new order or sale can have")  # type: ignore[prop-decorator]
    @property
    def quantity_available(self) -> int:
        return self.quantity_on_hand - self.quantity_reserved


class StockAtLocation(ResponseSchema):
    location_id: int
    location_code: str
    quantity: int


class ProductDetail(ProductOut):
    """One product with its stock per location (GET /products/{id}, by-barcode)."""

    stock: list[StockAtLocation]


class ProductCreate(RequestSchema):
    sku: Sku
    name: Name
    barcode: str | None = Field(default=None, max_length=32, description="EAN-13, EAN-8, UPC-A or GTIN-14")
    description: Description = ""
    category_id: EntityId | None = None
    supplier_id: EntityId | None = None
    unit_cost: Money = Decimal("0.00")
    price: Money
    reorder_point: Quantity = 0
    reorder_quantity: Quantity = 0

    _normalise_barcode = field_validator("barcode")(_barcode)


class ProductUpdate(PatchSchema):
    """A partial edit: only the fields sent change; `null` clears barcode, category or supplier."""

    nullable = frozenset({"barcode", "category_id", "supplier_id"})
    sku: Sku | None = None
    name: Name | None = None
    barcode: str | None = Field(default=None, max_length=32)
    description: Description | None = None
    category_id: EntityId | None = None
    supplier_id: EntityId | None = None
    unit_cost: Money | None = None
    price: Money | None = None
    reorder_point: Quantity | None = None
    reorder_quantity: Quantity | None = None

    _normalise_barcode = field_validator("barcode")(_barcode)


class ProductSort(StrEnum):
    NAME = "name"
    NAME_DESC = "-name"
    SKU = "sku"
    SKU_DESC = "-sku"
    PRICE = "price"
    PRICE_DESC = "-price"
    QUANTITY = "quantity_on_hand"
    QUANTITY_DESC = "-quantity_on_hand"
    UPDATED = "updated_at"
    UPDATED_DESC = "-updated_at"


class ReviewOut(ResponseSchema):
    id: int
    product_id: int
    customer_id: int | None
    rating: int
    title: str
    body: str
    created_at: dt.datetime
