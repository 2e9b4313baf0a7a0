"""Job kinds that the job tests run (loaded through FLLC_JOB_MODULES, the mechanism every module that
adds kinds uses): a job that counts slowly with progress, one that fails for good, one that fails for a
while (a partner away), and a slow one that writes down each start and each finish in a folder (the
worker process tests read it to count how often the job ran and finished)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from fllc_server.jobs.kinds import JobFailed, JobKind, JobKinds, TryAgainLater
from fllc_server.jobs.runner import JobContext


async def count_slowly(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    steps = int(params.get("steps", 4))
    for step in range(steps):
        await asyncio.sleep(float(params.get("pause", 0.05)))
        await context.progress(100 * (step + 1) / steps)
    return {"counted": steps, "pid": os.getpid(), "attempt": context.attempt}


async def refuse(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    raise JobFailed("Supplier 7 has no e-mail address; add one on the Suppliers screen.")


async def flaky(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    if context.attempt <= int(params["failures"]):
        raise TryAgainLater("The mail server did not answer.")
    return {"attempt": context.attempt}


async def record(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    folder = Path(params["folder"])
    me = f"{context.job_id} {os.getpid()} {context.attempt}"
    with (folder / "starts").open("a") as starts:
        starts.write(me + "\n")
    steps = int(params["steps"])
    for step in range(steps):
        await asyncio.sleep(float(params["pause"]))
        await context.progress(100 * (step + 1) / steps)
    with (folder / "finishes").open("a") as finishes:
        finishes.write(me + "\n")
    return {"pid": os.getpid(), "attempt": context.attempt}


def register(kinds: JobKinds) -> None:
    kinds.add(JobKind("test.count", count_slowly, title="Counting", max_attempts=3, backoff_seconds=0.1))
    kinds.add(JobKind("test.refuse", refuse, title="Refusing"))
    kinds.add(JobKind("test.flaky", flaky, title="Sending the mail", max_attempts=4, backoff_seconds=0.3))
    kinds.add(JobKind("test.record", record, title="Recording", max_attempts=3))
