"""/api/v1/jobs/{id}: a job's state, for the user who asked (and admins)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from fllc_server.auth.dependencies import Authenticated
from fllc_server.jobs.schemas import JobOut
from fllc_server.jobs.service import JobService
from fllc_server.kit.deps import SessionDep, get_state
from fllc_server.kit.strict import PathId

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


@router.get("/{job_id}", response_model=JobOut, responses={404: {"description": "No such job of yours"}})
async def get_job(job_id: PathId, request: Request, session: SessionDep, user: Authenticated) -> JobOut:
    job = await JobService(session, get_state(request)).visible(job_id, user)
    return JobOut.model_validate(job)
