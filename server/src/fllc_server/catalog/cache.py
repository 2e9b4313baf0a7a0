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

import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request, Response
from starlette.types import Scope

from fllc_server.catalog import search_params
from fllc_server.kit.changes import catalog_generation

if TYPE_CHECKING:
    from fllc_server.state import AppState

ANSWER_TTL = 60
JSON = "application/json"
MISSED_AT = "fllc.missed_at"  # scope["state"]: {read name: the generation the fast path found nothing under}
Answer = Callable[[bytes], Awaitable[bytes]]  # computes an answer, given the generation it is for
SEPARATOR = b"\n"  # generation tokens are hex


class CatalogAnswers:
    """One named cache of answers (`product_search`, `by_barcode`...), counted in /metrics."""

    def __init__(self, state: AppState, name: str) -> None:
        self.state = state
        self.name = name

    def key(self, question: str) -> str:
        return f"catalog:{self.name}:{hashlib.sha256(question.encode()).hexdigest()[:40]}"

    async def respond(self, question: str, answer: Answer, *, missed_at: bytes | None = None) -> Response:
        """The cached answer to `question`, or compute, store and return it (X-Cache says which)."""
        body, hit = await self.lookup(question, answer, missed_at=missed_at)
        return Response(body, media_type=JSON, headers={"X-Cache": "hit" if hit else "miss"})

    async def find(self, question: str) -> tuple[bytes | None, bytes | None]:
        """(the stored answer for the current generation or None, that generation); a hit is counted."""
        generation = await self.state.catalog_generation.get()
        body = None if generation is None else await self._stored(self.key(question), generation)
        if body is not None:
            self.state.metrics.cache_lookup(self.name, hit=True)
        return body, generation

    async def lookup(
        self, question: str, answer: Answer, *, missed_at: bytes | None = None
    ) -> tuple[bytes, bool]:
        """(the answer's bytes, whether they came from the cache). `missed_at`: this request already
        looked under that generation and found nothing (the fast path): compute under it."""
        generation = missed_at
        if generation is None:
            body, generation = await self.find(question)
            if body is not None:
                return body, True
        current = (
            generation if generation is not None else (await catalog_generation(self.state.cache)).encode()
        )
        body, computed = await self.state.answers.once(self.key(question), current, lambda: answer(current))
        if not computed:  # another request of this process worked it out meanwhile (and stored it)
            self.state.metrics.cache_lookup(self.name, hit=True)
            return body, True
        await self.store(question, current, body)
        return body, False

    async def store(self, question: str, generation: bytes, body: bytes) -> None:
        """Keep an answer computed under `generation` (here and in the shared cache); a miss."""
        self.state.metrics.cache_lookup(self.name, hit=False)
        key = self.key(question)
        await self.state.cache.set(key, generation + SEPARATOR + body, ANSWER_TTL)
        self.state.answers.put(key, generation, body)

    async def _stored(self, key: str, generation: bytes) -> bytes | None:
        body = self.state.answers.get(key, generation)
        if body is not None:
            return body
        stored = await self.state.cache.get(key)  # computed by another process, or evicted here
        prefix = generation + SEPARATOR
        if stored is None or not stored.startswith(prefix):
            return None
        body = stored[len(prefix) :]
        self.state.answers.put(key, generation, body)
        return body


@dataclass(frozen=True)
class CatalogRead:
    """A cached read of the catalog API, for the fast path and its route (kit.cached_reads).

    `compute`: how to work out a miss without the framework (the search, from the in-process
    index), given the request and the generation the answer is for; None when it cannot.
    `daily`: the answer takes no parameters and depends on today's date (UTC), so it is kept per
    day as well as per generation (the dashboard's receipts today, late orders)."""

    name: str
    route: str  # its permission is the route's own (kit.cached_reads.guarded)
    compute: Callable[[AppState, Scope, bytes], Awaitable[bytes | None]] | None = None
    daily: bool = False

    def question(self, scope: Scope) -> str:
        """The request as sent: two spellings of one question are two entries, never a wrong one."""
        if self.daily:
            return f"{scope['path']}@{dt.datetime.now(dt.UTC).date().isoformat()}"
        return f"{scope['path']}?{scope.get('query_string', b'').decode('latin-1')}"

    async def answer(self, state: AppState, scope: Scope) -> tuple[bytes, bool] | None:
        """(the answer, whether it came from the cache), or None: the route answers."""
        answers = CatalogAnswers(state, self.name)
        question = self.question(scope)
        body, generation = await answers.find(question)
        if body is not None:
            return body, True
        if generation is None:
            return None
        if self.compute is not None:
            body = await self.compute(state, scope, generation)
            if body is not None:
                await answers.store(question, generation, body)
                return body, False
        # The route computes under this generation: it need not look again.
        scope.setdefault("state", {}).setdefault(MISSED_AT, {})[self.name] = generation
        return None

    async def respond(self, request: Request, answer: Answer) -> Response:
        """Answer the route's request: from the cache, or computed by `answer(generation)` (the
        generation its data must be at least as new as) and stored."""
        state: AppState = request.app.state.fllc
        missed_at = request.scope.get("state", {}).get(MISSED_AT, {}).get(self.name)
        return await CatalogAnswers(state, self.name).respond(
            self.question(request.scope), answer, missed_at=missed_at
        )


PRODUCT_SEARCH = CatalogRead("product_search", "/api/v1/products", compute=search_params.fast_answer)
BY_BARCODE = CatalogRead("by_barcode", "/api/v1/products/by-barcode/{code:path}")
CACHED_READS = (BY_BARCODE, PRODUCT_SEARCH)
