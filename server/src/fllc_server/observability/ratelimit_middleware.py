"""The first gate: per user when a valid bearer token is presented, per client IP otherwise."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from fllc_server.kit.errors import error_body

_EXEMPT = {"/healthz", "/readyz", "/metrics"}


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _EXEMPT:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state.fllc
        verdict = await state.api_limiter.hit(state.runtime.rate_limit, "api", self._caller(scope, state))
        if verdict.allowed:
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            error_body("rate_limited", f"Too many requests; retry in {verdict.retry_after} s")
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", str(verdict.retry_after).encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _caller(scope: Scope, state: object) -> str:
        for name, value in scope.get("headers", ()):
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                subject = state.tokens.peek_subject(value[7:].decode("latin-1"))  # type: ignore[attr-defined]
                if subject is not None:
                    return f"user:{subject}"
        client = scope.get("client")
        return f"ip:{client[0] if client else 'unknown'}"
