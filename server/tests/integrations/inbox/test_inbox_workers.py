"""The inbox on the job queue for real: the server process that receives the sales runs no jobs,
two `fllc-server worker` processes on the test's MariaDB and Redis handle them — each message once,
whichever worker takes its job, however often it was delivered. MariaDB + Redis only (workers share
a queue); under CI=true it fails rather than skips."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fllc_server.config import Settings
from fllc_server.integrations.inbox.service import HANDLE_JOB
from fllc_server.models import Job
from fllc_server.testing import JobProcess, ServerProcess
from sqlalchemy import select

EVENTS = "/api/v1/integrations/pos/generic/events"
SECRET = "test-secret-" + "x" * 40
SALES = 20
PATIENCE = 120.0  # seconds (never an assertion on speed)


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"jobs_in_process": False})  # the workers run the jobs


@pytest.fixture
def workers(backend: Any, settings: Settings, tmp_path: Path) -> Iterator[list[JobProcess]]:
    if backend.name != "mariadb":
        # the same test runs on the MariaDB pass; CI must have that pass
        if os.environ.get("CI", "").lower() in ("1", "true", "yes") and not os.environ.get(
            "FLLC_TEST_DATABASE_URL"
        ):
            pytest.fail("CI: worker processes need FLLC_TEST_DATABASE_URL and FLLC_TEST_REDIS_URL")
        pytest.skip("worker processes share a Redis queue: they run on the MariaDB + Redis backend")
    site = ServerProcess(
        tmp_path / "site",
        SECRET,
        database_url=backend.database_url,
        redis_url=backend.redis_url,
        extra_env={"FLLC_JOBS_TICK_SECONDS": "0.2", "FLLC_POS_RECONCILE_MINUTES": "0"},
    )
    started = [JobProcess(site, f"worker-{n}") for n in range(2)]
    for worker in started:
        worker.start()
    yield started
    for worker in started:
        print(f"--- {worker.name}:\n{worker.log_tail(4000)}")
        worker.stop()


async def test_worker_processes_apply_each_sale_once(
    app, client: httpx.AsyncClient, pos, product, till_key, workers
) -> None:
    mug = await product("MUG", stock=100)
    key = {"X-API-Key": till_key}
    for n in range(SALES):
        body = {
            "type": "sale",
            "event_id": f"e-{n}",
            "sale_id": f"S-{n}",
            "lines": [{"sku": "MUG", "quantity": 1, "unit_price": "1.00"}],
        }
        for _ in range(2 if n % 2 else 1):  # every other sale delivered twice
            assert (await client.post(EVENTS, json=body, headers=key)).status_code == 200
    # Two workers selling the same product at once may deadlock on MariaDB: the loser's job is
    # tried again after its backoff (2, 4, 8 s), which is what this waits for.
    await pos.drained(patience=PATIENCE)
    assert [m.status for m in await pos.inbox("generic")] == ["handled"] * SALES
    assert len(await pos.orders("generic")) == SALES
    assert await pos.on_hand(mug) == 100 - SALES
    async with app.state.fllc.db.sessions() as session:
        jobs = list(await session.scalars(select(Job).where(Job.kind == HANDLE_JOB)))
    assert len(jobs) == SALES
    assert {j.status for j in jobs} == {"succeeded"}
    assert all(w.running for w in workers)
