"""The change sequence: every entity write appends a row that sync pull reads, bumps the
catalog cache generation and, after commit, pokes live clients with `{type, seq, data}`.

One call per write — `await record_change(session, ...)` — inside the write's transaction (its
unit of work sends the event and bumps the generation after the commit).

Settling: seqs are handed out before commit (MySQL's auto-increment), so a gap in the seqs may be
a transaction still in flight; a gap counts as a rollback (permanent) once the change after it is
GAP_SETTLE old (`settled_count`). The sync pull, compaction and the catalog index all read the log
up to its settled head by this one rule.

The catalog cache generation: cached catalog answers are stored under it and any committed write
replaces it (`renew_catalog_generation`, the one way to do so: a unit of work's bump, a restore).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.kit.uow import unit_of_work
from fllc_server.models import Change

if TYPE_CHECKING:
    from fllc_server.infra.cache import Cache

CATALOG_GENERATION_KEY = "cache:gen:catalog"
GENERATION_TTL = 30 * 24 * 3600

# How long a gap in the seqs may be a transaction still in flight (see the module docstring).
GAP_SETTLE = dt.timedelta(seconds=10)


async def record_change(
    session: AsyncSession,
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
    uow = unit_of_work(session)
    uow.bump_catalog()
    if event_type is not None:
        uow.publish(event_type, seq, {"id": entity_id, **(data or {})}, entity_type=entity_type)
    return seq


async def catalog_generation(cache: Cache) -> str:
    """Read this *before* querying and cache the answer under it; any committed write replaces it.

    A generation is a random token, not a counter, so an evicted or restarted cache can never
    bring back an old generation's entries.
    """
    value = await cache.get(CATALOG_GENERATION_KEY)
    if value is None:
        return await renew_catalog_generation(cache)
    return value.decode()


async def renew_catalog_generation(cache: Cache) -> str:
    """A fresh random generation in `cache`: every cached catalog answer is dropped."""
    token = uuid.uuid4().hex[:12]
    await cache.set(CATALOG_GENERATION_KEY, token.encode(), GENERATION_TTL)
    return token


def settled_count(changes: Sequence[tuple[int, dt.datetime]], known: int | None, now: dt.datetime) -> int:
    """How many of `changes` ((seq, created_at) in seq order) are settled: they stop at the first
    gap whose next change is younger than GAP_SETTLE. Every seq up to `known` is settled (None:
    nothing is known before the first change, which has no previous seq to be contiguous with)."""
    for index, (seq, created_at) in enumerate(changes):
        if known is not None and seq > known + 1 and now - _aware(created_at) < GAP_SETTLE:
            return index
        known = seq if known is None else max(known, seq)
    return len(changes)


def settled_seq(changes: Sequence[tuple[int, dt.datetime]], known: int, now: dt.datetime) -> int:
    """The highest seq up to which every seq is settled (`settled_count`'s rule)."""
    count = settled_count(changes, known, now)
    return max([known, *(seq for seq, _ in changes[:count])])


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
