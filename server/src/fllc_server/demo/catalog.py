"""Pure builders of the demo rows: categories, suppliers, products, customers, orders, reviews and
the stock history. Each returns plain dicts ready for a bulk INSERT; nothing here touches a database."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fllc_server.demo.words import (
    BRANDS,
    CITIES,
    COMPANY_WORDS,
    DEPARTMENTS,
    FIRST_NAMES,
    LAST_NAMES,
    REVIEW_BODIES,
    REVIEW_TITLES,
    STREETS,
    SUPPLIERS,
)

Row = dict[str, Any]
IN_STORE_PREFIX = "21"  # GS1 restricted-circulation (in-store) range 20-29: never clashes with real GTINs
CENT = Decimal("0.01")


def ean13_check_digit(first12: str) -> str:
    """GS1 check digit: weights 1,3,1,3... from the left over the first 12 digits."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def ean13(number: int) -> str:
    body = f"{IN_STORE_PREFIX}{number:010d}"
    return body + ean13_check_digit(body)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower())[:24]


@dataclass
class Ids:
    """The next free id of each table, so that rows carry their ids and need no RETURNING."""

    category: int
    supplier: int
    product: int
    customer: int
    address: int
    order: int
    order_item: int


def categories(ids: Ids, now: dt.datetime) -> list[Row]:
    return [
        {
            "id": ids.category + i,
            "name": dept.name,
            "parent_id": None,
            "version": 1,
            "deleted_at": None,
            "created_at": now,
            "updated_at": now,
        }
        for i, dept in enumerate(DEPARTMENTS)
    ]


def suppliers(ids: Ids, now: dt.datetime, rng: random.Random) -> list[Row]:
    return [
        {
            "id": ids.supplier + i,
            "name": name,
            "email": f"orders@{_slug(name)}.example.com",
            "phone": f"(555) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
            "lead_time_days": lead,
            "version": 1,
            "deleted_at": None,
            "created_at": now,
            "updated_at": now,
        }
        for i, (name, lead) in enumerate(SUPPLIERS)
    ]


def _price_pair(rng: random.Random, low: float, high: float) -> tuple[Decimal, Decimal]:
    cost = Decimal(str(round(rng.uniform(low, high), 2))).quantize(CENT)
    markup = Decimal(str(round(rng.uniform(1.35, 2.1), 2)))
    price = (cost * markup).quantize(Decimal("1")) - Decimal("0.01")
    return cost, max(price, (cost * Decimal("1.25")).quantize(CENT))


def product(index: int, ids: Ids, rng: random.Random, now: dt.datetime) -> Row:
    """One product of department `index % 10`: a brand, finish, type and size from the word lists."""
    dept_index = index % len(DEPARTMENTS)
    dept = DEPARTMENTS[dept_index]
    product_id = ids.product + index
    kind, sizes = rng.choice(dept.types)
    size, finish, brand = rng.choice(sizes), rng.choice(dept.finishes), rng.choice(BRANDS)
    cost, price = _price_pair(rng, *dept.cost_range)
    reorder_point = rng.choice((5, 8, 10, 12, 15, 20, 25, 30, 40, 50))
    own_supplier = rng.random() < 0.7
    supplier_index = dept_index if own_supplier else rng.randrange(len(SUPPLIERS))
    return {
        "id": product_id,
        "sku": f"{dept.code}-{product_id:06d}",
        "barcode": ean13(product_id),
        "name": f"{brand} {finish} {kind}, {size}",
        "description": f"{kind} ({size}), {finish.lower()}. {brand} quality for trade and home use.",
        "category_id": ids.category + dept_index,
        "supplier_id": ids.supplier + supplier_index,
        "unit_cost": cost,
        "price": price,
        "reorder_point": reorder_point,
        "reorder_quantity": reorder_point * rng.choice((2, 3, 4)),
        "quantity_on_hand": 0,  # set from the stock history
        "version": 1,
        "deleted_at": None,
        "created_at": now,
        "updated_at": now,
    }


def customers(count: int, ids: Ids, rng: random.Random, now: dt.datetime) -> tuple[list[Row], list[Row]]:
    people: list[Row] = []
    addresses: list[Row] = []
    for i in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        business = rng.random() < 0.25
        name = f"{last} {rng.choice(COMPANY_WORDS)}" if business else f"{first} {last}"
        customer_id = ids.customer + i
        people.append(
            {
                "id": customer_id,
                "name": name,
                "email": f"{first.lower()}.{last.lower()}{customer_id}@example.com",
                "phone": f"(555) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
                "created_at": now - dt.timedelta(days=rng.randint(30, 720)),
            }
        )
        kinds = ("shipping", "billing") if rng.random() < 0.3 else ("shipping",)
        for kind in kinds:
            city, region, zip3 = rng.choice(CITIES)
            addresses.append(
                {
                    "id": ids.address + len(addresses),
                    "customer_id": customer_id,
                    "kind": kind,
                    "line1": f"{rng.randint(10, 9999)} {rng.choice(STREETS)}",
                    "line2": rng.choice(
                        ("", "", "", f"Suite {rng.randint(100, 450)}", f"Apt {rng.randint(1, 40)}")
                    ),
                    "city": city,
                    "region": region,
                    "postal_code": f"{zip3}{rng.randint(10, 99)}",
                    "country": "US",
                }
            )
    return people, addresses


