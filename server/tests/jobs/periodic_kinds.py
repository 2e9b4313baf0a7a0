"""A periodic job for the scheduler process tests: `test.tick` every 2 seconds (loaded through
FLLC_JOB_MODULES after job_kinds)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fllc_server.jobs.kinds import JobKind, JobKinds
from fllc_server.jobs.runner import JobContext


async def tick(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    return {}


def register(kinds: JobKinds) -> None:
    kinds.add(JobKind("test.tick", tick, title="Ticking"))
    kinds.every("test.tick", dt.timedelta(seconds=2))
