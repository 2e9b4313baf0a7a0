"""Property: the valuation as of any day equals replaying the log up to the end of that day (with or
without a closing-balance snapshot before it), and the valuation as of today equals today's stock
levels — for any history of movements."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal

from fastapi import FastAPI
from fllc_server.models import Category, Location, Product, StockSnapshot
from fllc_server.reports.snapshots import take_snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from .conftest import Golden, book

START = dt.date(2025, 1, 1)
DAYS = 540
NOW = dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC)
COSTS = [Decimal("0.99"), Decimal("12.50"), Decimal("3.00")]

movement = st.tuples(
    st.integers(0, 2),  # product
    st.integers(0, 1),  # location
    st.integers(-40, 60).filter(bool),  # delta
    st.integers(0, DAYS - 1),  # day
    st.sampled_from([0, 23]) | st.integers(0, 23),  # hour: the ends of the day most of all
)
_runs = itertools.count()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.lists(movement, min_size=1, max_size=12), data=st.data())
async def test_valuation_as_of_a_day_is_the_log_replayed_to_its_end(
    app: FastAPI, history: list[tuple[int, int, int, int, int]], data: st.DataObject
) -> None:
    # The day probed: mostly one on which something moved (or the day before), sometimes any.
    days = sorted({day for *_, day, _hour in history})
    probe = data.draw(
        st.sampled_from(days).flatmap(lambda d: st.sampled_from([d - 1, d])) | st.integers(-5, DAYS + 5)
    )
    state = app.state.fllc
    run = next(_runs)
    async with state.db.transaction() as session:  # each example in a category of its own
        await session.execute(delete(StockSnapshot))  # a snapshot of an earlier example misses this one's
        category = Category(name=f"run {run}")
        locations = [Location(code=f"R{run}-{n}", name="bin") for n in range(2)]
        session.add_all([category, *locations])
        await session.flush()
        products = [
            Product(sku=f"R{run}-P{n}", name=f"p{n}", category_id=category.id, unit_cost=COSTS[n])
            for n in range(3)
        ]
        session.add_all(products)
        await session.flush()
    for product, location, delta, day, hour in history:
        when = dt.datetime.combine(START + dt.timedelta(days=day), dt.time(hour), dt.UTC)
        await book(state, products[product].id, locations[location].id, delta, "sale", when)

    cut = data.draw(st.none() | st.integers(0, DAYS + 1))
    if cut is not None:  # sometimes a closing-balance snapshot, which the valuation then starts from
        async with state.db.transaction() as session:
            await take_snapshot(
                session, dt.datetime.combine(START + dt.timedelta(days=cut), dt.time(), dt.UTC)
            )

    as_of = START + dt.timedelta(days=probe)
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), dt.UTC)
    expected: dict[str, int] = defaultdict(int)
    for product, _location, delta, day, hour in history:
        if dt.datetime.combine(START + dt.timedelta(days=day), dt.time(hour), dt.UTC) < end:
            expected[products[product].sku] += delta
    golden = Golden(state)
    _, rows = await golden.report(
        "stock_valuation",
        {"group_by": "product", "as_of": as_of.isoformat(), "category_id": category.id},
        now=NOW,
    )
    assert {row[0]: (row[4], row[6]) for row in rows} == {
        sku: (units, units * COSTS[int(sku[-1])]) for sku, units in expected.items() if units
    }

    final: dict[str, int] = defaultdict(int)
    for product, _location, delta, _day, _hour in history:
        final[products[product].sku] += delta
    _, today = await golden.report(
        "stock_valuation", {"group_by": "product", "category_id": category.id}, now=NOW
    )
    assert {row[0]: row[4] for row in today} == {sku: units for sku, units in final.items() if units}
