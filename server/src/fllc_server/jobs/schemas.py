"""Wire shape of a job."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

JobStatus = Literal["queued", "running", "succeeded", "failed"]


class JobOut(BaseModel):
    """A background job as its requester sees it. `error` says why it failed (or why the last attempt
    failed while it is queued for a retry), in words a person can act on."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    params: dict[str, Any]
    requested_by: int | None
    status: JobStatus
    progress: int
    attempts: int
    max_attempts: int
    error: str | None
    result: dict[str, Any] | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
