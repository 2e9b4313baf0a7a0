"""Cached catalog answers: serialised JSON bytes stored with the catalog generation they belong to.

The generation is read *before* the query, and every committed catalog or stock write replaces it
(kit.changes.record_change), so an answer computed from data older than the newest write is stored
with a generation nobody reads any more: a write is visible on the very next read. The entry is
`<generation>\n<answer>` under a key of the question alone, so one MGET of the generation and the
entry decides a hit (one Redis round trip); a hit returns the stored bytes as they are — no query,
no validation, no serialisation. Two computations racing over one question can only overwrite each
other's entry (a later miss), never serve an answer under a generation it was not computed in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from fastapi import Response

from fllc_server.kit.changes import CATALOG_GENERATION_KEY, catalog_generation

if TYPE_CHECKING:
    from fllc_server.state import AppState

ANSWER_TTL = 60
JSON = "application/json"
SEPARATOR = b"\n"  # generation tokens are hex


class CatalogAnswers:
    """One named cache of answers (`product_search`, `by_barcode`), counted in /metrics."""

    def __init__(self, state: AppState, name: str) -> None:
        self.state = state
        self.name = name

    async def respond(self, question: str, answer: Callable[[], Awaitable[bytes]]) -> Response:
        """The cached answer to `question`, or compute, store and return it (X-Cache says which)."""
        body, hit = await self.lookup(question, answer)
        return Response(body, media_type=JSON, headers={"X-Cache": "hit" if hit else "miss"})

    async def lookup(self, question: str, answer: Callable[[], Awaitable[bytes]]) -> tuple[bytes, bool]:
        """(the answer's bytes, whether they came from the cache)."""
        key = f"catalog:{self.name}:{hashlib.sha256(question.encode()).hexdigest()[:40]}"
        generation, stored = await self.state.cache.get_many([CATALOG_GENERATION_KEY, key])
        if generation is not None and stored is not None and stored.startswith(generation + SEPARATOR):
            self.state.metrics.cache.labels(self.name, "hit").inc()
            return stored[len(generation) + len(SEPARATOR):], True
        self.state.metrics.cache.labels(self.name, "miss").inc()
        current = generation if generation is not None else (await catalog_generation(self.state)).encode()
        body = await answer()
        await self.state.cache.set(key, current + SEPARATOR + body, ANSWER_TTL)
        return body, False
