"""When a product needs reordering: the one rule that the search filter (`below_reorder`), the
in-process index, the reorder suggestions and the reports all use.

A product needs reordering when it has a reorder policy (a reorder point or a reorder quantity
above zero) and what is on hand has fallen to its reorder point or below. A product whose point is
0 but which has a reorder quantity is reordered when it runs out.

The rule is written twice, once for rows in memory and once for SQL, side by side here; a test
(server/tests/catalog/test_reorder.py) checks that both give the same answer on every edge.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_


def needs_reorder(*, reorder_point: int, reorder_quantity: int, quantity_on_hand: int) -> bool:
    """The rule for values in memory."""
    return (reorder_point > 0 or reorder_quantity > 0) and quantity_on_hand <= reorder_point


def needs_reorder_clause(product: Any) -> ColumnElement[bool]:
    """The rule as a SQL condition on `product` (the Product model or an alias of it)."""
    return and_(
        or_(product.reorder_point > 0, product.reorder_quantity > 0),
        product.quantity_on_hand <= product.reorder_point,
    )
