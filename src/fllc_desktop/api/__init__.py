"""The server's REST API behind typed calls and typed errors. Imports nothing from Qt."""

from fllc_desktop.api.client import ApiClient
from fllc_desktop.api.errors import (
    ApiError,
    ConflictError,
    ForbiddenError,
    GoneError,
    MfaRequiredError,
    NotFoundError,
    OfflineError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    UnexpectedResponseError,
    ValidationError,
)
from fllc_desktop.api.models import (
    AuthSession,
    Change,
    ChangeBatch,
    CurrentUser,
    MfaEnrolment,
    OpAnswer,
    Page,
)

__all__ = [
    "ApiClient",
    "ApiError",
    "AuthSession",
    "Change",
    "ChangeBatch",
    "ConflictError",
    "CurrentUser",
    "ForbiddenError",
    "GoneError",
    "MfaEnrolment",
    "MfaRequiredError",
    "NotFoundError",
    "OfflineError",
    "OpAnswer",
    "Page",
    "RateLimitedError",
    "ServerError",
    "UnauthorizedError",
    "UnexpectedResponseError",
    "ValidationError",
]
