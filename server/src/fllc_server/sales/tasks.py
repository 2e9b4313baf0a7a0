"""The sales domain's background work: allocating back-orders (sales.backorders).

- `orders.allocate_backorders {product_ids}`: submitted in the transaction that freed units of
  products orders wait for (an arrival booked by the stock ledger, a cancel), sent after its commit.
- The same kind without `product_ids`, every SWEEP_EVERY: every product orders wait for (units
  freed on a path that submits nothing, such as a short pick's released reservation).

Running it again, or two at once, allocates nothing twice: it reads the current rows under the
reservations' locks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fllc_server.jobs.kinds import JobFailed, JobKind, JobKinds
from fllc_server.sales.backorders import ALLOCATE_JOB, SWEEP_EVERY, BackorderAllocation

if TYPE_CHECKING:
    from fllc_server.jobs.runner import JobContext


async def allocate_backorders(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    raw = params.get("product_ids")
    if raw is not None and not (isinstance(raw, list) and all(isinstance(p, int) for p in raw)):
        raise JobFailed("The job's product_ids must be a list of product ids")
    return await BackorderAllocation(context.state).run(raw)


def register(kinds: JobKinds) -> None:
    kinds.add(
        JobKind(
            ALLOCATE_JOB,
            allocate_backorders,
            title="Allocating back-orders",
            max_attempts=5,
            backoff_seconds=2,
        )
    )
    kinds.every(ALLOCATE_JOB, SWEEP_EVERY)
