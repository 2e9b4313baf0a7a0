"""The trade reports' rules: purchasing (open orders, ordered vs received per line, supplier
performance), sales from orders, and count variance."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from fllc_server.purchasing.schemas import OPEN_STATUSES
from fllc_server.reports.repository import OrderLineRow, ProductFilter, ProductInfo, ReportRepository
from fllc_server.reports.schemas import (
    CountVarianceParams,
    PurchasingParams,
    PurchasingView,
    SalesGroup,
    SalesParams,
)
from fllc_server.reports.stock_reports import NONE, Names, money, percent
from fllc_server.reports.table import Column, Kind, Report, Row, rows_of

OPEN = [status.value for status in OPEN_STATUSES]


# -- purchasing --------------------------------------------------------------------------------------


async def purchasing(repo: ReportRepository, p: PurchasingParams, now: dt.datetime) -> Report:
    names = await Names.load(repo)
    parameters = [("View", p.view.value.replace("_", " "))]
    if p.supplier_id is not None:
        parameters.append(("Supplier", names.of(names.suppliers, p.supplier_id)))
    if p.view is PurchasingView.OPEN_ORDERS:
        lines = await repo.order_lines(statuses=OPEN, supplier_id=p.supplier_id)
        return _open_orders(lines, names, now, parameters)
    parameters.insert(0, ("Orders submitted", f"{p.date_from} to {p.date_to} (UTC)"))
    lines = [
        line
        for line in await repo.order_lines(statuses=None, supplier_id=p.supplier_id)
        if line.submitted_at is not None
        and p.start <= line.submitted_at < p.end
        and line.status != "cancelled"
    ]
    if p.view is PurchasingView.LINES:
        return await _lines(repo, lines, names, parameters)
    return await _suppliers(repo, lines, names, now, parameters)


def _open_orders(
    lines: list[OrderLineRow], names: Names, now: dt.datetime, parameters: list[tuple[str, str]]
) -> Report:
    orders: dict[int, list[OrderLineRow]] = defaultdict(list)
    for line in lines:
        orders[line.order_id].append(line)
    rows: list[Row] = []
    for order_lines in orders.values():
        first = order_lines[0]
        ordered = sum(line.ordered for line in order_lines)
        received = sum(line.received for line in order_lines)
        outstanding = sum(max(0, line.ordered - line.received) for line in order_lines)
        value = sum(
            (line.unit_cost * max(0, line.ordered - line.received) for line in order_lines), Decimal(0)
        )
        late = (
            (now.date() - first.expected_at).days
            if first.expected_at and first.expected_at < now.date()
            else None
        )
        rows.append(
            (
                first.number,
                names.of(names.suppliers, first.supplier_id),
                first.status.replace("_", " "),
                first.submitted_at.date() if first.submitted_at else None,
                first.expected_at,
                late,
                len(order_lines),
                ordered,
                received,
                outstanding,
                money(value),
            )
        )
    return Report(
        "purchasing",
        "Open purchase orders",
        [*parameters, ("At", now.strftime("%Y-%m-%d %H:%M UTC"))],
        [
            Column("PO", width=1.1),
            Column("Supplier", width=2),
            Column("Status", width=1.2),
            Column("Submitted", Kind.DATE, width=0.9),
            Column("Expected", Kind.DATE, width=0.9),
            Column("Days late", Kind.INT, width=0.7),
            Column("Lines", Kind.INT, total=True, width=0.6),
            Column("Ordered", Kind.INT, total=True, width=0.8),
            Column("Received", Kind.INT, total=True, width=0.8),
            Column("Outstanding", Kind.INT, total=True, width=0.9),
            Column("Open value", Kind.MONEY, total=True),
        ],
        rows_of(rows),
        ["Draft, submitted and partially received orders. Open value = outstanding units x line unit cost."],
        landscape=True,
    )


async def _lines(
    repo: ReportRepository, lines: list[OrderLineRow], names: Names, parameters: list[tuple[str, str]]
) -> Report:
    products = await repo.products()
    rows: list[Row] = []
    for line in lines:
        product = products[line.product_id]
        outstanding = max(0, line.ordered - line.received) if line.status in OPEN else 0
        rows.append(
            (
                line.number,
                names.of(names.suppliers, line.supplier_id),
                line.status.replace("_", " "),
                product.sku,
                product.name,
                line.ordered,
                line.received,
                outstanding,
                percent(Decimal(line.received), Decimal(line.ordered)),
                line.unit_cost,
                money(line.unit_cost * line.received),
            )
        )
    return Report(
        "purchasing",
        "Purchase order lines: ordered vs received",
        parameters,
        [
            Column("PO", width=1.1),
            Column("Supplier", width=1.5),
            Column("Status", width=1.4),
            Column("SKU", width=1.1),
            Column("Product", width=2.0),
            Column("Ordered", Kind.INT, total=True, width=0.7),
            Column("Received", Kind.INT, total=True, width=0.7),
            Column("Outstanding", Kind.INT, total=True, width=0.8),
            Column("Received %", Kind.PERCENT, width=0.8),
            Column("Unit cost", Kind.MONEY, width=0.8),
            Column("Received value", Kind.MONEY, total=True),
        ],
        rows_of(rows),
        ["Lines of orders submitted in the period (cancelled ones left out)."],
        landscape=True,
    )


async def _suppliers(
    repo: ReportRepository,
    lines: list[OrderLineRow],
    names: Names,
    now: dt.datetime,
    parameters: list[tuple[str, str]],
) -> Report:
    lead_times = await repo.lead_times()
    orders = {line.order_id: line for line in lines}
    arrived = await repo.first_receipts(list(orders))
    ordered: dict[int, int] = defaultdict(int)
    received: dict[int, int] = defaultdict(int)
    for line in lines:
        ordered[line.supplier_id] += line.ordered
        received[line.supplier_id] += line.received
    count: dict[int, int] = defaultdict(int)
    leads: dict[int, list[int]] = defaultdict(list)
    on_time: dict[int, int] = defaultdict(int)
    judged: dict[int, int] = defaultdict(int)
    for order_id, order in orders.items():
        supplier = order.supplier_id
        count[supplier] += 1
        assert order.submitted_at is not None
        due = (
            order.expected_at or (order.submitted_at + dt.timedelta(days=lead_times.get(supplier, 0))).date()
        )
        first = arrived.get(order_id)
        if first is not None:
            leads[supplier].append((first.date() - order.submitted_at.date()).days)
            judged[supplier] += 1
            on_time[supplier] += first.date() <= due
        elif due < now.date():
            judged[supplier] += 1  # overdue and nothing arrived: late
    rows: list[Row] = [
        (
            names.of(names.suppliers, supplier),
            count[supplier],
            ordered[supplier],
            received[supplier],
            percent(Decimal(received[supplier]), Decimal(ordered[supplier])),
            lead_times.get(supplier),
            (Decimal(sum(leads[supplier])) / len(leads[supplier])).quantize(Decimal("0.01"))
            if leads[supplier]
            else None,
            percent(Decimal(on_time[supplier]), Decimal(judged[supplier])),
        )
        for supplier in count
    ]
    rows.sort(key=lambda row: str(row[0]).lower())
    return Report(
        "purchasing",
        "Supplier performance",
        parameters,
        [
            Column("Supplier", width=2.4),
            Column("Orders", Kind.INT, total=True, width=0.7),
            Column("Ordered", Kind.INT, total=True, width=0.8),
            Column("Received", Kind.INT, total=True, width=0.8),
            Column("Fill rate", Kind.PERCENT, width=0.8),
            Column("Promised lead (days)", Kind.INT, width=1.1),
            Column("Actual lead (days)", Kind.NUMBER, width=1.1),
            Column("On time", Kind.PERCENT, width=0.8),
        ],
        rows_of(rows),
        [
            "Orders submitted in the period. Fill rate = received / ordered units. Actual lead = days from "
            "submission to the first receipt (average). On time: first receipt on or before the expected "
            "date "
            "(or submission + the supplier's lead time), over orders that arrived or are overdue."
        ],
        landscape=True,
    )


# -- sales -------------------------------------------------------------------------------------------


def period_key(at: dt.datetime, group: SalesGroup) -> dt.date:
    day = at.astimezone(dt.UTC).date()
    if group is SalesGroup.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if group is SalesGroup.MONTH:
        return day.replace(day=1)
    return day


SalesKey = int | dt.date | None
SALES_FIRST_COLUMNS = {
    SalesGroup.PRODUCT: [Column("SKU", width=1.2), Column("Product", width=3)],
    SalesGroup.CATEGORY: [Column("Category", width=3)],
    SalesGroup.DAY: [Column("Day", Kind.DATE, width=1.2)],
    SalesGroup.WEEK: [Column("Week from", Kind.DATE, width=1.2)],
    SalesGroup.MONTH: [Column("Month", Kind.DATE, width=1.2)],
}


def _sales_label(
    key: SalesKey, group: SalesGroup, products: dict[int, ProductInfo], names: Names
) -> tuple[str | dt.date, ...]:
    if group is SalesGroup.PRODUCT:
        assert isinstance(key, int)
        return (products[key].sku, products[key].name)
    if group is SalesGroup.CATEGORY:
        return (names.of(names.categories, key if isinstance(key, int) else None),)
    assert isinstance(key, dt.date)
    return (key,)


async def sales(repo: ReportRepository, p: SalesParams, now: dt.datetime) -> Report:
    products = await repo.products(ProductFilter(p.category_id))
    names = await Names.load(repo)
    orders: dict[SalesKey, set[int]] = defaultdict(set)
    units: dict[SalesKey, int] = defaultdict(int)
    revenue: dict[SalesKey, Decimal] = defaultdict(Decimal)
    cost: dict[SalesKey, Decimal] = defaultdict(Decimal)
    async for line in repo.sale_lines(p.start, p.end):
        product = products.get(line.product_id)
        if product is None:
            continue  # outside the category asked for
        key: SalesKey
        if p.group_by is SalesGroup.PRODUCT:
            key = line.product_id
        elif p.group_by is SalesGroup.CATEGORY:
            key = product.category_id
        else:
            key = period_key(line.created_at, p.group_by)
        orders[key].add(line.order_id)
        units[key] += line.quantity
        revenue[key] += line.unit_price * line.quantity
        cost[key] += product.unit_cost * line.quantity
    rows: list[Row] = []
    for key, sold in units.items():
        margin = revenue[key] - cost[key]
        figures = (len(orders[key]), sold, money(revenue[key]), money(cost[key]), money(margin))
        rows.append(
            (*_sales_label(key, p.group_by, products, names), *figures, percent(margin, revenue[key]))
        )
    rows.sort(key=lambda row: (row[0] == NONE, str(row[0]).lower()))
    first = SALES_FIRST_COLUMNS[p.group_by]
    parameters = [("Period", f"{p.date_from} to {p.date_to} (UTC)"), ("Grouped by", p.group_by.value)]
    if p.category_id:
        parameters.append(("Category", names.of(names.categories, p.category_id)))
    return Report(
        "sales",
        f"Sales by {p.group_by.value}",
        parameters,
        [
            *first,
            Column("Orders", Kind.INT, width=0.7),
            Column("Units", Kind.INT, total=True, width=0.8),
            Column("Revenue", Kind.MONEY, total=True),
            Column("Cost", Kind.MONEY, total=True),
            Column("Margin", Kind.MONEY, total=True),
            Column("Margin %", Kind.PERCENT, width=0.8),
        ],
        rows_of(rows),
        [
            "From orders placed in the period, cancelled ones left out. Revenue = units x the order's unit "
            "price; cost at each product's unit cost. An order with several products counts once per group."
        ],
        landscape=p.group_by is SalesGroup.PRODUCT,
    )


# -- count variance ----------------------------------------------------------------------------------


async def count_variance(repo: ReportRepository, p: CountVarianceParams, now: dt.datetime) -> Report:
    products = await repo.products()
    names = await Names.load(repo)
    users = await repo.user_names()
    rows: list[Row] = []
    for count in await repo.counts(p.start, p.end, p.location_id):
        for line in count.lines:
            difference = int(line["difference"])
            if p.differences_only and difference == 0:
                continue
            product = products.get(int(line["product_id"]))
            unit_cost = product.unit_cost if product else Decimal(0)
            rows.append(
                (
                    count.created_at,
                    count.id,
                    names.of(names.locations, count.location_id),
                    "yes" if count.applied else "no",
                    users.get(count.actor_id, "") if count.actor_id else "",
                    product.sku if product else f"#{line['product_id']}",
                    product.name if product else "",
                    int(line["expected_quantity"]),
                    int(line["counted_quantity"]),
                    difference,
                    unit_cost,
                    money(unit_cost * difference),
                )
            )
    parameters = [("Period", f"{p.date_from} to {p.date_to} (UTC)")]
    if p.location_id is not None:
        parameters.append(("Location", names.of(names.locations, p.location_id)))
    if p.differences_only:
        parameters.append(("Lines", "differences only"))
    return Report(
        "count_variance",
        "Count variance",
        parameters,
        [
            Column("Counted (UTC)", Kind.DATETIME, width=1.2),
            Column("Count", Kind.INT, width=0.6),
            Column("Location", width=0.9),
            Column("Applied", width=0.6),
            Column("By", width=0.9),
            Column("SKU", width=1.1),
            Column("Product", width=2.2),
            Column("Expected", Kind.INT, total=True, width=0.8),
            Column("Counted", Kind.INT, total=True, width=0.8),
            Column("Difference", Kind.INT, total=True, width=0.8),
            Column("Unit cost", Kind.MONEY, width=0.8),
            Column("Value difference", Kind.MONEY, total=True),
        ],
        rows_of(rows),
        [
            "Each count as submitted: expected = the booked quantity at the location then; difference = "
            "counted "
            "- expected, valued at the product's unit cost. Applied: the differences were booked."
        ],
        landscape=True,
    )
