"""Cached catalog answers: serialised JSON bytes stored with the catalog generation they belong to.

The generation is read *before* the query, and every committed catalog or stock write replaces it
(kit.changes.record_change), so an answer computed from data older than the newest write is stored
with a generation nobody reads any more: a write is visible on the very next read. Two computations
racing over one question can only overwrite each other's entry (a later miss), never serve an answer
under a generation it was not computed in.

A lookup reads the generation (one small read, shared by concurrent requests but always sent after
each of them arrived: infra.cache.FreshRead) and then looks for the answer in this process's memory
(LocalAnswers), then in the shared cache (Redis), where every process stores what it computed as
`<generation>\\n<answer>`. A hit returns the stored bytes as they are — no query, no validation, no
serialisation.

The two cached reads of the API (search and barcode lookup) are keyed by the request itself (path
and query string, as sent), so the fast path (kit.cached_reads) finds an answer before the framework
parses anything; the route stores under the same key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request, Response
from starlette.types import Scope

from fllc_server.auth.permissions import Permission
from fllc_server.kit.changes import catalog_generation

if TYPE_CHECKING:
    from fllc_server.state import AppState

ANSWER_TTL = 60
JSON = "application/json"
SEPARATOR = b"\n"  # generation tokens are hex


class CatalogAnswers:
    """One named cache of answers (`product_search`, `by_barcode`...), counted in /metrics."""

    def __init__(self, state: AppState, name: str) -> None:
        self.state = state
        self.name = name

    def key(self, question: str) -> str:
        return f"catalog:{self.name}:{hashlib.sha256(question.encode()).hexdigest()[:40]}"

    async def respond(self, question: str, answer: Callable[[], Awaitable[bytes]]) -> Response:
        """The cached answer to `question`, or compute, store and return it (X-Cache says which)."""
        body, hit = await self.lookup(question, answer)
        return Response(body, media_type=JSON, headers={"X-Cache": "hit" if hit else "miss"})

    async def cached(self, question: str) -> bytes | None:
        """The stored answer for the current generation, or None (counted as a hit when found)."""
        generation = await self.state.catalog_generation.get()
        body = None if generation is None else await self._stored(self.key(question), generation)
        if body is not None:
            self.state.metrics.cache_lookup(self.name, hit=True)
        return body

    async def lookup(self, question: str, answer: Callable[[], Awaitable[bytes]]) -> tuple[bytes, bool]:
        """(the answer's bytes, whether they came from the cache)."""
        key = self.key(question)
        generation = await self.state.catalog_generation.get()
        if generation is not None:
            body = await self._stored(key, generation)
            if body is not None:
                self.state.metrics.cache_lookup(self.name, hit=True)
                return body, True
        self.state.metrics.cache_lookup(self.name, hit=False)
        current = generation if generation is not None else (await catalog_generation(self.state)).encode()
        body = await answer()
        await self.state.cache.set(key, current + SEPARATOR + body, ANSWER_TTL)
        self.state.answers.put(key, current, body)
        return body, False

    async def _stored(self, key: str, generation: bytes) -> bytes | None:
        body = self.state.answers.get(key, generation)
        if body is not None:
            return body
        stored = await self.state.cache.get(key)  # computed by another process, or evicted here
        prefix = generation + SEPARATOR
        if stored is None or not stored.startswith(prefix):
            return None
        body = stored[len(prefix):]
        self.state.answers.put(key, generation, body)
        return body


@dataclass(frozen=True)
class CatalogRead:
    """A cached read of the catalog API, for the fast path and its route (kit.cached_reads)."""

    name: str
    route: str
    permission: Permission = Permission.PRODUCTS_VIEW

    @staticmethod
    def question(scope: Scope) -> str:
        """The request as sent: two spellings of one question are two entries, never a wrong one."""
        return f"{scope['path']}?{scope.get('query_string', b'').decode('latin-1')}"

    async def cached(self, state: AppState, scope: Scope) -> bytes | None:
        return await CatalogAnswers(state, self.name).cached(self.question(scope))

    async def respond(self, request: Request, answer: Callable[[], Awaitable[bytes]]) -> Response:
        state: AppState = request.app.state.fllc
        return await CatalogAnswers(state, self.name).respond(self.question(request.scope), answer)


PRODUCT_SEARCH = CatalogRead("product_search", "/api/v1/products")
BY_BARCODE = CatalogRead("by_barcode", "/api/v1/products/by-barcode/{code:path}")
CACHED_READS = (BY_BARCODE, PRODUCT_SEARCH)
