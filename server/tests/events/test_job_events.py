"""job.progress and job.done over the WebSocket: the user who asked and admins hear them; another
user (of the same role) does not (both backends; the app runs the jobs in-process)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from fllc_server.config import Settings
from fllc_server.jobs.service import JobService
from websockets.asyncio.client import connect

JOB_KINDS = Path(__file__).parent.parent / "jobs"  # job_kinds.py: the job tests' kinds


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    if str(JOB_KINDS) not in sys.path:
        sys.path.insert(0, str(JOB_KINDS))
    return settings.model_copy(update={"job_modules": ["job_kinds"], "jobs_in_process": True})


async def test_job_events_reach_the_requester_and_admins_only(
    app, client, ws_url, make_user, login, auth_headers, warehouse, receive
) -> None:
    users = {role: await make_user(role) for role in ("manager", "admin")}
    other = await make_user("manager")
    headers = {
        name: {"Authorization": f"Bearer {(await login(str(user['username'])))['access_token']}"}
        for name, user in {**users, "other": other}.items()
    }
    async with (
        connect(ws_url, additional_headers=headers["manager"]) as asker,
        connect(ws_url, additional_headers=headers["admin"]) as admin,
        connect(ws_url, additional_headers=headers["other"]) as bystander,
    ):
        for ws in (asker, admin, bystander):
            assert (await receive(ws))["type"] == "hello"
        state = app.state.fllc
        async with state.db.transaction() as session:
            job = await JobService(session, state).submit(
                "test.count", {"steps": 2, "pause": 0.05}, int(users["manager"]["id"])
            )
        for ws in (asker, admin):
            progress = await receive(ws, id=job.id, status="running")
            done = await receive(ws, id=job.id, status="succeeded")
            assert progress["type"] == "job.progress"
            assert progress["seq"] is None
            assert done["type"] == "job.done"
            assert done["data"]["progress"] == 100
            assert done["data"]["requested_by"] == users["manager"]["id"]

        # A stock change everyone may read, after the job: the bystander hears it and no job event.
        intake = await client.post(
            "/api/v1/stock/intake",
            json={"product_id": warehouse.widget, "quantity": 1},
            headers=await auth_headers("staff"),
        )
        assert intake.status_code == 201, intake.text
        heard: list[dict[str, Any]] = []
        async with asyncio.timeout(10.0):
            while not heard or heard[-1]["type"] != "stock.changed":
                heard.append(json.loads(await bystander.recv()))
        assert not [m for m in heard if m["type"].startswith("job.")], heard
