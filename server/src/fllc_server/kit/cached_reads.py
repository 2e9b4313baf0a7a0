"""Cached reads answered before the framework: the fast path of the request path.

A read whose answer is cached (product search, barcode lookup) costs the cache one lookup; the
framework's routing, dependency solving and parameter validation cost several times that. This
layer sits where the routes would begin (after the request context, the rate limit and CORS) and
answers a GET from the cache when it can: the caller is signed in with the read's permission
(the same verification the route's dependencies run) and an answer to exactly this request is
stored for the current generation of its data — or the read can work the answer out itself
without the framework (the search, from the in-process index: catalog.search_params), in which
case it is stored as a miss. Anything else — no token, a denied permission, parameters the read
cannot take, the cache unreachable — goes on to the route, which computes, stores and answers (or
explains the error). So this layer never answers an error and never changes what is answered;
it only answers sooner. Each read is declared once (`CachedRead`) and used by both: the route
stores under the key this layer looks up, and the permission this layer checks is the one the
route's dependencies declare (`auth.dependencies.required_permission`), found when the app is
built — a read whose route declares none is refused then, not served to anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from fllc_server.auth.dependencies import required_permission, user_of
from fllc_server.auth.permissions import Permission
from fllc_server.observability.logging import get_logger
from fllc_server.observability.middleware import ROUTE_TEMPLATE

if TYPE_CHECKING:
    from fllc_server.state import AppState

log = get_logger("fllc.cached_reads")


class CachedRead(Protocol):
    @property
    def route(self) -> str:
        """The route template it answers for, e.g. "/api/v1/products"."""
        ...

    async def answer(self, state: AppState, scope: Scope) -> tuple[bytes, bool] | None:
        """(the answer to exactly this request, whether it came from the cache) — the current
        stored answer, or one the read can work out without the framework — else None."""
        ...


@dataclass(frozen=True)
class GuardedRead:
    """A cached read with the permission its route declares."""

    read: CachedRead
    permission: Permission

    @property
    def route(self) -> str:
        return self.read.route


def guarded(reads: Sequence[CachedRead], routes: Sequence[BaseRoute]) -> list[GuardedRead]:
    """Each read with its GET route's permission; a read without such a route, or whose route
    demands no permission, is a mistake in the app's wiring (ValueError at start)."""
    gets = [route for route in routes if isinstance(route, APIRoute) and "GET" in (route.methods or ())]
    by_path = {route.path: route for route in gets}
    found = []
    for read in reads:
        route = by_path.get(read.route)
        permission = None if route is None else required_permission(route)
        if permission is None:
            raise ValueError(f"cached read {read.route!r} needs a GET route that declares a permission")
        found.append(GuardedRead(read, permission))
    return found


class CachedReadsMiddleware:
    def __init__(self, app: ASGIApp, reads: Sequence[GuardedRead]) -> None:
        self.app = app
        # A route without parameters is matched by its path, one with parameters ("/x/{code:path}")
        # by what comes before them; both worked out once here, not per request.
        self._exact = {read.route: read for read in reads if "{" not in read.route}
        self._prefixed = tuple((read.route.split("{", 1)[0], read) for read in reads if "{" in read.route)

    def _read_for(self, path: str) -> GuardedRead | None:
        read = self._exact.get(path)
        if read is not None:
            return read
        for prefix, candidate in self._prefixed:
            if path.startswith(prefix) and len(path) > len(prefix):
                return candidate
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            read = self._read_for(scope["path"])
            if read is not None and await self._answer(read, scope, send):
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _answer(guard: GuardedRead, scope: Scope, send: Send) -> bool:
        state: AppState = scope["app"].state.fllc
        read = guard.read
        try:
            user = await user_of(state, scope)
            if user is None or not user.can(guard.permission):
                return False
            answered = await read.answer(state, scope)
        except Exception:  # the cache unreachable: the route answers (and says what is wrong)
            log.warning("cached_read_failed", route=read.route, exc_info=True)
            return False
        if answered is None:
            return False
        body, hit = answered
        scope[ROUTE_TEMPLATE] = read.route
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-cache", b"hit" if hit else b"miss"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
        return True
