"""The integrations' job kinds: the inbox's handling, and POS reconciliation on the job queue.

- `inbox.handle {message_id}`: one message, submitted in the transaction that stored (or woke, or
  retried) it and sent after its commit, so whichever worker takes the job applies the message —
  once: the handling locks the row and leaves a message that is no longer `received` alone. A
  passing (database) failure keeps the message received and the job is tried again with backoff;
  after `MAX_ATTEMPTS` the message is failed with the reason.
- `inbox.sweep` (periodic): messages still `received` long after their last change (their job was
  lost with a database restored from a backup, or they were stored before the queue handled them)
  are handled by the sweep itself.
- `pos.reconcile` (periodic, `FLLC_POS_RECONCILE_MINUTES`): every enabled POS provider that can be
  read back fills its gaps.

The sources' handlers are registered by the process's composition root (integrations.registries:
the app, and a worker, which builds no app).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from fllc_server.integrations.inbox.service import HANDLE_JOB, MAX_ATTEMPTS, InboxProcessor
from fllc_server.integrations.pos.reconcile import reconcile_enabled
from fllc_server.jobs.kinds import JobFailed, JobKind, JobKinds, TryAgainLater

if TYPE_CHECKING:
    from fllc_server.config import Settings
    from fllc_server.jobs.runner import JobContext

SWEEP_JOB = "inbox.sweep"
RECONCILE_JOB = "pos.reconcile"
SWEEP_EVERY = dt.timedelta(minutes=1)
SWEEP_AFTER = dt.timedelta(minutes=5)  # a received message untouched this long has lost its job
BACKOFF_SECONDS = 2.0  # 2, 4, 8, 16 s between the attempts of a message


async def handle_message(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    try:
        message_id = int(params["message_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise JobFailed("The job names no inbox message") from exc
    status = await InboxProcessor(context.state).process(message_id)
    if status == "received":  # a passing failure, kept with its reason: again after the backoff
        raise TryAgainLater(f"inbox message {message_id} could not be handled yet")
    return {"message_id": message_id, "status": status}


async def sweep(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    done = await InboxProcessor(context.state).process_pending(older_than=SWEEP_AFTER)
    return {"handled": done}


async def reconcile_pos(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    await reconcile_enabled(context.state)
    return {}


def register(kinds: JobKinds, settings: Settings) -> None:
    kinds.add(
        JobKind(
            HANDLE_JOB,
            handle_message,
            title="Handling an inbound message",
            max_attempts=MAX_ATTEMPTS,
            backoff_seconds=BACKOFF_SECONDS,
        )
    )
    kinds.add(JobKind(SWEEP_JOB, sweep, title="Handling inbound messages left waiting", max_attempts=1))
    kinds.add(JobKind(RECONCILE_JOB, reconcile_pos, title="Reconciling the POS", max_attempts=1))
    kinds.every(SWEEP_JOB, SWEEP_EVERY)
    if settings.pos_reconcile_minutes:
        kinds.every(RECONCILE_JOB, dt.timedelta(minutes=settings.pos_reconcile_minutes))
