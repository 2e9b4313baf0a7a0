"""One connection to the server: requests, the bearer token, the silent refresh, error mapping.

Runs on worker threads (a sync ``httpx.Client`` is safe to share between them); the refresh is
serialised so two requests that meet a 401 at once refresh only once.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from fllc_desktop.api.errors import (
    UnauthorizedError,
    UnexpectedResponseError,
    error_from_response,
    offline_error,
)
from fllc_desktop.api.models import AuthSession
from fllc_desktop.api.tokens import Tokens, TokenStore

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class Fetched:
    content_type: str
    content: bytes


class ServerConnection:
    def __init__(
        self,
        base_url: str,
        tokens: TokenStore,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self._http = httpx.Client(base_url=self.base_url, transport=transport, timeout=timeout)
        self._refresh_lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """An authenticated request; the decoded JSON answer (None for 204)."""
        sent_headers = dict(headers or {})
        if method in _WRITES:
            sent_headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        response = self._send_authenticated(method, path, json, params, sent_headers)
        return decode(response)

    def fetch(self, path: str, *, params: dict[str, Any] | None = None) -> Fetched:
        """An authenticated GET of a file: its bytes and content type (errors as for `call`)."""
        response = self._send_authenticated("GET", path, None, params, {})
        return Fetched(response.headers.get("content-type", "application/octet-stream"), response.content)

    def call_anonymous(self, method: str, path: str, *, json: Any = None) -> Any:
        return decode(self._send(method, path, json=json))

    def refresh_with(self, refresh_token: str, username: str) -> AuthSession:
        """Trade a refresh token for a new session and keep its tokens."""
        answer = self.call_anonymous("POST", REFRESH, json={"refresh_token": refresh_token})
        session = AuthSession.from_wire(answer)
        self.tokens.keep(username, Tokens(session.access_token, session.refresh_token))
        return session

    def _send_authenticated(
        self, method: str, path: str, json: Any, params: dict[str, Any] | None, headers: dict[str, str]
    ) -> httpx.Response:
        used = self.tokens.tokens
        try:
            return self._send(method, path, json=json, params=params, headers=headers, tokens=used)
        except UnauthorizedError:
            if used is None:
                raise
        renewed = self._refresh_after_401(used)
        return self._send(method, path, json=json, params=params, headers=headers, tokens=renewed)

    def _refresh_after_401(self, used: Tokens) -> Tokens:
        with self._refresh_lock:
            current, username = self.tokens.tokens, self.tokens.username
            if current is not None and current.access_token != used.access_token:
                return current  # another thread refreshed while we waited
            if current is None or username is None:
                raise UnauthorizedError("You have been signed out. Please sign in again.", status=401)
            try:
                session = self.refresh_with(current.refresh_token, username)
            except UnauthorizedError as exc:
                self.tokens.clear()
                raise UnauthorizedError(
                    "Your session has expired. Please sign in again.", status=401, code=exc.code
                ) from exc
            return Tokens(session.access_token, session.refresh_token)

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        tokens: Tokens | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        sent.setdefault("traceparent", new_traceparent())
        if tokens is not None:
            sent["Authorization"] = f"Bearer {tokens.access_token}"
        try:
            response = self._http.request(method, path, json=json, params=_drop_none(params), headers=sent)
        except httpx.TransportError as exc:
            raise offline_error(exc) from exc
        if response.is_error:
            raise error_from_response(response)
        return response


def new_traceparent() -> str:
    """A W3C trace context for one request (`00-<trace id>-<span id>-01`, sampled): a server with
    tracing on continues this trace, so a request from this tablet is found by its trace id down to
    the database."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def decode(response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise UnexpectedResponseError(
            f"The server sent something that is not JSON (HTTP {response.status_code}).",
            status=response.status_code,
        ) from exc


def _drop_none(params: dict[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {key: value for key, value in params.items() if value is not None}
