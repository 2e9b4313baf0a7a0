"""API benchmark (issue 3): product search with a cache hit and a cache miss beside the framework floor,
and stock intake until a connected WebSocket client has the `stock.changed` event. Prints figures;
not a test.

    .venv/bin/python bench/bench_api.py --seconds 10

What it does:
1. drops and creates the MariaDB database `fllc_bench_api` (127.0.0.1:3306, root), flushes Redis db 3,
   and loads the demo store with 100,000 products (`fllc-server seed-demo --products 100000`: bulk
   inserts, ~40 s; `--reuse` keeps an already seeded database);
2. starts `fllc-server serve` (uvicorn, 1 worker, MariaDB + Redis, FLLC_RATE_LIMIT high) and the floor
   (bench/floor_app.py: a bare FastAPI route answering the bytes of a typical search response, started
   with the same uvicorn settings);
3. drives each from a SEPARATE process, `wrk` (Debian's; 1 thread, 32 keep-alive connections, closed
   loop) with a Lua script that sends a list of paths in turn with the bearer token:
   - cache hit: a fixed mix of realistic searches, all cached first, repeated;
   - cache miss: a shuffled list of unique searches (SKU prefixes, barcodes, one- and two-word names,
     short words, filters, sorts, pages) — no path is sent twice, and the catalog generation is
     replaced first, so every answer is computed (checked against /metrics: the misses are counted);
   - the floor;
   then, at concurrency 1, each kind of miss on its own (where the time goes);
4. stock intake -> WebSocket: a client connected to /api/v1/events; 500 sequential POST
   /api/v1/stock/intake of distinct products; the time from sending the POST until the matching
   `stock.changed` arrives.
The machine load (os.getloadavg) is printed before and after: other work on the machine shows up
in the figures, so compare runs made at a similar load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from _harness import (
    BENCH_DIR,
    VENV_BIN,
    Figure,
    LoadResult,
    free_port,
    fresh_mariadb,
    have_wrk,
    lua_paths_script,
    machine_load,
    percentile,
    print_figures,
    process_cpu_seconds,
    sequential_latencies,
    start_server,
    stop,
    wrk,
)

SECRET = "bench-api-secret-" + "k" * 40
USERNAME, PASSWORD = "staff", "staff-demo-1"  # the demo seed's staff account (products.view, stock.intake)
PRODUCTS = 100_000
SEARCH = "/api/v1/products"
TYPICAL = {"q": "drill"}  # the floor answers this search's bytes
GENERATION_KEY = "cache:gen:catalog"

HIT_TARGET_P99, HIT_TARGET_RATIO = 10.0, 0.5
MISS_TARGET_P99 = 25.0
EVENT_TARGET_P99 = 30.0


# -- the query mixes ------------------------------------------------------------------------------
DEFAULTS = {"sort": "name", "page": 1, "per_page": 50}


def _path(params: dict[str, Any]) -> str:
    """The search path; defaults are left out, so that two paths never ask the same question."""
    params = {k: v for k, v in params.items() if DEFAULTS.get(k) != v}
    return f"{SEARCH}?{urlencode(params)}" if params else SEARCH


HIT_MIX: list[dict[str, Any]] = [
    TYPICAL,
    {"q": "cordless drill"},
    {"q": "wood screws"},
    {"q": "screws"},
    {"q": "hammer"},
    {"q": "brass"},
    {"q": "tape"},
    {"q": "extension cord"},
    {"q": "FAS-00"},
    {"q": "PWR-0123"},
    {"q": "HTL-004512"},
    {"q": "2100000045128"},
    {"q": "stainless"},
    {"q": "ball valve"},
    {"q": "gfci"},
    {"q": "ft"},
    {"q": "drill", "sort": "price"},
    {"q": "screws", "category_id": 1},
    {"category_id": 3},
    {"category_id": 5, "sort": "-price"},
    {"supplier_id": 4},
    {"below_reorder": "true"},
    {"below_reorder": "true", "supplier_id": 2},
    {},
    {"sort": "-updated_at"},
    {"sort": "quantity_on_hand", "per_page": 25},
    {"q": "northfield"},
    {"q": "keystone pliers"},
    {"q": "pex pipe"},
    {"page": 2},
]


@dataclass(frozen=True)
class Vocabulary:
    """Words and codes of the demo store, for realistic searches."""

    words: list[str]
    pairs: list[str]
    short: list[str]
    codes: list[str]


def vocabulary() -> Vocabulary:
    from fllc_server.catalog.search import words as search_words
    from fllc_server.demo.words import BRANDS, DEPARTMENTS

    single: set[str] = set()
    pairs: set[str] = set()
    for dept in DEPARTMENTS:
        for entry in dept.types:
            kind = entry[0] if isinstance(entry, tuple) else entry  # (type, sizes) or a type
            kind_words = search_words(kind)
            single.update(w for w in kind_words if len(w) >= 3)
            pairs.add(" ".join(kind_words[:2]))
            for finish in dept.finishes:
                pairs.add(f"{search_words(finish)[0]} {kind_words[-1]}")
        for finish in dept.finishes:
            single.update(w for w in search_words(finish) if len(w) >= 3)
    for brand in BRANDS:
        single.add(search_words(brand)[0])
    short = ["ft", "oz", "mm", "6", "12", "pc", "18", "ga"]
    return Vocabulary(sorted(single), sorted(pairs), short, [d.code for d in DEPARTMENTS])


def _ean13(number: int) -> str:
    from fllc_server.demo.catalog import ean13

    return ean13(number)


SORTS = [
    "name",
    "name",
    "name",
    "-name",
    "sku",
    "price",
    "-price",
    "quantity_on_hand",
    "-updated_at",
    "updated_at",
    "-quantity_on_hand",
]


def _browse_extras(rng: random.Random) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if rng.random() < 0.4:
        extra["sort"] = rng.choice(SORTS)
    if rng.random() < 0.25:
        extra["category_id"] = rng.randint(1, 10)
    if rng.random() < 0.1:
        extra["supplier_id"] = rng.randint(1, 20)
    if rng.random() < 0.3:
        extra["page"] = rng.randint(2, 5)
    if rng.random() < 0.3:
        extra["per_page"] = rng.choice([20, 25, 100])
    return extra


def _sku_query(rng: random.Random, v: Vocabulary) -> dict[str, Any]:
    digits = f"{rng.randint(1, PRODUCTS):06d}"
    return {"q": f"{rng.choice(v.codes)}-{digits[: rng.randint(3, 6)]}"}


def _barcode_query(rng: random.Random, v: Vocabulary) -> dict[str, Any]:
    return {"q": _ean13(rng.randint(1, PRODUCTS))}


def _word_query(rng: random.Random, v: Vocabulary) -> dict[str, Any]:
    word = rng.choice(v.words)
    if rng.random() < 0.3:  # typed so far: a prefix
        word = word[: max(3, len(word) - rng.randint(1, 3))]
    return {"q": word, **_browse_extras(rng)}


def _pair_query(rng: random.Random, v: Vocabulary) -> dict[str, Any]:
    return {"q": rng.choice(v.pairs), **_browse_extras(rng)}


def _short_query(rng: random.Random, v: Vocabulary) -> dict[str, Any]:
    return {"q": rng.choice(v.short), **_browse_extras(rng)}


def _browse_query(rng: random.Random, v: Vocabulary) -> dict[str, Any]:
    extra = _browse_extras(rng)
    if rng.random() < 0.3:
        extra["below_reorder"] = "true"
    extra.setdefault("sort", rng.choice(SORTS))
    return extra


MISS_KINDS: dict[str, tuple[float, Callable[[random.Random, Vocabulary], dict[str, Any]]]] = {
    "sku prefix": (0.20, _sku_query),
    "barcode": (0.15, _barcode_query),
    "one word": (0.25, _word_query),
    "two words": (0.15, _pair_query),
    "short word (<3)": (0.05, _short_query),
    "no q: filters/sort": (0.20, _browse_query),
}


def miss_paths(count: int, seed: int = 3) -> dict[str, list[str]]:
    """`count` distinct search paths, by kind, in the MISS_KINDS proportions."""
    rng, vocab, seen = random.Random(seed), vocabulary(), set()
    by_kind: dict[str, list[str]] = {}
    for kind, (share, make) in MISS_KINDS.items():
        wanted, found, attempts = int(count * share), [], 0
        while len(found) < wanted and attempts < wanted * 50:
            attempts += 1
            path = _path(make(rng, vocab))
            if path not in seen:
                seen.add(path)
                found.append(path)
        by_kind[kind] = found
    return by_kind


# -- the run --------------------------------------------------------------------------------------
@dataclass
class Servers:
    base: str
    floor: str
    token: str
    redis_url: str
    pid: int = 0  # the API server's process (one uvicorn worker: it serves in this process)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def index_metrics(servers: Servers) -> dict[str, float]:
    text = httpx.get(f"{servers.base}/metrics").text
    return {
        line.split()[0].removeprefix("fllc_search_index_"): float(line.split()[1])
        for line in text.splitlines()
        if line.startswith("fllc_search_index_")
    }


def wait_for_index(servers: Servers, timeout: float = 120.0) -> str:
    """Wait until the server's in-process search index is built (catalog.index); a description."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        metrics = index_metrics(servers)
        if not metrics:
            return "no search index"
        if metrics.get("ready") == 1:
            return (
                f"search index: {metrics['products']:,.0f} products, built in "
                f"{metrics['build_seconds']:.1f} s"
            )
        time.sleep(0.5)
    return "search index not ready: misses answered by the database"


