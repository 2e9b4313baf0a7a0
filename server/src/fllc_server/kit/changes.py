"""The change sequence: every entity write appends a row that sync pull reads, bumps the
catalog cache generation and, after commit, pokes live clients with `{type, seq, data}`.

One call per write — `await record_change(session, state, ...)` — inside the write's transaction.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.kit.db import after_commit
from fllc_server.models import Change

if TYPE_CHECKING:
    from fllc_server.state import AppState

CATALOG_GENERATION_KEY = "cache:gen:catalog"
GENERATION_TTL = 30 * 24 * 3600


async def record_change(
    session: AsyncSession,
    state: AppState,
    *,
    entity_type: str,
    entity_id: int,
    action: str = "upsert",
    event_type: str | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """Append to change_log and return its seq; the event and cache bump follow the commit."""
    if action not in ("upsert", "delete"):
        raise ValueError(f"unknown change action {action!r}")
    change = Change(entity_type=entity_type, entity_id=entity_id, action=action)
    session.add(change)
    await session.flush()
    seq = change.seq
    if not session.info.get("catalog_bump_scheduled"):
        session.info["catalog_bump_scheduled"] = True

        async def bump() -> None:
            await new_catalog_generation(state)

        after_commit(session, bump)
    if event_type is not None:
        state.events.publish_after_commit(
            session, event_type, seq, {"id": entity_id, **(data or {})}
        )
    return seq


async def catalog_generation(state: AppState) -> str:
    """Read this *before* querying and cache the answer under it; any committed write replaces it.

    A generation is a random token, not a counter, so an evicted or restarted cache can never
    bring back an old generation's entries.
    """
    value = await state.cache.get(CATALOG_GENERATION_KEY)
    if value is None:
        return await new_catalog_generation(state)
    return value.decode()


async def new_catalog_generation(state: AppState) -> str:
    token = uuid.uuid4().hex[:12]
    await state.cache.set(CATALOG_GENERATION_KEY, token.encode(), GENERATION_TTL)
    return token
