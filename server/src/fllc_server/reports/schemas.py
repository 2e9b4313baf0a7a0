"""Each report's parameters (validated here: a bad one is a 400 with the uniform body) and the
request that asks for a report: `{kind, params, format}`, one schema per kind in the OpenAPI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, Field, model_validator

from fllc_server.kit.schemas import RequestSchema
from fllc_server.reports.render import Format

Id = Annotated[int, Field(ge=1)]
MAX_PERIOD_DAYS = 3660


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class ReportKind(StrEnum):
    STOCK_VALUATION = "stock_valuation"
    LOW_STOCK = "low_stock"
    STOCK_MOVEMENTS = "stock_movements"
    STOCK_AGEING = "stock_ageing"
    ABC_ANALYSIS = "abc_analysis"
    PURCHASING = "purchasing"
    SALES = "sales"
    COUNT_VARIANCE = "count_variance"
    INVOICE_DISCREPANCIES = "invoice_discrepancies"


class Period(RequestSchema):
    """Whole days in UTC, both ends included; by default the last 30 days up to today."""

    date_from: dt.date | None = Field(default=None, description="first day (UTC); default: date_to - 29 days")
    date_to: dt.date | None = Field(default=None, description="last day (UTC), included; default: today")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        end = self.date_to or today()
        start = self.date_from or end - dt.timedelta(days=self.default_days - 1)
        if start > end:
            raise ValueError("date_from must be on or before date_to")
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise ValueError(f"a period spans at most {MAX_PERIOD_DAYS} days")
        self.date_from, self.date_to = start, end
        return self

    default_days: ClassVar[int] = 30

    @property
    def start(self) -> dt.datetime:
        assert self.date_from is not None
        return dt.datetime.combine(self.date_from, dt.time(), dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """The first instant after the period."""
        assert self.date_to is not None
        return dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time(), dt.UTC)

    @property
    def days(self) -> int:
        assert self.date_from is not None
        assert self.date_to is not None
        return (self.date_to - self.date_from).days + 1


class ValuationGroup(StrEnum):
    CATEGORY = "category"
    LOCATION = "location"
    SUPPLIER = "supplier"
    PRODUCT = "product"


class StockValuationParams(RequestSchema):
    """Stock at cost at the end of a day (replaying inventory_log), by category, location, supplier
    or product."""

    as_of: dt.date | None = Field(
        default=None, description="value at the end of this day (UTC); default: now"
    )
    group_by: ValuationGroup = ValuationGroup.CATEGORY
    category_id: Id | None = None
    location_id: Id | None = None
    supplier_id: Id | None = None

    @model_validator(mode="after")
    def _not_future(self) -> Self:
        if self.as_of is not None and self.as_of > today():
            raise ValueError("as_of cannot be in the future")
        return self


class LowStockParams(RequestSchema):
    """Products at or below their reorder point, with on-order units and the suggested order."""

    supplier_id: Id | None = None
    category_id: Id | None = None


class StockMovementsParams(Period):
    """Movements in a period with each product's running balance (at the location when one is given)."""

    product_id: Id | None = None
    location_id: Id | None = None
    reason: Literal["intake", "adjustment", "count", "sale", "transfer"] | None = None
    user_id: Id | None = None


class AgeingMeasure(StrEnum):
    VALUE = "value"
    UNITS = "units"


class StockAgeingParams(RequestSchema):
    """Stock on hand aged by receipt date, first in first out, and days since the last movement."""

    measure: AgeingMeasure = Field(default=AgeingMeasure.VALUE, description="what the age buckets show")
    min_days_idle: int = Field(
        default=0, ge=0, le=36500, description="only products idle this long (dead stock)"
    )
    category_id: Id | None = None
    supplier_id: Id | None = None


class AbcParams(Period):
    """ABC classes by consumption value (units sold x unit cost) over a period, with turnover and
    days of supply."""

    default_days: ClassVar[int] = 365
    a_percent: Decimal = Field(
        default=Decimal(80), gt=0, lt=100, description="cumulative share that is class A"
    )
    b_percent: Decimal = Field(default=Decimal(95), gt=0, lt=100, description="... up to which is class B")
    category_id: Id | None = None

    @model_validator(mode="after")
    def _classes(self) -> Self:
        if self.a_percent >= self.b_percent:
            raise ValueError("a_percent must be below b_percent")
        return self


class PurchasingView(StrEnum):
    OPEN_ORDERS = "open_orders"
    LINES = "lines"
    SUPPLIERS = "suppliers"