def cache_counts(servers: Servers) -> dict[str, float]:
    text = httpx.get(f"{servers.base}/metrics").text
    counts = {}
    for line in text.splitlines():
        if line.startswith("fllc_cache") and 'cache="product_search"' in line and "_created" not in line:
            result = "hit" if 'result="hit"' in line else "miss"
            counts[result] = float(line.rsplit(" ", 1)[1])
    return counts


def new_generation(redis_url: str) -> None:
    from redis import Redis

    client = Redis.from_url(redis_url)
    client.set(GENERATION_KEY, uuid.uuid4().hex[:12].encode(), ex=3600)
    client.close()


def sequential(base: str, paths: list[str], headers: dict[str, str]) -> list[float]:
    """Latencies (ms) of the misses among `paths`, sent one at a time over one keep-alive connection."""
    latencies = []
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        http.get("/healthz")  # the connection is opened here, not in the first measured request
        for path in paths:
            started = time.perf_counter()
            response = http.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code} {response.text[:300]}")
            if response.headers.get("x-cache") == "miss":
                latencies.append(elapsed)
    return latencies


async def intake_to_event(base: str, token: str, samples: int, seed: int = 5) -> list[float]:
    """Milliseconds from sending each intake until its stock.changed reached the WebSocket client."""
    import websockets

    ws_url = base.replace("http://", "ws://") + "/api/v1/events"
    headers = {"Authorization": f"Bearer {token}"}
    product_ids = random.Random(seed).sample(range(1, PRODUCTS + 1), samples)
    to_event: list[float] = []
    async with (
        websockets.connect(ws_url, additional_headers=headers) as socket,
        httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http,
    ):
        hello = json.loads(await socket.recv())
        assert hello["type"] == "hello", hello
        for product_id in product_ids:
            started = time.perf_counter()
            post = asyncio.create_task(
                http.post("/api/v1/stock/intake", json={"product_id": product_id, "quantity": 1})
            )
            while True:
                event = json.loads(await asyncio.wait_for(socket.recv(), 10))
                data = event.get("data") or {}
                if event.get("type") == "stock.changed" and data.get("product_id") == product_id:
                    to_event.append((time.perf_counter() - started) * 1000)
                    break
            response = await post
            if response.status_code != 201:
                raise SystemExit(f"intake answered {response.status_code}: {response.text[:300]}")
    return to_event


