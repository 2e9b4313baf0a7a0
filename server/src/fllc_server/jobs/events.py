"""`job.progress` and `job.done` events: for the person who asked (and admins), never a change seq."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fllc_server.auth.permissions import Permission

if TYPE_CHECKING:
    from fllc_server.auth.dependencies import CurrentUser
    from fllc_server.events.bus import EventBus
    from fllc_server.models import Job

JOB_ENTITY = "job"  # the events' entity_type: filtered by may_see_job, not by auth.entities


def job_event_data(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "requested_by": job.requested_by,
        "error": job.error,
    }


async def publish_job_event(bus: EventBus, event_type: str, data: dict[str, Any]) -> None:
    await bus.publish(event_type, None, data, entity_type=JOB_ENTITY)


def may_see_job(message: dict[str, Any], user: CurrentUser) -> bool:
    """A job event reaches the user who asked and admins (users.manage)."""
    data = message.get("data") or {}
    return data.get("requested_by") == user.id or user.can(Permission.USERS_MANAGE)
