"""The stock reports' rules: valuation as of a date, low stock, movements with running balance,
ageing by receipt date (first in, first out) and ABC with turnover. Each builds a `Report` from
what `ReportRepository` reads; the figures are ones a person can redo by hand from the log."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

from fllc_server.models import Category, Location, Supplier
from fllc_server.purchasing.repository import PurchaseOrderRepository
from fllc_server.purchasing.suggestions import suggested_quantity
from fllc_server.reports.repository import Level, ProductFilter, ProductInfo, ReportRepository
from fllc_server.reports.schemas import (
    AbcParams,
    AgeingMeasure,
    LowStockParams,
    StockAgeingParams,
    StockMovementsParams,
    StockValuationParams,
    ValuationGroup,
)
from fllc_server.reports.table import Column, Kind, Report, Row, rows_of

NONE = "(none)"
CENT = Decimal("0.01")
BUCKETS = (
    (0, 30, "0-30 days"),
    (31, 90, "31-90 days"),
    (91, 180, "91-180 days"),
    (181, None, "over 180 days"),
)


def end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part * 100 / whole).quantize(CENT) if whole else None


@dataclass
class Names:
    categories: dict[int, str]
    suppliers: dict[int, str]
    locations: dict[int, str]

    @classmethod
    async def load(cls, repo: ReportRepository) -> Names:
        return cls(await repo.names(Category), await repo.names(Supplier), await repo.names(Location))

    def of(self, table: dict[int, str], key: int | None) -> str:
        return table.get(key, f"#{key}") if key is not None else NONE


# -- stock valuation ---------------------------------------------------------------------------------


async def quantities_at(repo: ReportRepository, as_of: dt.date | None, now: dt.datetime) -> list[Level]:
    """Stock per product and location at the end of `as_of`: today's levels when that is now
    (nothing is booked in the future), else every movement before it replayed."""
    if as_of is None or end_of_day(as_of) > now:
        return await repo.levels_now()
    return await repo.levels_before(end_of_day(as_of))


async def stock_valuation(repo: ReportRepository, p: StockValuationParams, now: dt.datetime) -> Report:
    products = await repo.products(ProductFilter(p.category_id, p.supplier_id))
    names = await Names.load(repo)
    levels = [
        level
        for level in await quantities_at(repo, p.as_of, now)
        if level.product_id in products and (p.location_id is None or level.location_id == p.location_id)
    ]
    as_of = (
        p.as_of.isoformat() + " (end of day, UTC)" if p.as_of else now.strftime("%Y-%m-%d %H:%M UTC (now)")
    )
    parameters = [("As of", as_of), ("Grouped by", p.group_by.value), *_scope(p, names)]
    notes = [
        "Quantities replay inventory_log up to the date; each unit is valued at its product's unit cost."
    ]
    if p.group_by is ValuationGroup.PRODUCT:
        return Report(
            "stock_valuation",
            "Stock valuation by product",
            parameters,
            [
                Column("SKU", width=1.2),
                Column("Product", width=3),
                Column("Category", width=1.5),
                Column("Supplier", width=1.5),
                Column("Units", Kind.INT, total=True, width=0.8),
                Column("Unit cost", Kind.MONEY, width=0.9),
                Column("Value", Kind.MONEY, total=True),
            ],
            rows_of(_valuation_by_product(levels, products, names)),
            notes,
            landscape=True,
        )
    return Report(
        "stock_valuation",
        f"Stock valuation by {p.group_by.value}",
        parameters,
        [
            Column(p.group_by.value.capitalize(), width=3),
            Column("SKUs", Kind.INT, total=True),
            Column("Units", Kind.INT, total=True),
            Column("Value", Kind.MONEY, total=True, width=1.3),
            Column("Share of value", Kind.PERCENT),
        ],
        rows_of(_valuation_by_group(levels, products, names, p.group_by)),
        notes,
    )


def _valuation_by_product(levels: list[Level], products: dict[int, ProductInfo], names: Names) -> list[Row]:
    units: dict[int, int] = defaultdict(int)
    for level in levels:
        units[level.product_id] += level.quantity
    rows: list[Row] = []
    for product_id, quantity in units.items():
        if quantity == 0:
            continue
        product = products[product_id]
        rows.append(
            (
                product.sku,
                product.name,
                names.of(names.categories, product.category_id),
                names.of(names.suppliers, product.supplier_id),
                quantity,
                product.unit_cost,
                money(product.unit_cost * quantity),
            )
        )
    return sorted(rows, key=lambda row: str(row[0]))


def _valuation_by_group(
    levels: list[Level], products: dict[int, ProductInfo], names: Names, group: ValuationGroup
) -> list[Row]:
    units: dict[int | None, int] = defaultdict(int)
    value: dict[int | None, Decimal] = defaultdict(Decimal)
    skus: dict[int | None, set[int]] = defaultdict(set)
    for level in levels:
        product = products[level.product_id]
        key = {
            ValuationGroup.CATEGORY: product.category_id,
            ValuationGroup.SUPPLIER: product.supplier_id,
            ValuationGroup.LOCATION: level.location_id,
        }[group]
        units[key] += level.quantity
        value[key] += product.unit_cost * level.quantity
        skus[key].add(level.product_id)
    table = {
        ValuationGroup.CATEGORY: names.categories,
        ValuationGroup.SUPPLIER: names.suppliers,
        ValuationGroup.LOCATION: names.locations,
    }[group]
    whole = sum(value.values(), Decimal(0))
    rows = [
        (names.of(table, key), len(skus[key]), units[key], money(value[key]), percent(value[key], whole))
        for key in units
    ]
    return sorted(rows, key=lambda row: (row[0] == NONE, str(row[0]).lower()))


def _scope(
    p: StockValuationParams | StockAgeingParams | LowStockParams, names: Names
) -> list[tuple[str, str]]:
    scope = []
    if p.category_id is not None:
        scope.append(("Category", names.of(names.categories, p.category_id)))
    if p.supplier_id is not None:
        scope.append(("Supplier", names.of(names.suppliers, p.supplier_id)))
    location_id = getattr(p, "location_id", None)
    if location_id is not None:
        scope.append(("Location", names.of(names.locations, location_id)))
    return scope


# -- low stock ---------------------------------------------------------------------------------------


async def low_stock(repo: ReportRepository, p: LowStockParams, now: dt.datetime) -> Report:
    """The products /purchase-orders/suggestions looks at, with the same on-order and suggested
    figures (suggested shown as 0 where on-order already covers it)."""
    products = await repo.products(ProductFilter(p.category_id, p.supplier_id))
    names = await Names.load(repo)
    low = [
        product
        for product in products.values()
        if not product.deleted
        and product.quantity_on_hand <= product.reorder_point
        and (product.reorder_point > 0 or product.reorder_quantity > 0)
    ]
    on_order = await PurchaseOrderRepository(repo.session).on_order([product.id for product in low])
    rows: list[Row] = []
    for product in low:
        ordered = on_order.get(product.id, 0)
        suggested = max(0, suggested_quantity(product, ordered))  # type: ignore[arg-type]
        rows.append(
            (
                names.of(names.suppliers, product.supplier_id),
                product.sku,
                product.name,
                product.quantity_on_hand,
                product.reorder_point,
                product.reorder_quantity,
                ordered,
                suggested,
                product.unit_cost,
                money(product.unit_cost * suggested),
            )
        )
    rows.sort(key=lambda row: (row[0] == NONE, str(row[0]).lower(), str(row[1])))
    return Report(
        "low_stock",
        "Low stock and reorder",
        [("At", now.strftime("%Y-%m-%d %H:%M UTC")), *_scope(p, names)],
        [
            Column("Supplier", width=1.6),
            Column("SKU", width=1.2),
            Column("Product", width=2.8),
            Column("On hand", Kind.INT, width=0.8),
            Column("Reorder point", Kind.INT, width=0.9),
            Column("Reorder qty", Kind.INT, width=0.9),
            Column("On order", Kind.INT, total=True, width=0.8),
            Column("Suggested", Kind.INT, total=True, width=0.8),
            Column("Unit cost", Kind.MONEY, width=0.9),
            Column("Suggested value", Kind.MONEY, total=True),
        ],
        rows_of(rows),
        [
            "Products at or below their reorder point. On order: still expected on draft, submitted and "
            "partially received purchase orders. Suggested = max(reorder qty, reorder point - on hand + 1) "
            "- on order, as in the purchase order suggestions."
        ],
        landscape=True,
    )


# -- movements ---------------------------------------------------------------------------------------


async def stock_movements(repo: ReportRepository, p: StockMovementsParams, now: dt.datetime) -> Report:
    names = await Names.load(repo)
    users = await repo.user_names()
    products = await repo.products()
    opening = await repo.balances_before(p.start, product_id=p.product_id, location_id=p.location_id)
    parameters = [("Period", f"{p.date_from} to {p.date_to} (UTC)")]
    if p.product_id is not None:
        product = products.get(p.product_id)
        parameters.append(("Product", f"{product.sku} {product.name}" if product else f"#{p.product_id}"))
    if p.location_id is not None:
        parameters.append(("Location", names.of(names.locations, p.location_id)))
    if p.reason:
        parameters.append(("Reason", p.reason))
    if p.user_id is not None:
        parameters.append(("User", users.get(p.user_id, f"#{p.user_id}")))

    async def rows() -> AsyncIterator[Row]:
        balance: dict[tuple[int, int | None], int] = {}
        async for move in repo.movements(p.start, p.end, product_id=p.product_id, location_id=p.location_id):
            key = (move.product_id, move.location_id if p.location_id is not None else None)
            product = products[move.product_id]
            if key not in balance:
                balance[key] = opening.get(key, 0)
                yield (
                    p.start,
                    product.sku,
                    product.name,
                    None,
                    "opening balance",
                    None,
                    None,
                    None,
                    balance[key],
                )
            balance[key] += move.delta
            if (p.reason and move.reason != p.reason) or (
                p.user_id is not None and move.user_id != p.user_id
            ):
                continue
            reason = f"{move.reason} ({move.reason_code})" if move.reason_code else move.reason
            user = users.get(move.user_id, "") if move.user_id is not None else ""
            location = names.of(names.locations, move.location_id)
            yield (
                move.created_at,
                product.sku,
                product.name,
                location,
                reason,
                user,
                move.note,
                move.delta,
                balance[key],
            )

    scope = "at the location" if p.location_id is not None else "over all locations"
    return Report(
        "stock_movements",
        "Stock movements",
        parameters,
        [
            Column("When (UTC)", Kind.DATETIME, width=1.3),
            Column("SKU", width=1.1),
            Column("Product", width=2.4),
            Column("Location", width=0.9),
            Column("Reason", width=1.2),
            Column("User", width=0.9),
            Column("Note", width=1.6),
            Column("Change", Kind.INT, total=True, width=0.7),
            Column("Balance", Kind.INT, width=0.8),
        ],
        rows(),
        [
            f"Balance: the product's quantity {scope} after each movement; each product starts at its "
            "opening balance."
        ],
        landscape=True,
    )


# -- ageing ------------------------------------------------------------------------------------------


def bucket_of(age_days: int) -> int:
    for index, (low, high, _label) in enumerate(BUCKETS):
        if age_days >= low and (high is None or age_days <= high):
            return index
    return 0  # a receipt dated after today (clock skew) is new stock


def fifo_layers(
    on_hand: int, receipts_newest_first: list[tuple[int, dt.datetime]]
) -> list[tuple[int, dt.datetime]]:
    """What is left on the shelf under first in, first out: the newest receipts, as many as cover
    the quantity on hand (the oldest one only in part). Transfers are no receipts: moving stock
    to another bin does not make it younger."""
    layers = []
    left = on_hand
    for quantity, received_at in receipts_newest_first:
        if left <= 0:
            break
        take = min(quantity, left)
        layers.append((take, received_at))
        left -= take
    return layers


async def stock_ageing(repo: ReportRepository, p: StockAgeingParams, now: dt.datetime) -> Report:
    products = await repo.products(ProductFilter(p.category_id, p.supplier_id))
    names = await Names.load(repo)
    stocked = sorted(
        (pid for pid, info in products.items() if info.quantity_on_hand > 0), key=lambda i: products[i].sku
    )
    last = await repo.last_movements(stocked)
    receipts: dict[int, list[tuple[int, dt.datetime]]] = defaultdict(list)
    async for receipt in repo.receipts_newest_first(stocked):
        receipts[receipt.product_id].append((receipt.quantity, receipt.created_at))
    today = now.date()
    rows: list[Row] = []
    for product_id in stocked:
        product = products[product_id]
        moved = last.get(product_id)
        idle = (today - moved.date()).days if moved else None
        if p.min_days_idle and idle is not None and idle < p.min_days_idle:
            continue
        buckets = [0, 0, 0, 0]
        layers = fifo_layers(product.quantity_on_hand, receipts[product_id])
        for quantity, received_at in layers:
            buckets[bucket_of((today - received_at.date()).days)] += quantity
        buckets[-1] += product.quantity_on_hand - sum(q for q, _ in layers)  # no receipt on record: oldest
        oldest = max(((today - at.date()).days for _, at in layers), default=None)
        shown: list[int | Decimal] = (
            [money(product.unit_cost * units) for units in buckets]
            if p.measure is AgeingMeasure.VALUE
            else list(buckets)
        )
        rows.append(
            (
                product.sku,
                product.name,
                product.quantity_on_hand,
                product.unit_cost,
                money(product.unit_cost * product.quantity_on_hand),
                moved.date() if moved else None,
                idle,
                oldest,
                *shown,
            )
        )
    kind = Kind.MONEY if p.measure is AgeingMeasure.VALUE else Kind.INT
    parameters = [("At", today.isoformat()), ("Buckets show", p.measure.value), *_scope(p, names)]
    if p.min_days_idle:
        parameters.append(("Idle at least", f"{p.min_days_idle} days"))
    return Report(
        "stock_ageing",
        "Dead stock and ageing",
        parameters,
        [
            Column("SKU", width=1.1),
            Column("Product", width=2.4),
            Column("On hand", Kind.INT, total=True, width=0.8),
            Column("Unit cost", Kind.MONEY, width=0.8),
            Column("Value", Kind.MONEY, total=True),
            Column("Last movement", Kind.DATE, width=0.9),
            Column("Days idle", Kind.INT, width=0.7),
            Column("Oldest (days)", Kind.INT, width=0.8),
            *(Column(label, kind, total=True, width=0.9) for _, _, label in BUCKETS),
        ],
        rows_of(rows),
        [
            "Age by receipt date, first in first out: the units on hand are the newest receipts (intake, "
            "positive adjustments and counts); transfers between locations do not reset the age. Days idle: "
            "since the product's last movement of any kind."
        ],
        landscape=True,
    )


# -- ABC ---------------------------------------------------------------------------------------------


def abc_class(cumulative_before: Decimal, p: AbcParams) -> str:
    """A while the items before this one hold less than a_percent of the value, then B up to b_percent."""
    if cumulative_before < p.a_percent:
        return "A"
    if cumulative_before < p.b_percent:
        return "B"
    return "C"


async def abc_analysis(repo: ReportRepository, p: AbcParams, now: dt.datetime) -> Report:
    products = await repo.products(ProductFilter(p.category_id))
    names = await Names.load(repo)
    sold = {pid: units for pid, units in (await repo.consumption(p.start, p.end)).items() if pid in products}
    opening = _units(await repo.levels_before(p.start))
    closing = _units(await quantities_at(repo, p.date_to, now))
    ids = {pid for pid in set(sold) | {pid for pid, units in closing.items() if units} if pid in products}
    value = {pid: products[pid].unit_cost * sold.get(pid, 0) for pid in ids}
    whole = sum(value.values(), Decimal(0))
    ordered = sorted(ids, key=lambda pid: (-value[pid], products[pid].sku))
    rows: list[Row] = []
    cumulative = Decimal(0)
    for rank, pid in enumerate(ordered, start=1):
        product = products[pid]
        share = value[pid] * 100 / whole if whole else Decimal(0)
        klass = abc_class(cumulative, p) if value[pid] else "C"
        cumulative += share
        average = product.unit_cost * (opening.get(pid, 0) + closing.get(pid, 0)) / 2
        per_day = Decimal(sold.get(pid, 0)) / p.days
        rows.append(
            (
                rank,
                product.sku,
                product.name,
                sold.get(pid, 0),
                money(value[pid]),
                share.quantize(CENT),
                cumulative.quantize(CENT),
                klass,
                money(average),
                (value[pid] / average).quantize(CENT) if average > 0 else None,
                (Decimal(closing.get(pid, 0)) / per_day).quantize(CENT) if per_day > 0 else None,
            )
        )
    return Report(
        "abc_analysis",
        "ABC analysis, turnover and days of supply",
        [
            ("Period", f"{p.date_from} to {p.date_to} (UTC), {p.days} days"),
            ("Classes", f"A up to {p.a_percent}% of consumption value, B up to {p.b_percent}%, C the rest"),
            *([("Category", names.of(names.categories, p.category_id))] if p.category_id else []),
        ],
        [
            Column("Rank", Kind.INT, width=0.5),
            Column("SKU", width=1.1),
            Column("Product", width=2.4),
            Column("Units sold", Kind.INT, total=True, width=0.8),
            Column("Consumption value", Kind.MONEY, total=True),
            Column("Share", Kind.PERCENT, width=0.7),
            Column("Cumulative", Kind.PERCENT, width=0.8),
            Column("Class", width=0.5),
            Column("Avg stock value", Kind.MONEY, width=1),
            Column("Turnover", Kind.NUMBER, width=0.7),
            Column("Days of supply", Kind.NUMBER, width=0.9),
        ],
        rows_of(rows),
        [
            "Consumption value = units sold in the period x unit cost. Turnover = consumption value / "
            "average stock value ((opening + closing) / 2 at cost). Days of supply = closing units / units "
            "sold per day."
        ],
        landscape=True,
    )


def _units(levels: list[Level]) -> dict[int, int]:
    units: dict[int, int] = defaultdict(int)
    for level in levels:
        units[level.product_id] += level.quantity
    return units
