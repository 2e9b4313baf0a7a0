"""The composition of the job machinery in one process: kinds, runner, scheduler, queue consumer."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import TYPE_CHECKING

from fllc_server.backup.tasks import register as register_backups
from fllc_server.infra.jobs import Lease, MemoryLease, RedisLease
from fllc_server.integrations.edi.tasks import register as register_edi
from fllc_server.integrations.tasks import register as register_integrations
from fllc_server.jobs.kinds import JobKinds
from fllc_server.jobs.runner import JobRunner
from fllc_server.jobs.scheduler import Scheduler
from fllc_server.jobs.tasks import register as register_job_tasks
from fllc_server.reports.schedules.tasks import register as register_report_schedules
from fllc_server.reports.tasks import register as register_reports
from fllc_server.sales.tasks import register as register_sales

if TYPE_CHECKING:
    from fllc_server.config import Settings
    from fllc_server.state import AppState

SCHEDULER_LEASE_KEY = "jobs:scheduler"


def build_kinds(settings: Settings) -> JobKinds:
    """Every job kind of the server, then those of `FLLC_JOB_MODULES` (each module's `register`)."""
    kinds = JobKinds()
    register_job_tasks(kinds)
    register_backups(kinds, settings)
    register_reports(kinds)
    register_integrations(kinds, settings)
    register_report_schedules(kinds, settings)
    register_edi(kinds)
    register_sales(kinds)
    for name in settings.job_modules:
        importlib.import_module(name).register(kinds)
    kinds.every("jobs.prune", dt.timedelta(hours=1))
    return kinds


class JobsInProcess:
    """This process's part: it runs jobs (a worker, or serve on the embedded default) and competes
    for the scheduler lease."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.runner = JobRunner(state, state.job_kinds)
        lease: Lease = RedisLease(state.redis, SCHEDULER_LEASE_KEY) if state.redis else MemoryLease()
        self.scheduler = Scheduler(state, lease)
        state.job_queue.register(self.runner.run)

    async def start(self, *, consume: bool, schedule: bool = True, concurrency: int = 1) -> None:
        await self.state.job_queue.start()
        if consume:
            self.state.job_queue.consume(concurrency)
        if schedule:
            self.scheduler.start()

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.state.job_queue.stop()