class PurchasingParams(Period):
    """Open purchase orders, ordered vs received per line, or supplier performance (orders
    submitted in the period: fill rate, promised vs actual lead time, on-time %)."""

    default_days: ClassVar[int] = 90
    view: PurchasingView = PurchasingView.OPEN_ORDERS
    supplier_id: Id | None = None


class SalesGroup(StrEnum):
    PRODUCT = "product"
    CATEGORY = "category"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class SalesParams(Period):
    """Sales from orders (cancelled ones left out): units, revenue, cost and margin."""

    group_by: SalesGroup = SalesGroup.PRODUCT
    category_id: Id | None = None


class CountVarianceParams(Period):
    """Every count in the period: expected, counted, difference in units and at cost."""

    location_id: Id | None = None
    differences_only: bool = False


class InvoiceDiscrepanciesParams(RequestSchema):
    """The three-way match of every EDI invoice (810): ordered vs received vs invoiced per line."""

    supplier_id: Id | None = None
    matched_lines: bool = Field(default=False, description="list the lines that match too")


PARAMS: dict[ReportKind, type[RequestSchema]] = {
    ReportKind.STOCK_VALUATION: StockValuationParams,
    ReportKind.LOW_STOCK: LowStockParams,
    ReportKind.STOCK_MOVEMENTS: StockMovementsParams,
    ReportKind.STOCK_AGEING: StockAgeingParams,
    ReportKind.ABC_ANALYSIS: AbcParams,
    ReportKind.PURCHASING: PurchasingParams,
    ReportKind.SALES: SalesParams,
    ReportKind.COUNT_VARIANCE: CountVarianceParams,
    ReportKind.INVOICE_DISCREPANCIES: InvoiceDiscrepanciesParams,
}


# -- the request: one schema per kind, so the OpenAPI document shows each kind's parameters ----------

_FORMAT = Field(default=Format.PDF, description="pdf, csv or xlsx")


class StockValuationRequest(RequestSchema):
    kind: Literal[ReportKind.STOCK_VALUATION]
    params: StockValuationParams = Field(default_factory=StockValuationParams)
    format: Format = _FORMAT


class LowStockRequest(RequestSchema):
    kind: Literal[ReportKind.LOW_STOCK]
    params: LowStockParams = Field(default_factory=LowStockParams)
    format: Format = _FORMAT


class StockMovementsRequest(RequestSchema):
    kind: Literal[ReportKind.STOCK_MOVEMENTS]
    params: StockMovementsParams = Field(default_factory=StockMovementsParams)
    format: Format = _FORMAT


class StockAgeingRequest(RequestSchema):
    kind: Literal[ReportKind.STOCK_AGEING]
    params: StockAgeingParams = Field(default_factory=StockAgeingParams)
    format: Format = _FORMAT


class AbcRequest(RequestSchema):
    kind: Literal[ReportKind.ABC_ANALYSIS]
    params: AbcParams = Field(default_factory=AbcParams)
    format: Format = _FORMAT


class PurchasingRequest(RequestSchema):
    kind: Literal[ReportKind.PURCHASING]
    params: PurchasingParams = Field(default_factory=PurchasingParams)
    format: Format = _FORMAT


class SalesRequest(RequestSchema):
    kind: Literal[ReportKind.SALES]
    params: SalesParams = Field(default_factory=SalesParams)
    format: Format = _FORMAT


class CountVarianceRequest(RequestSchema):
    kind: Literal[ReportKind.COUNT_VARIANCE]
    params: CountVarianceParams = Field(default_factory=CountVarianceParams)
    format: Format = _FORMAT


class InvoiceDiscrepanciesRequest(RequestSchema):
    kind: Literal[ReportKind.INVOICE_DISCREPANCIES]
    params: InvoiceDiscrepanciesParams = Field(default_factory=InvoiceDiscrepanciesParams)
    format: Format = _FORMAT


AnyReportRequest = (
    StockValuationRequest
    | LowStockRequest
    | StockMovementsRequest
    | StockAgeingRequest
    | AbcRequest
    | PurchasingRequest
    | SalesRequest
    | CountVarianceRequest
    | InvoiceDiscrepanciesRequest
)
ReportRequest = Annotated[AnyReportRequest, Field(discriminator="kind")]


# -- what the API answers ---------------------------------------------------------------------------


class ReportFileOut(BaseModel):
    filename: str
    content_type: str
    size: int
    rows: int
    expires_at: dt.datetime


class ReportOut(BaseModel):
    """A report asked for: its job's state (`id` is the job's id, so `job.progress` and `job.done`
    events name it) and, once it succeeded, its file and where to download it."""

    id: int
    kind: ReportKind
    params: dict[str, Any]
    format: Format
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: int
    error: str | None
    requested_by: int | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    file: ReportFileOut | None
    download_url: str | None
