"""Pure-ASGI request context: request id in and out, one JSON log line, metrics, security headers."""

from __future__ import annotations

import itertools
import os
import re
import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fllc_server.observability.logging import ACCESS_LOG
from fllc_server.observability.metrics import Metrics

ROUTE_TEMPLATE = "route_template"  # set by a layer that answered for a route (kit.cached_reads)

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_DOCS_CSP = (
    b"default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
    b"connect-src 'self'; frame-ancestors 'none'"
)
_HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")



# Request ids: a random per-process prefix and a counter — unique across processes and restarts
# without a system call per request (os.urandom showed in profiles of the hot path).
_ID_PREFIX = os.urandom(6).hex()
_ID_COUNTER = itertools.count(1)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _REQUEST_ID.fullmatch(candidate):
                return candidate
    return f"{_ID_PREFIX}{next(_ID_COUNTER):020x}"


def _route_template(scope: Scope, status: int) -> str:
    """The matched route's template; a plain Starlette route (the schema, the docs) that answered
    is named by its path; anything else (404s, requests stopped before routing) is "unmatched",
    so that no client can grow the label set."""
    path = scope.get(ROUTE_TEMPLATE) or getattr(scope.get("route"), "path", None)
    if path:
        return str(path)
    return str(scope["path"]) if 200 <= status < 400 else "unmatched"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status_holder = {"status": 500}
        is_tls = scope.get("scheme") in ("https", "wss")
        is_docs = scope.get("path", "") in ("/docs", "/redoc")

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers: list[Any] = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                for name, value in _SECURITY_HEADERS:
                    docs_csp = name == b"content-security-policy" and is_docs
                    headers.append((name, _DOCS_CSP if docs_csp else value))
                if is_tls:
                    headers.append(_HSTS)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if scope["type"] == "http":
                self._finish(scope, request_id, status_holder["status"], started)

    def _finish(self, scope: Scope, request_id: str, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        route = _route_template(scope, status)
        self.metrics.observe_request(scope["method"], route, status, elapsed)
        ACCESS_LOG.write({
            "request_id": request_id,
            "method": scope["method"],
            "path": scope["path"],
            "route": route,
            "status": status,
            "latency_ms": round(elapsed * 1000, 2),
            "user_id": scope.get("state", {}).get("user_id"),
            "client": (scope.get("client") or ("", 0))[0],
        })
