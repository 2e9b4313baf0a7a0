#!/usr/bin/env python3
"""Scanning benchmarks: prints figures, asserts nothing (see DESIGN.md: tests assert behaviour).

    .venv/bin/python bench/bench_scanning.py                # all four
    .venv/bin/python bench/bench_scanning.py --only scan lookup wedge --backlog 2000

1. scan → op committed (outbox, synchronous=FULL) → feedback shown, on the real Receive screen
   (offscreen Qt), p50/p99 — target p99 <= 20 ms;
2. local lookup by barcode over 100,000 products in the catalog replica (``ScanDesk.resolve``, what
   a scan does), p50/p99 — target p99 <= 5 ms;
3. draining a 10,000-op backlog to a local server (a real ``fllc-server`` process, embedded
   default) with the sync engine — target <= 10 s;
4. the keyboard-wedge detector over the recorded keystroke timings in tests/scanning/data —
   target 0 misclassified.

Each timed figure is printed beside a floor measured in the same run on the same disk: a bare
SQLite insert committed with WAL and synchronous=FULL (the outbox's durability, none of our code)
for the scan, an indexed SELECT by a text key over as many rows for the lookup, and the same number
of rows inserted in bare transactions of the push's batch size for the backlog. Then the load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "durability"))
sys.path.insert(0, str(ROOT / "bench"))

from _harness import Figure, machine_load, print_figures  # noqa: E402

from fllc_desktop.api.models import Change  # noqa: E402
from fllc_desktop.domain.barcodes import gs1_check_digit  # noqa: E402
from fllc_desktop.domain.permissions import Grants, Role  # noqa: E402
from fllc_desktop.floor.desk import ScanDesk  # noqa: E402
from fllc_desktop.store import LocalStore, OpOwner  # noqa: E402

SERVER = "http://bench.local"


def ean13(number: int) -> str:
    payload = f"{number:012d}"
    return payload + str(gs1_check_digit(payload))


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    median = statistics.median(ordered)
    return f"p50 {median:.2f} ms, p99 {p99:.2f} ms, max {ordered[-1]:.2f} ms (n={len(ordered)})"


FIGURES: list[Figure] = []


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def bare_sqlite(folder: Path, synchronous: str) -> sqlite3.Connection:
    connection = sqlite3.connect(folder / "floor.sqlite3", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    connection.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v TEXT)")
    return connection


def floor_commit_ms(count: int) -> list[float]:
    """One small row inserted and committed (WAL, synchronous=FULL), ``count`` times."""
    with tempfile.TemporaryDirectory() as folder:
        connection = bare_sqlite(Path(folder), "FULL")
        samples = []
        for n in range(count):
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO t (k, v) VALUES (?, ?)", (f"op-{n}", '{"quantity": 1}'))
            connection.execute("COMMIT")
            samples.append((time.perf_counter() - started) * 1000)
        connection.close()
        return samples


def floor_lookup_ms(rows: int, lookups: int) -> list[float]:
    """An indexed SELECT by a text key over ``rows`` rows, ``lookups`` times."""
    with tempfile.TemporaryDirectory() as folder:
        connection = bare_sqlite(Path(folder), "NORMAL")
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO t (k, v) VALUES (?, 'x')", ((ean13(n),) for n in range(rows)))
        connection.execute("COMMIT")
        samples = []
        for _ in range(lookups):
            key = ean13(random.randrange(rows))
            started = time.perf_counter()
            assert connection.execute("SELECT id, v FROM t WHERE k = ?", (key,)).fetchone() is not None
            samples.append((time.perf_counter() - started) * 1000)
        connection.close()
        return samples


def floor_rows_seconds(rows: int, batch: int) -> float:
    """``rows`` rows inserted in bare transactions of ``batch`` (WAL, synchronous=FULL)."""
    with tempfile.TemporaryDirectory() as folder:
        connection = bare_sqlite(Path(folder), "FULL")
        started = time.perf_counter()
        for start in range(0, rows, batch):
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(
                "INSERT INTO t (k, v) VALUES (?, 'x')",
                ((f"r-{n}",) for n in range(start, min(rows, start + batch))),
            )
            connection.execute("COMMIT")
        seconds = time.perf_counter() - started
        connection.close()
        return seconds


def fill_catalog(store: LocalStore, count: int) -> list[str]:
    barcodes = [ean13(400_000_000_000 + i) for i in range(count)]
    batch: list[Change] = []
    for i, code in enumerate(barcodes, start=1):
        data = {
            "id": i,
            "sku": f"SKU-{i:06d}",
            "name": f"Product {i} widget",
            "barcode": code,
            "quantity_on_hand": i % 50,
            "version": 1,
            "price": "1.00",
        }
        batch.append(Change(seq=i, entity="product", entity_id=i, deleted=False, data=data))
        if len(batch) == 5000:
            store.catalog.apply_changes(batch, cursor=i)
            batch = []
    store.catalog.apply_changes(
        [
            *batch,
            Change(
                seq=count + 1,
                entity="location",
                entity_id=1,
                deleted=False,
                data={"id": 1, "code": "A-01", "name": "Aisle 1"},
            ),
        ],
        cursor=count + 1,
    )
    return barcodes


def bench_scan_to_feedback(scans: int) -> None:
    from PySide6.QtWidgets import QApplication

    from fllc_desktop.qt.pyside_compat import protect_singletons_from_refcount_bugs
    from fllc_desktop.ui.screens.scan_receive import ReceiveScreen

    protect_singletons_from_refcount_bugs()  # PySide6 6.12 on 3.11: thousands of emits end in bool_dealloc
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        store, _ = LocalStore.open_or_recover(Path(folder))
        codes = fill_catalog(store, 2000)
        desk = ScanDesk(store, OpOwner.of(SERVER, 1), Grants.for_role(Role.STAFF))
        screen = ReceiveScreen(desk)
        screen.resize(1024, 768)
        screen.show()
        app.processEvents()
        samples = []
        for _ in range(scans):
            code = random.choice(codes)
            started = time.perf_counter()
            screen.accept_scan(code)
            screen.handle_queued_scans()  # resolve, enqueue (commit), then flash + repaint
            samples.append((time.perf_counter() - started) * 1000)
            assert screen.feedback.tone == "ok"
            app.processEvents()
        print(f"scan -> op committed -> feedback shown: {percentiles(samples)}  [target p99 <= 20 ms]")
        bare = floor_commit_ms(scans)
        FIGURES.append(
            Figure(
                "scan -> committed -> shown p50",
                statistics.median(samples),
                "ms",
                statistics.median(bare),
                "bare commit p50",
            )
        )
        FIGURES.append(
            Figure("scan -> committed -> shown p99", p99(samples), "ms", p99(bare), "bare commit p99", 20.0)
        )
        screen.close()
        store.close()


def bench_lookup(products: int, lookups: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store, _ = LocalStore.open_or_recover(Path(folder))
        started = time.perf_counter()
        codes = fill_catalog(store, products)
        print(f"(filled a replica with {products:,} products in {time.perf_counter() - started:.1f} s)")
        desk = ScanDesk(store, OpOwner.of(SERVER, 1), Grants.for_role(Role.STAFF))
        samples = []
        for _ in range(lookups):
            code = random.choice(codes)
            started = time.perf_counter()
            resolved = desk.resolve(code)
            samples.append((time.perf_counter() - started) * 1000)
            assert resolved.product is not None
        print(
            f"local lookup by barcode over {products:,} products: {percentiles(samples)}",
            " [target p99 <= 5 ms]",
        )
        bare = floor_lookup_ms(products, lookups)
        FIGURES.append(
            Figure("lookup by barcode p99", p99(samples), "ms", p99(bare), "bare indexed SELECT p99", 5.0)
        )
        store.close()


def bench_backlog(ops: int) -> None:
    from client_proc import api_client

    from fllc_desktop.sync import SyncEngine
    from server import ADMIN, durability_server

    with tempfile.TemporaryDirectory() as folder:
        server = durability_server(Path(folder) / "server")
        server.create_user(ADMIN[0], "admin", ADMIN[1])
        server.create_user("benchtab", "staff", "benchtab-pass-1")
        server.start()
        try:
            admin = api_client(server.url)
            admin.auth.login(*ADMIN)
            product = admin.products.create(
                {"sku": "BENCH-1", "name": "Bench item", "price": "1.00", "barcode": ean13(123_456_789)}
            )
            client = api_client(server.url)
            user = client.auth.login("benchtab", "benchtab-pass-1").user
            store, _ = LocalStore.open_or_recover(Path(folder) / "tablet")
            owner = OpOwner.of(server.url, user.id)
            desk = ScanDesk(store, owner, user.grants)
            location = admin.locations.create({"code": "BENCH-A", "name": "Bench aisle"})
            for _ in range(ops):
                desk.receive(product["id"], 1, location_id=location["id"])
            engine = SyncEngine(client.sync, store.outbox, store.catalog, owner, "bench-tablet")
            started = time.perf_counter()
            while engine.refresh_counts().pending:
                report = engine.sync_once()
                if report.error is not None:
                    print(f"  sync error: {report.error.title}: {report.error.message}")
            elapsed = time.perf_counter() - started
            on_hand = admin.products.get(product["id"])["quantity_on_hand"]
            attention = store.outbox.counts(owner).needs_attention
            print(
                f"draining a {ops:,}-op backlog to a local server: {elapsed:.1f} s "
                f"({ops / elapsed:.0f} ops/s; server quantity now {on_hand}, {attention} refused)",
                " [target <= 10 s for 10,000]",
            )
            batch = engine.batch_size
            bare = floor_rows_seconds(ops, batch)
            target = 10.0 * ops / 10_000
            FIGURES.append(
                Figure(
                    f"drain a {ops:,}-op backlog",
                    elapsed,
                    "s",
                    bare,
                    f"bare rows, batches of {batch}",
                    target,
                )
            )
            store.close()
        finally:
            server.stop()


def bench_wedge() -> None:
    from fllc_desktop.scanning.wedge import WedgeDetector

    recordings = json.loads((ROOT / "tests/scanning/data/keystrokes.json").read_text())["recordings"]
    wrong = []
    keys = 0
    started = time.perf_counter()
    for recording in recordings:
        detector, scans, typed = WedgeDetector(), [], ""
        for text, at_ms in recording["keys"]:
            verdict = detector.feed_key(text, at=at_ms / 1000)
            typed += "".join(k.text for k in verdict.replay) + ("" if verdict.swallow else text)
            scans += [verdict.scan] if verdict.scan is not None else []
            keys += 1
        typed += "".join(k.text for k in detector.release_pending())
        if scans != recording["scans"] or typed != recording["typed"]:
            wrong.append(recording["name"])
    per_key_us = (time.perf_counter() - started) / max(1, keys) * 1e6
    print(
        f"wedge detector over {len(recordings)} recorded sessions ({keys:,} keys): "
        f"{len(wrong)} misclassified {wrong or ''} ({per_key_us:.1f} µs/key)  [target 0]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="*", default=["scan", "lookup", "backlog", "wedge"])
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=5000)
    parser.add_argument("--backlog", type=int, default=10_000)
    args = parser.parse_args()
    random.seed(7)
    before = machine_load()
    if "wedge" in args.only:
        bench_wedge()
    if "scan" in args.only:
        bench_scan_to_feedback(args.scans)
    if "lookup" in args.only:
        bench_lookup(args.products, args.lookups)
    if "backlog" in args.only:
        bench_backlog(args.backlog)
    print_figures("scanning beside bare SQLite", FIGURES, before)
    sys.stdout.flush()
    os._exit(0)  # skip Qt's teardown at interpreter exit (PySide6 can crash while finalizing)


if __name__ == "__main__":
    main()
