"""The floor under a real X server: scan → op committed → feedback painted, measured from the
scanner's last key.

Xvfb on a free display, a real server process (embedded), the real app (``tests/floor_x11/app_driver.py``,
built by ``app.build_app``) on the Receive screen, and a keyboard-wedge scanner imitated by ``xdotool
type --delay 8`` (code + Return). Each latency runs from the X server's timestamp of the Return key
(the scanner's last key; X11 timestamps are ``CLOCK_MONOTONIC`` milliseconds, the clock of
``time.monotonic``) to the moment the op was committed to the outbox and the moment the banner was
painted. Measured steady, then while 10,000 changes made on another tablet are pulled and applied.

The floor: the same xdotool keys to a bare Qt window on the same display that repaints a label on
Return — what the window system and Qt cost before any of the app's work. Run:
``.venv/bin/python bench/bench_floor_x11.py [--scans 60]`` (needs Xvfb and xdotool).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _harness import Figure, machine_load, percentile, print_figures  # noqa: E402

from tests.desktop_ui.server_process import PASSWORDS, USERNAMES, gui_server  # noqa: E402
from tests.floor_x11.conftest import (  # noqa: E402
    KEY_DELAY_MS,
    LIKE_HARDWARE,
    Display,
    Floor,
    RunningApp,
    _login,
    ean13,
)

TARGET_MS = 20.0
PULL_CHANGES = 10_000


def xdotool(display: Display, *args: str) -> None:
    env = {**os.environ, **display.env()}
    subprocess.run([*LIKE_HARDWARE, "xdotool", *args], env=env, check=True, timeout=60)


def bare_commit_latencies(folder: Path, count: int) -> list[float]:
    """What the outbox must pay before a scan may be confirmed: one small WAL commit, synchronous FULL."""
    folder.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(folder / "bare.sqlite3", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE IF NOT EXISTS ops (id INTEGER PRIMARY KEY, body TEXT)")
    latencies = []
    for number in range(count):
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO ops (body) VALUES (?)", (f"op {number}",))
        connection.execute("COMMIT")
        latencies.append(time.perf_counter() - started)
    connection.close()
    return latencies


def bare_window_latencies(display: Display, count: int, code: str) -> list[float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QT_")}
    env.update(display.env(), QT_QPA_PLATFORM="xcb", QT_SCALE_FACTOR="1")
    argv = [sys.executable, str(ROOT / "bench" / "x11_bare_window.py")]
    with subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as window:
        assert window.stdout is not None
        winid = json.loads(window.stdout.readline())["winid"]
        time.sleep(0.5)
        xdotool(display, "windowfocus", "--sync", str(winid))
        latencies = []
        for _ in range(count):
            xdotool(display, "type", "--delay", str(KEY_DELAY_MS), code + "\r")
            line = json.loads(window.stdout.readline())
            latencies.append(line["painted"] - line["enter_ts"])
            time.sleep(0.05)
        window.kill()
    return latencies


MISSES: Counter[str] = Counter()


def scan_once(app: RunningApp, code: str) -> dict[str, Any] | None:
    """One scan; its answer, or None (counted in ``MISSES``) when it was not booked as one scan."""
    before = len(app.handled)
    app.scan(code)
    app.wait_handled(before + 1, timeout=10)
    time.sleep(0.03)  # a split scan's second answer
    answers = app.handled[before:]
    if not answers:
        MISSES["no answer"] += 1
        return None
    if len(answers) > 1 or answers[0]["tone"] not in ("ok", "warning"):
        gaps = app.ask("state")["wide_gaps"]  # did the imitation lose the scanner's pace?
        said = "; ".join(f"{a['title']}: {a['detail']}" for a in answers)
        MISSES[f"split or refused ({said}; X-stamped gaps over 30 ms so far: {gaps})"] += 1
        return None
    return answers[0]


STEADY: list[dict[str, Any]] = []
"""The steady scans' answers, for the split of their latency and the slowest ones' profile."""


def app_latencies(app: RunningApp, codes: list[str]) -> tuple[list[float], list[float], int]:
    committed, painted, booked = [], [], 0
    for code in codes:
        record = scan_once(app, code)
        if record is not None:
            booked += 1
            STEADY.append(record)
            committed.append(record["committed"] - record["enter_ts"])
            painted.append(record["painted"] - record["enter_ts"])
        time.sleep(0.05)
    return committed, painted, booked


def print_split(records: list[dict[str, Any]], slowest: int) -> None:
    """Where the steady scans' time went: last key -> the wedge emitted the scan (the GUI thread got
    to the keys) -> op committed (resolve, the outbox write, what the screen does) -> banner painted;
    and the GUI thread's CPU time from scan to paint (wall time is the load's; CPU time is ours)."""

    def ms(values: list[float], fraction: float) -> str:
        return f"{percentile(values, fraction) * 1000:.1f}"

    phases = {
        "last key -> scan emitted": [r["scanned"] - r["enter_ts"] for r in records],
        "scan emitted -> op committed": [r["committed"] - r["scanned"] for r in records],
        "op committed -> banner painted": [r["painted"] - r["committed"] for r in records],
        "GUI thread CPU, scan -> painted": [r["gui_cpu"] for r in records],
    }
    for name, values in phases.items():
        print(f"  {name:34s} p50 {ms(values, 0.5):>6s} ms   p99 {ms(values, 0.99):>6s} ms")
    for record in sorted(records, key=lambda r: r["painted"] - r["enter_ts"])[-slowest:]:
        split = " / ".join(
            f"{(b - a) * 1000:.1f}"
            for a, b in zip(
                (record["enter_ts"], record["scanned"], record["committed"]),
                (record["scanned"], record["committed"], record["painted"]),
                strict=True,
            )
        )
        print(
            f"  slow scan: {(record['painted'] - record['enter_ts']) * 1000:.1f} ms = {split} ms, "
            f"GUI CPU {record['gui_cpu'] * 1000:.1f} ms"
        )
        if "profile" in record:
            print(f"    {json.dumps(record['profile'])}")


def push_intakes(floor: Floor, product_ids: list[int], count: int, outcome: Counter[str]) -> None:
    """``count`` stock intakes from another tablet: that many changes for the app to pull."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for start in range(0, count, 500):
        ops = [
            {
                "op_id": str(uuid.uuid4()),
                "kind": "stock.intake",
                "payload": {"product_id": product_ids[i % len(product_ids)], "quantity": 1},
                "created_at": now,
            }
            for i in range(start, min(count, start + 500))
        ]
        answer = floor.http.post(
            "/api/v1/sync/push", json={"device_id": "other-tablet", "ops": ops}, timeout=300
        )
        if answer.status_code != 200:
            outcome[f"http {answer.status_code}: {answer.text[:120]}"] += len(ops)
            continue
        for result in answer.json()["results"]:
            error = result.get("error") or {}
            outcome[result["status"] + (f" ({error.get('code')})" if error else "")] += 1


