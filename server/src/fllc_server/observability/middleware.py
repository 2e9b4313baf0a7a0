"""The request path's first layer (pure ASGI): the request id in and out, the rate limit, one JSON
line per request, metrics and security headers.

One layer rather than one per concern: every layer is a coroutine and a `send` wrapper that each
request passes through, and this path is walked by every request (measured: the two layers this
one replaced cost a signed-in GET /api/v1/me ~30 us of CPU, about as much as the framework's
whole handling of a bare route). Order within it is the request path's: the request id first (a
429 carries it too), then the rate limit (per user when a valid bearer token is presented, per
client IP otherwise), then CORS and the routes further in.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from typing import Any

import pydantic_core
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fllc_server.auth.dependencies import bearer_token
from fllc_server.config import Settings
from fllc_server.kit.errors import error_body
from fllc_server.observability.logging import AccessLog
from fllc_server.observability.metrics import Metrics
from fllc_server.observability.proxies import TrustedProxies

ROUTE_TEMPLATE = "route_template"  # set by a layer that answered for a route (kit.cached_reads)
UNLIMITED = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes are never limited

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_API_CSP = b"default-src 'none'; frame-ancestors 'none'"
_DOCS_CSP = (
    b"default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
    b"connect-src 'self'; frame-ancestors 'none'"
)
_DOCS = frozenset({"/docs", "/redoc"})
_HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
_NO_STORE = (b"cache-control", b"no-store")


def _security_headers(csp: bytes, tls: bool) -> tuple[tuple[bytes, bytes], ...]:
    headers = (
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", csp),
        (b"cross-origin-opener-policy", b"same-origin"),
    )
    return (*headers, _HSTS) if tls else headers


# Built once: which set a response gets depends only on (docs page?, served over TLS?).
_SECURITY = {
    (docs, tls): _security_headers(_DOCS_CSP if docs else _API_CSP, tls)
    for docs in (False, True)
    for tls in (False, True)
}

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


async def _answer(send: Send, status: int, body: bytes, *extra: tuple[bytes, bytes]) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*headers, *extra]})
    await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _too_large(cap: int) -> bytes:
    return pydantic_core.to_json(
        error_body("payload_too_large", f"The request body is larger than {cap} bytes")
    )


def _caller(scope: Scope, state: Any) -> str:
    """The rate-limit key: the verified subject of a bearer token, else the client's address."""
    token = bearer_token(scope)
    if token is not None:
        subject = state.tokens.peek_subject(token)
        if subject is not None:
            return f"user:{subject}"
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


class RequestGate:
    def __init__(
        self, app: ASGIApp, metrics: Metrics, access_log: AccessLog, settings: Settings | None = None
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log
        settings = settings or Settings()
        self.proxies = TrustedProxies(settings.trusted_proxies)
        self.max_body = settings.max_body_bytes
        self.max_anonymous_body = settings.max_anonymous_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):  # lifespan
            await self.app(scope, receive, send)
            return
        self.proxies.apply(scope)
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        if kind == "websocket":  # accepted or closed by its route; no request line, no limit
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        path = scope["path"]
        added = (
            (b"x-request-id", request_id.encode()),
            *_SECURITY[(path in _DOCS, scope.get("scheme") == "https")],
        )
        status = 500
        answered = False  # by this layer (413 mid-body): whatever the app sends later is dropped

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if answered:
                return
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), *added]
                if path.startswith("/api/") and not any(k == b"cache-control" for k, _ in headers):
                    headers.append(_NO_STORE)  # answers carry tokens and business data
                message["headers"] = headers
            await send(message)

        state = scope["app"].state.fllc
        caller = _caller(scope, state)
        cap = self.max_body if caller.startswith("user:") else self.max_anonymous_body
        received = 0

        async def capped_receive() -> Message:
            nonlocal received, answered
            message = await receive()
            if message["type"] == "http.request" and not answered:
                received += len(message.get("body", b""))
                if received > cap:
                    await _answer(send_with_headers, 413, _too_large(cap))
                    answered = True
                    return {"type": "http.disconnect"}
            return message

        try:
            length = _content_length(scope)
            if length is not None and length > cap:  # refused before a byte of it is read
                await _answer(send_with_headers, 413, _too_large(cap))
            elif path in UNLIMITED or await self._within_limit(state, caller, send_with_headers):
                await self.app(scope, capped_receive, send_with_headers)
        finally:
            self._finish(scope, request_id, status, started)

    @staticmethod
    async def _within_limit(state: Any, caller: str, send: Send) -> bool:
        """Count the request against its caller's limit; answer 429 (and say False) when over it."""
        verdict = await state.api_limiter.hit(state.runtime.rate_limit, "api", caller)
        if verdict.allowed:
            return True
        body = pydantic_core.to_json(
            error_body("rate_limited", f"Too many requests; retry in {verdict.retry_after} s")
        )
        await _answer(send, 429, body, (b"retry-after", str(verdict.retry_after).encode()))
        return False

    def _finish(self, scope: Scope, request_id: str, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        route = _route_template(scope, status)
        self.metrics.observe_request(scope["method"], route, status, elapsed)
        self.access_log.write(
            {
                "request_id": request_id,
                "method": scope["method"],
                "path": scope["path"],
                "route": route,
                "status": status,
                "latency_ms": round(elapsed * 1000, 2),
                "user_id": scope["state"].get("user_id"),
                "client": (scope.get("client") or ("", 0))[0],
            }
        )
