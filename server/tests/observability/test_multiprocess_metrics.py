"""/metrics with several worker processes: a scrape, whichever worker answers it, counts the
requests of all of them (prometheus_client's multiprocess mode, turned on by ``serve --workers``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fllc_server.testing import ServerProcess

REQUESTS = 300
SECRET = "multiprocess-test-secret-" + "x" * 32


def healthz_count(metrics: str) -> float:
    pattern = r'^fllc_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$'
    return sum(float(value) for value in re.findall(pattern, metrics, flags=re.M))


def _pids(folder: Path) -> set[str]:
    return {path.stem.rsplit("_", 1)[-1] for path in folder.glob("counter_*.db")}


def test_two_workers_counts_add_up(backend: Any, tmp_path: Path) -> None:
    if backend.name != "mariadb":
        pytest.skip("several workers need MariaDB + Redis (the embedded default runs one)")
    server = ServerProcess(
        tmp_path / "server",
        SECRET,
        database_url=backend.database_url,
        redis_url=backend.redis_url,
        serve_args=("--workers", "2"),
    )
    server.start()
    folder = tmp_path / "server" / "prometheus"
    sent = 0
    try:
        while sent < REQUESTS:  # a new connection each: the kernel hands them to both workers
            with httpx.Client(base_url=server.url) as client:
                assert client.get("/healthz").status_code == 200
            sent += 1
        scrapes = []
        for _ in range(6):
            with httpx.Client(base_url=server.url) as client:
                scrapes.append(healthz_count(client.get("/metrics").text))
        pids = _pids(folder)
    finally:
        server.stop()
    # The readiness probes of ServerProcess.start count too: at least REQUESTS, alike in every scrape.
    assert min(scrapes) >= sent
    assert len(set(scrapes)) == 1, scrapes
    assert len(pids) >= 2, f"not two workers counting into the shared folder: {sorted(pids)}"
