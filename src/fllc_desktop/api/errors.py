"""Typed errors for everything that can go wrong talking to the server.

Every failure of the HTTP layer is translated here, at this one boundary, into an ``ApiError`` with a
``title`` and a ``message`` a person can act on (Maestral's style). The Qt layer shows ``title`` /
``message`` and branches on the class; nothing above ``api/`` sees an httpx exception.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from typing import Any

import httpx

JsonObject = dict[str, Any]


class ApiError(Exception):
    """Base of every error the API client raises."""

    title = "The server refused the request"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        details: list[Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details: list[Any] = details or []

    @property
    def retryable(self) -> bool:
        """Whether the same request may succeed later without anyone changing anything."""
        return False


class OfflineError(ApiError):
    title = "The server cannot be reached"

    @property
    def retryable(self) -> bool:
        return True


class UnauthorizedError(ApiError):
    title = "Please sign in again"


class MfaRequiredError(ApiError):
    """The password was right; the account needs its second factor: ask for a code and call
    ``client.auth.verify_mfa(challenge_token, ...)``."""

    title = "Enter your sign-in code"

    def __init__(self, challenge_token: str, expires_in: int) -> None:
        super().__init__(
            "Enter the 6-digit code from your authenticator app.", status=200, code="mfa_required"
        )
        self.challenge_token = challenge_token
        self.expires_in = expires_in


class ForbiddenError(ApiError):
    title = "Not allowed for your role"


class NotFoundError(ApiError):
    title = "Not found"


class ConflictError(ApiError):
    """Someone else changed it first; ``current`` is the server's version, to show beside ours."""

    title = "Changed by someone else"

    def __init__(self, message: str, *, current: JsonObject | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.current = current


class GoneError(ApiError):
    """The resource (typically the sync cursor) is too old: start again from scratch."""

    title = "Out of date"


class RateLimitedError(ApiError):
    title = "Too many requests"

    def __init__(self, message: str, *, retry_after: float, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return True


class ValidationError(ApiError):
    """A 400: ``field_errors`` maps a field name to the server's messages about it."""

    title = "Please check the entry"

    def __init__(self, message: str, *, field_errors: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field_errors = field_errors


class ServerError(ApiError):
    title = "The server had a problem"

    @property
    def retryable(self) -> bool:
        return True


class UnexpectedResponseError(ApiError):
    """The server answered with something this client does not understand (a version mismatch)."""

    title = "Unexpected answer from the server"


DEFAULT_RETRY_AFTER = 5.0


def offline_error(exc: httpx.TransportError) -> OfflineError:
    if isinstance(exc, httpx.TimeoutException):
        return OfflineError("The server did not answer in time. Check the network and try again.")
    return OfflineError(f"Could not connect to the server ({type(exc).__name__}). Working offline.")


_PLAIN_ERRORS: dict[int, type[ApiError]] = {
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    410: GoneError,
}


def error_from_response(response: httpx.Response, *, now: datetime | None = None) -> ApiError:
    """Translate a non-2xx response into its typed error."""
    status = response.status_code
    code, message, details, error = _read_error_body(response)
    common: dict[str, Any] = {"status": status, "code": code, "details": details}
    if status in _PLAIN_ERRORS:
        return _PLAIN_ERRORS[status](message, **common)
    if status in {400, 422}:
        return ValidationError(message, field_errors=field_errors(details), **common)
    if status == 409:
        return ConflictError(message, current=conflict_current(details, error), **common)
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now=now)
        return RateLimitedError(message, retry_after=retry_after, **common)
    error_class = ServerError if status >= 500 else ApiError
    return error_class(message, **common)


def _read_error_body(response: httpx.Response) -> tuple[str | None, str, list[Any], JsonObject]:
    fallback = f"HTTP {response.status_code} {response.reason_phrase}".strip()
    try:
        body = response.json()
    except ValueError:
        return None, fallback, [], {}
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, fallback, [], {}
    details = error.get("details")
    details_list = details if isinstance(details, list) else ([details] if details else [])
    message = error.get("message")
    return error.get("code"), str(message) if message else fallback, details_list, error


def field_errors(details: list[Any]) -> dict[str, list[str]]:
    """``[{"field": "sku", "message": ...}]`` or FastAPI's ``[{"loc": [...], "msg": ...}]``."""
    found: dict[str, list[str]] = {}
    for detail in details:
        if not isinstance(detail, dict):
            continue
        name = _field_name(detail)
        text = detail.get("message") or detail.get("msg") or "is not valid"
        found.setdefault(name, []).append(str(text))
    return found


def _field_name(detail: JsonObject) -> str:
    if isinstance(detail.get("field"), str):
        return str(detail["field"])
    loc = detail.get("loc")
    if isinstance(loc, list | tuple):
        parts = [str(p) for p in loc if p not in ("body", "query", "path")]
        return ".".join(parts) or "__all__"
    return "__all__"


def conflict_current(details: list[Any], error: JsonObject) -> JsonObject | None:
    """The server's current entity, from ``details: [{"current": {...}}]`` or ``error.current``."""
    for detail in details:
        if isinstance(detail, dict) and isinstance(detail.get("current"), dict):
            return dict(detail["current"])
    current = error.get("current")
    return dict(current) if isinstance(current, dict) else None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float:
    """``Retry-After`` is either delta-seconds or an HTTP date."""
    if not value:
        return DEFAULT_RETRY_AFTER
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