@dataclass
class Sales:
    """Orders and their items, and what each product sold (for the stock history)."""

    orders: list[Row] = field(default_factory=list)
    items: list[Row] = field(default_factory=list)
    sold: dict[int, list[tuple[int, int, dt.datetime]]] = field(default_factory=lambda: defaultdict(list))


_STATUSES = (("delivered", 70), ("shipped", 15), ("placed", 10), ("cancelled", 5))
_SOURCES = (("web", 50), ("pos", 35), ("manual", 15))


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def orders(
    count: int,
    products: list[Row],
    customer_ids: list[int],
    ids: Ids,
    *,
    rng: random.Random,
    now: dt.datetime,
) -> Sales:
    sales = Sales()
    for i in range(count):
        order_id = ids.order + i
        created = now - dt.timedelta(days=rng.uniform(0.5, 90))
        status, source = _weighted(rng, _STATUSES), _weighted(rng, _SOURCES)
        total = Decimal("0.00")
        for item in rng.sample(products, k=min(len(products), rng.randint(1, 4))):
            quantity = rng.randint(1, 5)
            total += item["price"] * quantity
            sales.items.append(
                {
                    "id": ids.order_item + len(sales.items),
                    "order_id": order_id,
                    "product_id": item["id"],
                    "quantity": quantity,
                    "unit_price": item["price"],
                }
            )
            if status != "cancelled":
                sales.sold[item["id"]].append((order_id, quantity, created))
        external = None if source == "manual" else f"{source.upper()}-{order_id:08d}"
        sales.orders.append(
            {
                "id": order_id,
                "number": f"SO-{order_id:07d}",
                "customer_id": rng.choice(customer_ids),
                "status": status,
                "source": source,
                "external_ref": external,
                "total": total.quantize(CENT),
                "created_at": created,
            }
        )
    return sales


def reviews(
    count: int, products: list[Row], customer_ids: list[int], rng: random.Random, now: dt.datetime
) -> list[Row]:
    rows = []
    for _ in range(count):
        rating = rng.choices((5, 4, 3, 2, 1), weights=(45, 30, 12, 7, 6))[0]
        rows.append(
            {
                "product_id": rng.choice(products)["id"],
                "customer_id": rng.choice(customer_ids),
                "rating": rating,
                "title": rng.choice(REVIEW_TITLES[rating]),
                "body": rng.choice(REVIEW_BODIES[rating]),
                "created_at": now - dt.timedelta(days=rng.uniform(0, 90)),
            }
        )
    return rows


@dataclass(frozen=True)
class Locations:
    main: int
    bins: tuple[int, ...]


@dataclass
class StockHistory:
    movements: list[Row] = field(default_factory=list)
    levels: list[Row] = field(default_factory=list)


def _targets(rng: random.Random, reorder_point: int) -> tuple[int, int]:
    """On hand at the main warehouse and in a bin: some out of stock, some low, most healthy."""
    roll = rng.random()
    if roll < 0.06:
        return 0, 0
    if roll < 0.18:
        return rng.randint(0, max(0, reorder_point - 1)), 0
    main = rng.randint(reorder_point, reorder_point * 6)
    return main, (rng.randint(4, 40) if rng.random() < 0.4 else 0)


def stock_history(
    item: Row,
    sold: list[tuple[int, int, dt.datetime]],
    where: Locations,
    *,
    user_id: int | None,
    rng: random.Random,
    now: dt.datetime,
) -> StockHistory:
    """Movements whose sums per location are the stock levels: intake, transfer, sales, losses."""
    main_qty, bin_qty = _targets(rng, item["reorder_point"])
    loss = rng.choice((0, 0, 0, 0, 1, 2))
    sold_total = sum(quantity for _, quantity, _ in sold)
    history = StockHistory()
    product_id, bin_id = item["id"], rng.choice(where.bins)

    def move(location: int, delta: int, reason: str, when: dt.datetime, **extra: Any) -> None:
        history.movements.append(
            {
                "product_id": product_id,
                "location_id": location,
                "delta": delta,
                "reason": reason,
                "reason_code": extra.get("reason_code"),
                "order_id": extra.get("order_id"),
                "lot": extra.get("lot"),
                "note": None,
                "user_id": extra.get("user_id", user_id),
                "created_at": when,
            }
        )

    intake = main_qty + bin_qty + sold_total + loss
    if intake:
        lot = f"L{rng.randint(2400, 2612)}-{rng.randint(100, 999)}" if rng.random() < 0.3 else None
        move(where.main, intake, "intake", now - dt.timedelta(days=rng.uniform(95, 120)), lot=lot)
    if bin_qty:
        moved_at = now - dt.timedelta(days=rng.uniform(60, 80))
        move(where.main, -bin_qty, "transfer", moved_at)
        move(bin_id, bin_qty, "transfer", moved_at)
    for order_id, quantity, when in sold:
        move(where.main, -quantity, "sale", when, order_id=order_id, user_id=None)
    if loss:
        move(
            where.main,
            -loss,
            "adjustment",
            now - dt.timedelta(days=rng.uniform(1, 30)),
            reason_code="damaged",
        )
    history.levels.append(
        {"product_id": product_id, "location_id": where.main, "quantity": main_qty, "updated_at": now}
    )
    if bin_qty:
        history.levels.append(
            {"product_id": product_id, "location_id": bin_id, "quantity": bin_qty, "updated_at": now}
        )
    item["quantity_on_hand"] = main_qty + bin_qty
    return history
