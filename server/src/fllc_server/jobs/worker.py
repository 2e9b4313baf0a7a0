"""`fllc-server worker [--concurrency N]` and `fllc-server scheduler`: the job processes.

A worker runs jobs from the Redis queue. One process per unit of concurrency: N > 1 starts N worker
processes and waits for them (a process killed outright loses only its own job, which runs again
elsewhere once its lease ends). Each worker also competes for the scheduler lease, so a deployment
needs no separate scheduler; `fllc-server scheduler` is that lease's contender alone (periodic jobs,
retries, rescuing jobs of dead workers) for a site that runs it as its own service. However many
run, one holds the lease at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys

from fllc_server.config import Settings
from fllc_server.integrations.registries import inbox_handlers, integration_providers
from fllc_server.jobs.runtime import JobsInProcess
from fllc_server.migrations import upgrade
from fllc_server.observability import tracing
from fllc_server.observability.logging import configure_logging
from fllc_server.state import AppState


def _needs_redis(settings: Settings, what: str) -> bool:
    if settings.redis_url is not None:
        return False
    print(
        f"{what} need a shared queue: set FLLC_REDIS_URL (and FLLC_DATABASE_URL). On the embedded "
        "default `fllc-server serve` runs the jobs and their schedule itself.",
        file=sys.stderr,
    )
    return True


def run_scheduler(settings: Settings) -> int:
    if _needs_redis(settings, "The scheduler and the workers"):
        return 2
    upgrade(settings.effective_database_url)
    return asyncio.run(_work(settings, consume=False))


def run_workers(settings: Settings, concurrency: int) -> int:
    if _needs_redis(settings, "Workers"):
        return 2
    if concurrency < 1:
        print("--concurrency must be 1 or more", file=sys.stderr)
        return 2
    upgrade(settings.effective_database_url)
    if concurrency == 1:
        return asyncio.run(_work(settings, consume=True))
    command = [sys.executable, "-m", "fllc_server.cli", "worker", "--concurrency", "1"]
    children = [subprocess.Popen(command) for _ in range(concurrency)]  # noqa: S603 — our own command

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return max(child.wait() for child in children)


async def _work(settings: Settings, *, consume: bool) -> int:
    configure_logging(settings.log_level, settings.log_json)
    # The inbox's messages are handled by jobs, and POS reconciliation reads the providers.
    state = AppState.build(settings, providers=integration_providers(), inbox_handlers=inbox_handlers())
    jobs = JobsInProcess(state)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    # a worker schedules unless told not to; `fllc-server scheduler` exists to schedule
    await jobs.start(consume=consume, schedule=settings.jobs_scheduler or not consume)
    role, owner = ("worker", jobs.runner.owner) if consume else ("scheduler", jobs.scheduler.owner)
    print(f"{role} {owner} ready", flush=True)
    try:
        await stop.wait()
    finally:
        await jobs.stop()
        await state.close()
        tracing.uninstall(state)  # sends the spans still batched
    return 0
