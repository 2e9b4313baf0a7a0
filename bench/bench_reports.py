"""Benchmark: report generation on MariaDB, each figure beside a floor from the same run.

    .venv/bin/python bench/bench_reports.py --products 10000 --movements 1000000

What it does: recreates the MariaDB database `fllc_bench_reports` (127.0.0.1:3306, root) and migrates
it; bulk-loads `--products` products in 20 categories and 10 locations and `--movements` inventory_log
rows spread over 10 years (intake, sales, adjustments), with stock_levels and quantity_on_hand equal
to the log's sums; then, in this process (the code a report job runs, storage in a temp folder):

- valuation by product as PDF, now (stock_levels): request to stored file; floor: the bare SELECT of
  the same level rows joined to their products;
- valuation as of a year ago (the log replayed) as CSV, then again from a closing-balance snapshot
  taken 30 days before that day; floor: one bare full scan of inventory_log (SELECT COUNT(*), SUM(delta));
- the movements report of the last `--xlsx-days` days (about 100,000 rows by default) as CSV and as
  XLSX, with the process's peak RSS before and after the XLSX; floor: the bare SELECT of the same
  log rows in the report's order, streamed.

Each figure is printed with the CPU seconds this process spent on it (every thread; the database
server's are not in it) beside its floor's; periodic jobs are off in this process so that no
snapshot or backup runs into the figures. `--reuse` measures the data a previous run loaded (the
snapshot the previous run took is deleted first).

Figures are printed, never asserted (see bench/_harness.py for why each has a floor).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from _harness import Figure, fresh_mariadb, machine_load, print_figures

DEFAULT_URL = "mysql+asyncmy://root@127.0.0.1:3306/fllc_bench_reports?charset=utf8mb4"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
YEARS = 10


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def load(url: str, products: int, movements: int) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    rng = random.Random(7)
    started = time.perf_counter()
    async with engine.begin() as db:
        await db.execute(
            text(
                "INSERT INTO categories (id, name, version, created_at, updated_at) VALUES "
                + ",".join(f"({n}, 'Category {n}', 1, NOW(), NOW())" for n in range(1, 21))
            )
        )
        await db.execute(
            text(
                "INSERT INTO locations (id, code, name, kind, version, created_at, updated_at) VALUES "
                + ",".join(f"({n}, 'L{n:02d}', 'Bin {n}', 'bin', 1, NOW(), NOW())" for n in range(1, 11))
            )
        )
        rows = [
            {
                "id": n,
                "sku": f"SKU-{n:06d}",
                "name": f"Product {n}",
                "category": n % 20 + 1,
                "cost": Decimal(rng.randint(50, 20000)) / 100,
            }
            for n in range(1, products + 1)
        ]
        for start in range(0, len(rows), 5000):
            await db.execute(
                text(
                    "INSERT INTO products (id, sku, name, description, category_id, unit_cost, price,"
                    " reorder_point, reorder_quantity, quantity_on_hand, version, created_at, updated_at)"
                    " VALUES (:id, :sku, :name,"
                    " '', :category, :cost, :cost, 5, 20, 0, 1, NOW(), NOW())"
                ),
                rows[start : start + 5000],
            )
    span = YEARS * 365 * 86400
    levels: dict[tuple[int, int], int] = {}
    batch = []
    for n in range(movements):
        product = rng.randint(1, products)
        location = product % 10 + 1
        have = levels.get((product, location), 0)
        delta = rng.randint(5, 50) if have < 10 or rng.random() < 0.35 else -rng.randint(1, min(have, 8))
        reason = "intake" if delta > 0 else ("sale" if rng.random() < 0.9 else "adjustment")
        levels[(product, location)] = have + delta
        at = NOW - dt.timedelta(seconds=span * (movements - n) / movements)
        batch.append({"p": product, "l": location, "d": delta, "r": reason, "t": at.replace(tzinfo=None)})
        if len(batch) == 20000 or n == movements - 1:
            async with engine.begin() as db:
                await db.execute(
                    text(
                        "INSERT INTO inventory_log (product_id, location_id, delta, reason, created_at)"
                        " VALUES (:p, :l, :d, :r, :t)"
                    ),
                    batch,
                )
            batch = []
    async with engine.begin() as db:
        level_rows = [{"p": p, "l": loc, "q": q} for (p, loc), q in levels.items()]
        for start in range(0, len(level_rows), 10000):
            await db.execute(
                text(
                    "INSERT INTO stock_levels (product_id, location_id, quantity, updated_at)"
                    " VALUES (:p, :l, :q, NOW())"
                ),
                level_rows[start : start + 10000],
            )
        await db.execute(
            text(
                "UPDATE products p SET quantity_on_hand = (SELECT COALESCE(SUM(quantity), 0)"
                " FROM stock_levels s WHERE s.product_id = p.id)"
            )
        )
    await engine.dispose()
    print(f"loaded {products:,} products, {movements:,} movements in {time.perf_counter() - started:.1f} s")


async def timed(coro) -> tuple[float, float, object]:
    """Wall seconds, CPU seconds of this process (every thread) and the result of `coro`."""
    cpu = time.process_time()
    started = time.perf_counter()
    result = await coro
    return time.perf_counter() - started, time.process_time() - cpu, result


async def measure(url: str, xlsx_days: int) -> list[Figure]:
    from asgi_lifespan import LifespanManager
    from fllc_server.app import create_app
    from fllc_server.config import Settings
    from fllc_server.reports.schemas import ReportRequest
    from fllc_server.reports.service import generate
    from pydantic import TypeAdapter
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    requests = TypeAdapter(ReportRequest)
    figures = []
    data = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    # No periodic jobs in this process (snapshots, backups): their CPU would count in the figures.
    settings = Settings(
        environment="test",
        data_dir=data,
        database_url=url,
        secret_key="b" * 48,
        log_level="WARNING",
        jobs_in_process=False,
        backup_every_minutes=0,
    )
    engine = create_async_engine(url)
    app = create_app(settings, migrate=False)
    async with LifespanManager(app):
        state = app.state.fllc

        async def floor_levels() -> None:
            async with engine.connect() as db:
                rows = await db.execute(
                    text(
                        "SELECT s.product_id, s.location_id, s.quantity, p.sku, p.name, p.unit_cost"
                        " FROM stock_levels s"
                        " JOIN products p ON p.id = s.product_id WHERE s.quantity <> 0"
                    )
                )
                rows.all()

        async def floor_scan() -> None:
            async with engine.connect() as db:
                (await db.execute(text("SELECT COUNT(*), SUM(delta) FROM inventory_log"))).all()

        async def floor_movements(start: dt.datetime) -> None:
            async with engine.connect() as db:
                result = await db.stream(
                    text(
                        "SELECT id, product_id, location_id, delta, reason, reason_code, user_id, note,"
                        " created_at FROM inventory_log WHERE created_at >= :start"
                        " ORDER BY product_id, created_at, id"
                    ),
                    {"start": start},
                )
                async for _row in result:
                    pass

        def report(kind: str, fmt: str, params: dict[str, object]):
            return generate(
                state,
                requests.validate_python({"kind": kind, "format": fmt, "params": params}),
                requested_by="bench",
            )

        def add(
            name: str,
            seconds: float,
            cpu: float,
            floor: float,
            floor_cpu: float,
            floor_name: str,
            target: float,
        ) -> None:
            figures.append(Figure(name, seconds, "s", floor, floor_name, target=target))
            figures.append(Figure("  its CPU (this process)", cpu, "s", floor_cpu, "the floor's CPU"))

        async with engine.begin() as db:  # --reuse: the replay figure must not find last run's snapshot
            await db.execute(text("DELETE FROM stock_snapshots"))
        floor, floor_cpu, _ = await timed(floor_levels())
        seconds, cpu, made = await timed(report("stock_valuation", "pdf", {"group_by": "product"}))
        add(f"valuation PDF now ({made.rows:,} rows)", seconds, cpu, floor, floor_cpu, "bare SELECT", 2.0)
        year_ago = (NOW - dt.timedelta(days=365)).date().isoformat()
        floor, floor_cpu, _ = await timed(floor_scan())
        seconds, cpu, made = await timed(
            report("stock_valuation", "csv", {"group_by": "product", "as_of": year_ago})
        )
        add(
            f"valuation as of a year ago ({made.rows:,} rows)",
            seconds,
            cpu,
            floor,
            floor_cpu,
            "log full scan",
            5.0,
        )
        from fllc_server.reports.snapshots import take_snapshot

        cut = dt.datetime.combine((NOW - dt.timedelta(days=395)).date(), dt.time(), dt.UTC)
        async with state.db.transaction() as session:
            await take_snapshot(session, cut)
        seconds, cpu, made = await timed(
            report("stock_valuation", "csv", {"group_by": "product", "as_of": year_ago})
        )
        add("... from a snapshot 30 days before it", seconds, cpu, floor, floor_cpu, "log full scan", 5.0)
        period = {"date_from": (NOW - dt.timedelta(days=xlsx_days - 1)).date().isoformat()}
        start = dt.datetime.combine(NOW.date() - dt.timedelta(days=xlsx_days - 1), dt.time())
        floor, floor_cpu, _ = await timed(floor_movements(start))
        csv_seconds, csv_cpu, made = await timed(report("stock_movements", "csv", period))
        add(
            f"movements CSV ({made.rows:,} rows)",
            csv_seconds,
            csv_cpu,
            floor,
            floor_cpu,
            "bare SELECT streamed",
            10.0,
        )
        before = peak_rss_mb()
        seconds, cpu, made = await timed(report("stock_movements", "xlsx", period))
        add(
            f"movements XLSX ({made.rows:,} rows)",
            seconds,
            cpu,
            floor,
            floor_cpu,
            "bare SELECT streamed",
            10.0,
        )
        print(
            f"peak RSS: {before:.0f} MB before the XLSX, {peak_rss_mb():.0f} MB after;"
            f" file {made.size / 1e6:.1f} MB"
        )
    await engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--xlsx-days", type=int, default=365)
    parser.add_argument("--database-url", default=os.environ.get("FLLC_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reuse", action="store_true", help="measure the data a previous run loaded")
    args = parser.parse_args()
    load_before = machine_load()
    if not args.reuse:
        fresh_mariadb(args.database_url)
        from fllc_server.migrations import upgrade

        upgrade(args.database_url)
        asyncio.run(load(args.database_url, args.products, args.movements))
    figures = asyncio.run(measure(args.database_url, args.xlsx_days))
    print_figures("reports", figures, load_before)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