def login(base: str) -> str:
    response = httpx.post(f"{base}/api/v1/auth/login", json={"username": USERNAME, "password": PASSWORD})
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def prepare(args: argparse.Namespace, env: dict[str, str]) -> None:
    from redis import Redis

    client = Redis.from_url(args.redis_url)
    client.flushdb()
    client.close()
    if args.reuse:
        return
    fresh_mariadb(args.database_url)
    started = time.perf_counter()
    subprocess.run(
        [str(VENV_BIN / "fllc-server"), "seed-demo", "--products", str(PRODUCTS)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    print(f"seeded {PRODUCTS:,} products in {time.perf_counter() - started:.0f} s")


def start(args: argparse.Namespace, env: dict[str, str], body_file: Path) -> tuple[Any, Any, Servers]:
    port, floor_port = free_port(), free_port()
    server = start_server(
        [str(VENV_BIN / "fllc-server"), "serve", "--port", str(port)], env, f"http://127.0.0.1:{port}/healthz"
    )
    base = f"http://127.0.0.1:{port}"
    token = login(base)
    typical = httpx.get(_url(base, _path(TYPICAL)), headers={"Authorization": f"Bearer {token}"})
    body_file.write_bytes(typical.content)
    floor = start_server(
        [sys.executable, str(BENCH_DIR / "floor_app.py"), "--port", str(floor_port)],
        {**env, "FLLC_BENCH_FLOOR_BODY": str(body_file)},
        f"http://127.0.0.1:{floor_port}/healthz",
    )
    floor_url = f"http://127.0.0.1:{floor_port}"
    assert httpx.get(_url(floor_url, _path(TYPICAL))).content == typical.content
    return server, floor, Servers(base, floor_url, token, args.redis_url, server.pid)


def _url(base: str, path: str) -> str:
    return base + path


def _row(name: str, result: LoadResult, target: str, met: bool | None) -> str:
    verdict = "" if met is None else ("PASS" if met else "FAIL")
    return (
        f"{name:<34} {result.p50_ms:>8.2f} {result.p99_ms:>8.2f} {result.rps:>9.0f} "
        f"{result.requests:>8} {result.errors:>5}  {target:<34} {verdict}"
    )


def measure_searches(args: argparse.Namespace, servers: Servers) -> tuple[list[str], list[Figure]]:
    hit_paths = [_path(q) for q in HIT_MIX]
    for path in hit_paths:  # cache them
        httpx.get(_url(servers.base, path), headers=servers.auth)
    for path in hit_paths:
        assert httpx.get(_url(servers.base, path), headers=servers.auth).headers["x-cache"] == "hit", path
    hit_script = lua_paths_script(hit_paths, servers.auth)
    floor_script = lua_paths_script([_path(TYPICAL)], {})
    kinds = miss_paths(args.miss_paths)
    shuffled = [p for paths in kinds.values() for p in paths]
    random.Random(11).shuffle(shuffled)
    warm = shuffled[: len(shuffled) // 10]
    measured = shuffled[len(shuffled) // 10 :]
    miss_script = lua_paths_script(measured, servers.auth)
    run = {"seconds": args.seconds, "connections": args.connections}

    wrk(servers.floor, floor_script, seconds=2, connections=args.connections)  # warm-up
    wrk(servers.base, hit_script, seconds=2, connections=args.connections)
    new_generation(servers.redis_url)
    wrk(servers.base, lua_paths_script(warm, servers.auth), seconds=2, connections=args.connections)

    floors, hits = [], []
    misses_in_hit_runs = 0.0
    for _ in range(args.rounds):
        floors.append(wrk(servers.floor, floor_script, **run))
        for path in hit_paths:  # answers live ANSWER_TTL (60 s): cache them again for this round
            httpx.get(_url(servers.base, path), headers=servers.auth)
        counted = cache_counts(servers)
        hits.append(wrk(servers.base, hit_script, **run))
        misses_in_hit_runs += cache_counts(servers).get("miss", 0) - counted.get("miss", 0)
    floor = max(floors, key=lambda r: r.rps)
    hit = max(hits, key=lambda r: r.rps)
    index_ready = wait_for_index(servers)
    new_generation(servers.redis_url)
    before = cache_counts(servers)
    cpu_before = process_cpu_seconds(servers.pid)
    miss = wrk(servers.base, miss_script, **run)
    cpu_used = process_cpu_seconds(servers.pid) - cpu_before
    after = cache_counts(servers)
    misses = after.get("miss", 0) - before.get("miss", 0)
    hits_in_miss_run = after.get("hit", 0) - before.get("hit", 0)
    if miss.requests > len(measured):
        print(f"warning: {miss.requests} requests > {len(measured)} distinct paths: raise --miss-paths")

    ratio = hit.rps / floor.rps if floor.rps else 0.0
    lines = [
        f"{'':<34} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>9} {'requests':>8} {'err':>5}  target",
        _row("floor (bare FastAPI, same bytes)", floor, "", None),
        _row("search, cache hit", hit, f"p99 <= {HIT_TARGET_P99:.0f} ms", hit.p99_ms <= HIT_TARGET_P99),
        f"{'':<79}{f'>= {HIT_TARGET_RATIO:.0%} of floor req/s: {ratio:.0%}':<34} "
        f"{'PASS' if ratio >= HIT_TARGET_RATIO else 'FAIL'}",
        _row("search, cache miss", miss, f"p99 <= {MISS_TARGET_P99:.0f} ms", miss.p99_ms <= MISS_TARGET_P99),
        f"   (hit runs: {misses_in_hit_runs:.0f} misses; miss run: {misses:.0f} computed answers, "
        f"{hits_in_miss_run:.0f} hits; typical body "
        f"{len(Path(os.environ['FLLC_BENCH_BODY_FILE']).read_bytes()):,} bytes)",
        f"   server CPU per miss (utime+stime of the server process over the miss run): "
        f"{cpu_used / max(miss.requests, 1) * 1000:.2f} ms; {index_ready}",
    ]
    lines.append("")
    lines.append(f"cache miss by kind, concurrency 1 ({args.per_kind} distinct searches each):")
    index = index_metrics(servers)
    if index:
        lines.append(
            f"   index: {index.get('answered', 0):,.0f} searches answered from it, "
            f"{index.get('declined', 0):,.0f} left to the database"
        )
    new_generation(servers.redis_url)
    for kind, paths in kinds.items():
        sample = [p for p in paths if p not in set(warm) | set(measured[: miss.requests])][: args.per_kind]
        sample = sample or paths[: args.per_kind]
        new_generation(servers.redis_url)
        latencies = sequential(servers.base, sample, servers.auth)
        lines.append(
            f"  {kind:<22} p50 {percentile(latencies, 0.5):>7.2f} ms   "
            f"p99 {percentile(latencies, 0.99):>7.2f} ms   max {max(latencies):>7.2f} ms   "
            f"(n={len(latencies)})"
        )
    same_bytes = "bare FastAPI, same bytes, 32 conn."
    figures = [
        Figure(
            "search, cache hit req/s", hit.rps, "req/s", floor.rps, same_bytes, None, HIT_TARGET_RATIO, True
        ),
        Figure("search, cache hit p99", hit.p99_ms, "ms", floor.p99_ms, same_bytes, HIT_TARGET_P99),
        Figure("search, cache miss p99", miss.p99_ms, "ms", floor.p99_ms, same_bytes, MISS_TARGET_P99),
        Figure("search, cache miss req/s", miss.rps, "req/s", floor.rps, same_bytes, higher_is_better=True),
    ]
    return lines, figures


def measure_events(args: argparse.Namespace, servers: Servers) -> tuple[list[str], list[Figure]]:
    token = login(servers.base)
    to_event = asyncio.run(intake_to_event(servers.base, token, args.intakes))
    p50, p99 = percentile(to_event, 0.5), percentile(to_event, 0.99)
    verdict = "PASS" if p99 <= EVENT_TARGET_P99 else "FAIL"
    echo = f"{servers.floor}/floor/echo"
    sequential_latencies(echo, 50, method="POST", json_body={"product_id": 1, "quantity": 1})  # warm-up
    bare = [
        s * 1000
        for s in sequential_latencies(
            echo, args.intakes, method="POST", json_body={"product_id": 1, "quantity": 1}
        )
    ]
    lines = [
        f"{'intake -> stock.changed (WebSocket)':<34} {p50:>8.2f} {p99:>8.2f} {'':>9} "
        f"{len(to_event):>8} {0:>5}  p99 <= {EVENT_TARGET_P99:.0f} ms{'':<22} {verdict}"
    ]
    figures = [
        Figure("intake -> stock.changed p50", p50, "ms", percentile(bare, 0.5), "bare POST p50, sequential"),
        Figure(
            "intake -> stock.changed p99",
            p99,
            "ms",
            percentile(bare, 0.99),
            "bare POST p99, sequential",
            EVENT_TARGET_P99,
        ),
    ]
    return lines, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="per wrk round")
    parser.add_argument("--rounds", type=int, default=2, help="floor/hit rounds, alternating; best kept")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--intakes", type=int, default=500)
    parser.add_argument("--miss-paths", type=int, default=40_000)
    parser.add_argument("--per-kind", type=int, default=100)
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database (skip the seed)")
    parser.add_argument(
        "--database-url", default="mysql+asyncmy://root@127.0.0.1:3306/fllc_bench_api?charset=utf8mb4"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out
    if not have_wrk():
        raise SystemExit("wrk is needed: apt-get install wrk")
    env = {
        **os.environ,
        "FLLC_DATABASE_URL": args.database_url,
        "FLLC_REDIS_URL": args.redis_url,
        "FLLC_SECRET_KEY": SECRET,
        "FLLC_RATE_LIMIT": "100000000/minute",
        "FLLC_ENVIRONMENT": "production",
    }
    before = machine_load()
    print(f"before: {before}")
    prepare(args, env)
    server = floor = None
    with tempfile.TemporaryDirectory() as scratch:
        body_file = Path(scratch) / "typical.json"
        os.environ["FLLC_BENCH_BODY_FILE"] = str(body_file)
        try:
            server, floor, servers = start(args, env, body_file)
            print(
                f"wrk: 1 thread, {args.connections} connections, {args.seconds:.0f} s per run; "
                f"server: fllc-server serve (uvicorn, 1 worker), MariaDB + Redis, {PRODUCTS:,} products"
            )
            lines, figures = measure_searches(args, servers)
            event_lines, event_figures = measure_events(args, servers)
        finally:
            stop(server)
            stop(floor)
    print("\n".join([*lines, "", *event_lines]))
    print_figures("search and events beside the framework floor", [*figures, *event_figures], before)


if __name__ == "__main__":
    main()
