"""What every catalog write shares: the version check, the audit row and the change record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.kit.changes import record_change
from fllc_server.kit.errors import Conflict, NotFound
from fllc_server.models import utcnow

if TYPE_CHECKING:
    from fllc_server.state import AppState


class Actor(Protocol):
    """Who writes: a signed-in user (CurrentUser) or the author of a synced op."""

    @property
    def id(self) -> int: ...


class Versioned(Protocol):
    id: Any
    version: Any
    deleted_at: Any


class VersionConflict(Conflict):
    """The edit was based on an old version. `current` is the entity as it is now (wire shape);
    the body's details are `[{"current": {...}, "base_version": n}]`."""

    code = "version_conflict"

    def __init__(self, entity_type: str, current: dict[str, Any], base_version: int) -> None:
        super().__init__(
            f"This {entity_type} was changed by someone else (you edited version {base_version}, "
            f"it is now version {current.get('version')}): review the current values and try again",
            details=[{"current": current, "base_version": base_version}],
        )
        self.current = current
        self.base_version = base_version


def not_found(entity_type: str, entity_id: int) -> NotFound:
    return NotFound(f"No {entity_type} with id {entity_id}", code=f"{entity_type}_not_found")


def check_version(
    entity: Versioned, base_version: int | None, entity_type: str, current: dict[str, Any]
) -> None:
    if base_version is not None and entity.version != base_version:
        raise VersionConflict(entity_type, current, base_version)


def mark_deleted(entity: Versioned) -> None:
    entity.deleted_at = utcnow()
    entity.version += 1


async def record_write(
    session: AsyncSession,
    state: AppState,
    *,
    actor: Actor | None,
    entity_type: str,
    entity_id: int,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> int:
    """The audit row and the change record (tombstone for a delete) of one write; returns its seq."""
    await audit.record(
        session,
        actor_id=actor.id if actor else None,
        action=f"{entity_type}.{action}",
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
    )
    deleted = action == "delete"
    return await record_change(
        session,
        entity_type=entity_type,
        entity_id=entity_id,
        action="delete" if deleted else "upsert",
        event_type=f"{entity_type}.{'deleted' if deleted else 'changed'}",
        data={"version": (after or before or {}).get("version")},
    )
