"""Closing-balance snapshots: as-of valuations read the latest snapshot plus the log since it, and
give the same figures as the whole log replayed."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections import defaultdict

import pytest
from fllc_server.config import Settings
from fllc_server.infra.jobs import MemoryLease
from fllc_server.jobs.scheduler import Scheduler
from fllc_server.models import InventoryMovement, Job, Location, Product, StockSnapshot
from fllc_server.reports.repository import Level, ReportRepository
from fllc_server.reports.snapshots import snapshot_cut, take_snapshot
from fllc_server.reports.tasks import SNAPSHOT
from sqlalchemy import delete, func, insert, select

from .conftest import Golden, at


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"jobs_in_process": True, "jobs_scheduler": True, "jobs_tick_seconds": 0.2}
    )


DAYS = ["2025-12-31", "2026-01-10", "2026-03-31", "2026-04-15", "2026-06-14", "2026-06-15", "2026-06-29"]


async def _valuations(golden: Golden) -> dict[str, list[tuple[object, ...]]]:
    return {
        day: (await golden.report("stock_valuation", {"group_by": "product", "as_of": day}))[1]
        for day in DAYS
    }


async def test_a_snapshot_gives_the_same_figures_as_the_replay(golden: Golden) -> None:
    replayed = await _valuations(golden)
    async with golden.state.db.transaction() as session:
        assert await take_snapshot(session, at("2026-04-01", 0)) == 3  # hammer, saw, brush at MAIN
        assert await take_snapshot(session, at("2026-06-15", 0)) == 4
        assert await take_snapshot(session, at("2026-06-15", 0)) is None  # taken already
    assert await _valuations(golden) == replayed


async def test_as_of_reads_the_snapshot_not_the_log_before_it(golden: Golden) -> None:
    before = await _valuations(golden)
    async with golden.state.db.transaction() as session:
        await take_snapshot(session, at("2026-04-01", 0))
        # Without the log before the cut, only the snapshot can know what was there.
        await session.execute(
            delete(InventoryMovement).where(InventoryMovement.created_at < at("2026-04-01", 0))
        )
    after = await _valuations(golden)
    for day in DAYS[2:]:
        assert after[day] == before[day], day


async def test_snapshots_and_the_log_since_equal_the_replay_on_random_movements(golden: Golden) -> None:
    """The fast as-of path (latest snapshot at or before the date + one GROUP BY over the log since
    it) gives exactly the quantities of the whole log replayed, in SQL and in Python, at dates before,
    on and between snapshot cuts, over 508 random movements of every product and location."""
    rng = random.Random(12)
    start = at("2025-01-01", 0)
    cuts = sorted(start + dt.timedelta(days=rng.randint(1, 530)) for _ in range(4))
    # Movements stamped at a cut and a second before it: a snapshot holds what came before its cut.
    times = [start + dt.timedelta(minutes=rng.randint(0, 540 * 1440)) for _ in range(500)]
    times += [when for cut in cuts for when in (cut, cut - dt.timedelta(seconds=1))]
    async with golden.state.db.transaction() as session:
        products = list(await session.scalars(select(Product.id)))
        locations = list(await session.scalars(select(Location.id)))
        await session.execute(
            insert(InventoryMovement),
            [
                {
                    "product_id": rng.choice(products),
                    "location_id": rng.choice(locations),
                    "delta": rng.choice([-1, 1]) * rng.randint(1, 30),
                    "reason": "adjustment",
                    "created_at": when,
                }
                for when in times
            ],
        )
    probes = sorted(
        {start, *cuts, *(cut + dt.timedelta(minutes=1) for cut in cuts)}
        | {start + dt.timedelta(minutes=rng.randint(0, 560 * 1440)) for _ in range(12)}
    )

    async def quantities(fast: bool) -> dict[dt.datetime, list[Level]]:
        async with golden.state.db.replica_sessions() as session:
            repo = ReportRepository(session)
            return {
                end: sorted(await (repo.levels_before(end) if fast else repo.movement_sums(None, end)))
                for end in probes
            }

    replayed = await quantities(fast=False)
    async with golden.state.db.transaction() as session:
        log = (
            await session.execute(
                select(
                    InventoryMovement.product_id,
                    InventoryMovement.location_id,
                    InventoryMovement.delta,
                    InventoryMovement.created_at,
                )
            )
        ).all()
        for cut in cuts:
            assert await take_snapshot(session, cut) is not None
    for end in probes:
        by_hand: dict[tuple[int, int], int] = defaultdict(int)
        for product, location, delta, created in log:
            if created.replace(tzinfo=dt.UTC) < end:
                by_hand[(product, location)] += delta
        assert replayed[end] == sorted(Level(p, loc, q) for (p, loc), q in by_hand.items() if q), end
    assert await quantities(fast=True) == replayed


def test_the_cut_is_the_last_midnight_an_hour_past() -> None:
    assert snapshot_cut(dt.datetime(2026, 6, 30, 0, 30, tzinfo=dt.UTC)) == at("2026-06-29", 0)
    assert snapshot_cut(dt.datetime(2026, 6, 30, 1, 30, tzinfo=dt.UTC)) == at("2026-06-30", 0)


async def _snapshot_job(golden: Golden, slot: str) -> Job:
    state = golden.state
    for _ in range(600):
        async with state.db.sessions() as session:
            job = await session.scalar(select(Job).where(Job.dedupe_key == f"{SNAPSHOT}@{slot}"))
        if job is not None and job.status in ("succeeded", "failed"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"the snapshot job of {slot} did not finish")


async def test_the_periodic_job_writes_the_days_snapshot_and_valuation_reads_it(golden: Golden) -> None:
    """The scheduler, at 01:30 on 2026-06-30, sends the 01:00 slot of stock.snapshot; the job stores
    the balances at midnight; with the log before midnight gone, the valuation of 06-29 still
    comes out as the replay did, so it read the snapshot."""
    state = golden.state
    replayed = await _valuations(golden)
    scheduler = Scheduler(state, MemoryLease())
    await scheduler.tick(dt.datetime(2026, 6, 30, 1, 30, tzinfo=dt.UTC))
    job = await _snapshot_job(golden, "2026-06-30T01:00:00+00:00")
    assert job.status == "succeeded", job.error
    assert job.result == {"taken_at": "2026-06-30T00:00:00+00:00", "rows": 5, "taken_already": False}
    async with state.db.sessions() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(StockSnapshot)
            .where(StockSnapshot.taken_at == at("2026-06-30", 0))
        )
    assert stored == 5  # hammer at MAIN and BACK, saw at MAIN, paint at BACK, brush at MAIN
    await scheduler.tick(dt.datetime(2026, 6, 30, 2, 30, tzinfo=dt.UTC))  # the next hour: taken already
    again = await _snapshot_job(golden, "2026-06-30T02:00:00+00:00")
    assert again.result is not None
    assert again.result["taken_already"] is True
    async with state.db.transaction() as session:
        await session.execute(
            delete(InventoryMovement).where(InventoryMovement.created_at < at("2026-06-30", 0))
        )
    assert (await _valuations(golden))["2026-06-29"] == replayed["2026-06-29"]
