"""The dashboard's answer: one document with every figure the Dashboard screen shows."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from fllc_server.purchasing.schemas import Amount


class StockTotals(BaseModel):
    """Live products: value at cost and units count only stock on hand (a negative balance is no value)."""

    value: Amount
    units: int
    skus: int


class CategoryValue(BaseModel):
    """A top-level category with everything beneath it; category_id null: products without one."""

    category_id: int | None
    name: str
    value: Amount
    units: int
    skus: int


class LowStockItem(BaseModel):
    product_id: int
    sku: str
    name: str
    supplier_id: int | None
    supplier_name: str | None
    quantity_on_hand: int
    reorder_point: int
    reorder_quantity: int
    on_order: int
    suggested_quantity: int


class LowStock(BaseModel):
    """At or below the reorder point with a reorder policy (the suggestions' rule); `items`: the
    largest shortfalls first, at most `limit` of `count`."""

    count: int
    on_order_units: int
    limit: int
    items: list[LowStockItem]


class LateOrder(BaseModel):
    id: int
    number: str
    supplier_id: int
    supplier_name: str | None
    status: str
    expected_at: dt.date
    outstanding_units: int


class PurchaseOrders(BaseModel):
    """Open orders (draft, submitted, partially received); `value`: at line cost, what is still to
    arrive; late: sent (submitted or partially received) and expected before today."""

    open: int
    by_status: dict[str, int]
    value: Amount
    late: int
    late_orders: list[LateOrder]


class Receipts(BaseModel):
    """Intake movements (receipts by scan or against a PO): how many and how many units."""

    movements: int
    units: int


class ReceiptsSummary(BaseModel):
    today: Receipts
    this_week: Receipts  # since Monday 00:00 UTC


class ReasonFigures(BaseModel):
    movements: int
    units: int  # the sum of |delta|


class MovementDay(BaseModel):
    date: dt.date
    by_reason: dict[str, ReasonFigures]


class Mover(BaseModel):
    product_id: int
    sku: str
    name: str
    movements: int
    units: int


class Stockout(BaseModel):
    product_id: int
    sku: str
    name: str
    quantity_on_hand: int
    reorder_point: int
    on_order: int


class Stockouts(BaseModel):
    """Live products with nothing (or less) on hand that have a reorder policy: items the shop
    means to stock and cannot sell; the most recently changed first, at most `limit` of `count`."""

    count: int
    limit: int
    items: list[Stockout]


class DashboardOut(BaseModel):
    """Figures as of `generated_at` (UTC); days are UTC days, `movements_per_day` the last 30 of
    them oldest first (today included), each with every reason seen in that window."""

    generated_at: dt.datetime
    today: dt.date
    stock: StockTotals
    value_by_category: list[CategoryValue]
    low_stock: LowStock
    purchase_orders: PurchaseOrders
    receipts: ReceiptsSummary
    reasons: list[str]
    movements_per_day: list[MovementDay]
    top_movers: list[Mover]  # the 30 days' 10 most moved products by units, transfers left out
    stockouts: Stockouts
