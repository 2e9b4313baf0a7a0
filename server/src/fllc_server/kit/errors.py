"""One error base carrying its status code, rendered by one handler in the uniform body."""

from __future__ import annotations

from typing import Any

ErrorDetail = dict[str, Any]


class AppError(Exception):
    """An expected failure: rendered as {"error": {"code", "message", "details"}}."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: list[ErrorDetail] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or []
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadRequest(AppError):  # noqa: N818 — named for the HTTP answer
    status_code = 400
    code = "bad_request"


class ValidationFailed(AppError):  # noqa: N818 — named for the HTTP answer
    status_code = 400
    code = "validation_error"


class Unauthorized(AppError):  # noqa: N818 — named for the HTTP answer
    status_code = 401
    code = "unauthorized"

    def __init__(self, message: str = "Authentication required", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kwargs)


class Forbidden(AppError):  # noqa: N818 — named for the HTTP answer
    status_code = 403
    code = "forbidden"


class NotFound(AppError):  # noqa: N818 — named for the HTTP answer
    status_code = 404
    code = "not_found"


class Conflict(AppError):  # noqa: N818 — named for the HTTP answer
    status_code = 409
    code = "conflict"


class PayloadTooLarge(AppError):  # noqa: N818 — named for the HTTP answer
    status_code = 413
    code = "payload_too_large"


class RateLimited(AppError):  # noqa: N818 — named for the HTTP answer
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"Retry-After": str(max(1, retry_after))})
        super().__init__(message, **kwargs)
        self.retry_after = max(1, retry_after)


class ServiceUnavailable(AppError):  # noqa: N818 — named for the HTTP answer
    status_code = 503
    code = "service_unavailable"


def error_body(code: str, message: str, details: list[ErrorDetail] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}
