"""Cached catalog answers: serialised JSON bytes under keys that carry the catalog generation.

The generation is read *before* the query, and every committed catalog or stock write replaces it
(kit.changes.record_change), so an answer computed from data older than the newest write can only
ever be stored under a generation nobody reads any more: a write is visible on the very next read.
A hit returns the stored bytes as they are — no query, no validation, no serialisation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from fastapi import Response

from fllc_server.kit.changes import catalog_generation

if TYPE_CHECKING:
    from fllc_server.state import AppState

ANSWER_TTL = 60
JSON = "application/json"


class CatalogAnswers:
    """One named cache of answers (`product_search`, `by_barcode`), counted in /metrics."""

    def __init__(self, state: AppState, name: str) -> None:
        self.state = state
        self.name = name

    async def respond(self, question: str, answer: Callable[[], Awaitable[bytes]]) -> Response:
        """The cached answer to `question`, or compute, store and return it (X-Cache says which)."""
        generation = await catalog_generation(self.state)
        key = f"catalog:{self.name}:{generation}:{hashlib.sha256(question.encode()).hexdigest()[:40]}"
        cached = await self.state.cache.get(key)
        if cached is not None:
            self.state.metrics.cache.labels(self.name, "hit").inc()
            return Response(cached, media_type=JSON, headers={"X-Cache": "hit"})
        self.state.metrics.cache.labels(self.name, "miss").inc()
        body = await answer()
        await self.state.cache.set(key, body, ANSWER_TTL)
        return Response(body, media_type=JSON, headers={"X-Cache": "miss"})