def during_pull(
    floor: Floor, app: RunningApp, codes: list[str], outcome: Counter[str]
) -> tuple[list[float], list[float], int, int]:
    """Scans while 10,000 changes from another tablet are pushed to the server and pulled by the app;
    only scans during which the app's cursor moved (changes were being applied) count."""
    ids = [int(p["id"]) for p in floor.products]
    pusher = threading.Thread(target=push_intakes, args=(floor, ids, PULL_CHANGES, outcome), daemon=True)
    start_cursor = int(app.ask("state")["cursor"] or 0)
    pusher.start()
    committed, painted, scans, overlapped, still = [], [], 0, 0, 0
    deadline = time.monotonic() + 600
    index = 0
    while time.monotonic() < deadline:
        before = int(app.ask("state")["cursor"] or 0)
        record = scan_once(app, codes[index % len(codes)])
        index += 1
        after = int(app.ask("state")["cursor"] or 0)
        scans += 1
        if after > before and record is not None:
            overlapped += 1
            committed.append(record["committed"] - record["enter_ts"])
            painted.append(record["painted"] - record["enter_ts"])
        still = 0 if after > before else still + 1
        if not pusher.is_alive() and (after >= start_cursor + PULL_CHANGES or still >= 20):
            break
        time.sleep(0.05)
    pusher.join()
    return committed, painted, scans, overlapped


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scans", type=int, default=60)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample the GUI thread and time GC and local writes; print the slowest scans' profile",
    )
    args = parser.parse_args()
    load_before = machine_load()
    display = Display()
    home = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-floor-x11-{os.getpid()}"
    server = gui_server(home / "server")
    try:
        for role, username in USERNAMES.items():
            server.create_user(username, role, PASSWORDS[role])
        server.start()
        http = _login(server.url, "manager")
        floor = Floor(server, http)
        location = http.post("/api/v1/locations", json={"code": "A-01", "name": "Aisle 1"})
        location.raise_for_status()
        for number in range(1, 41):
            body = {"sku": f"FLR-{number:03d}", "name": f"Floor item {number:02d}", "barcode": ean13(number)}
            answer = http.post("/api/v1/products", json={**body, "price": "1.00", "unit_cost": "0.50"})
            answer.raise_for_status()
            floor.products.append(answer.json())
        codes = [str(p["barcode"]) for p in floor.products]
        bare = bare_window_latencies(display, args.scans, codes[0])
        commits = bare_commit_latencies(home / "bare-commit", 200)
        (home / "tablet").mkdir(parents=True, exist_ok=True)
        app = RunningApp(display, server.url, "staff", home / "tablet", "scan_receive")
        try:
            time.sleep(2.0)  # the first pull and the screen settle
            if args.profile:
                app.ask("profile")
            scan_once(app, codes[0])  # warm: the parser and the first write
            steady_commit, steady_paint, steady_booked = app_latencies(app, codes[: args.scans] * 2)
            steady_misses = dict(MISSES)
            outcome: Counter[str] = Counter()
            pull_commit, pull_paint, pull_scans, overlapped = during_pull(floor, app, codes, outcome)
        finally:
            app.stop()
        http.close()
    finally:
        server.stop()
        display.stop()
    floor_p50 = percentile(bare, 0.5) * 1000
    floor_p99 = percentile(bare, 0.99) * 1000
    figures = [
        Figure("bare Qt window: Return -> painted, p99", floor_p99, "ms", floor_p50, "bare p50"),
        Figure(
            "bare SQLite commit (WAL, FULL), p50",
            percentile(commits, 0.5) * 1000,
            "ms",
            floor_p50,
            "bare p50",
        ),
        Figure(
            "bare SQLite commit (WAL, FULL), p99",
            percentile(commits, 0.99) * 1000,
            "ms",
            floor_p50,
            "bare p50",
        ),
    ]
    for label, values in (
        ("steady: last key -> op committed, p99", steady_commit),
        ("steady: last key -> banner painted, p50", steady_paint),
        ("steady: last key -> banner painted, p99", steady_paint),
        ("10k pull: last key -> op committed, p99", pull_commit),
        ("10k pull: last key -> banner painted, p50", pull_paint),
        ("10k pull: last key -> banner painted, p99", pull_paint),
    ):
        fraction = 0.5 if label.endswith("p50") else 0.99
        figures.append(
            Figure(label, percentile(values, fraction) * 1000, "ms", floor_p50, "bare p50", target=TARGET_MS)
        )
    print_figures("floor under X11 (Xvfb + xdotool --delay 8)", figures, load_before)
    print(
        f"scans: {steady_booked} of {2 * min(args.scans, len(codes))} steady booked as one scan "
        f"(missed: {steady_misses or 'none'}); {pull_scans} during the pull of "
        f"{PULL_CHANGES:,} changes ({overlapped} while changes were being applied, counted above)"
    )
    print(f"all misses (a scan with no answer, split, or refused): {dict(MISSES) or 'none'}")
    print("steady scans, split:")
    print_split(STEADY, slowest=5 if args.profile else 3)
    print(f"the other tablet's push: {dict(outcome)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
