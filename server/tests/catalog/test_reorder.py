"""The reorder rule is one rule: its SQL form (search, suggestions, reports) and its form for values
in memory (the in-process index) agree on every edge, on the backend under test."""

from __future__ import annotations

import itertools

from fastapi import FastAPI
from fllc_server.catalog.reorder import needs_reorder, needs_reorder_clause
from fllc_server.models import Product
from sqlalchemy import select

EDGES = [0, 1, 5]  # no policy, the smallest policy, an ordinary one
ON_HAND = [-1, 0, 1, 4, 5, 6]  # below, at and above each point (negative: oversold)


async def test_sql_and_memory_agree_on_every_edge(app: FastAPI) -> None:
    cases = list(itertools.product(EDGES, EDGES, ON_HAND))
    db = app.state.fllc.db
    async with db.transaction() as session:
        session.add_all(
            Product(
                sku=f"R-{n:03d}",
                name=f"Reorder case {n}",
                reorder_point=point,
                reorder_quantity=quantity,
                quantity_on_hand=on_hand,
            )
            for n, (point, quantity, on_hand) in enumerate(cases)
        )
    async with db.sessions() as session:
        flagged = set(await session.scalars(select(Product.sku).where(needs_reorder_clause(Product))))
    expected = {
        f"R-{n:03d}"
        for n, (point, quantity, on_hand) in enumerate(cases)
        if needs_reorder(reorder_point=point, reorder_quantity=quantity, quantity_on_hand=on_hand)
    }
    assert flagged == expected
    assert "R-000" not in flagged  # no policy at all (0, 0) never needs reordering, even when oversold
    assert needs_reorder(reorder_point=0, reorder_quantity=5, quantity_on_hand=0)  # run out, with a quantity
    assert not needs_reorder(reorder_point=5, reorder_quantity=0, quantity_on_hand=6)
