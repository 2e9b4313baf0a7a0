"""Every error leaves in the uniform body; validation failures are 400, never the framework's 422."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError
from starlette.exceptions import HTTPException as StarletteHTTPException

from fllc_server.kit.errors import AppError, error_body
from fllc_server.kit.openapi import document_error_responses
from fllc_server.observability.logging import get_logger

log = get_logger("fllc.errors")

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        in_request = location[:1] in (["body"], ["query"], ["path"], ["header"])
        field = ".".join(location[1:]) if in_request else ".".join(location)
        if error.get("type") == "json_invalid":
            field = ""
        details.append(
            {
                "field": field or None,
                "location": location[0] if location else None,
                "message": str(error.get("msg", "invalid")),
                "type": str(error.get("type", "invalid")),
            }
        )
    return details


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = _validation_details(exc)
    message = "The request is not valid"
    if details and details[0]["type"] == "json_invalid":
        message = "The body is not valid JSON"
    return JSONResponse(error_body("validation_error", message, details), status_code=400)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return JSONResponse(
        error_body(code, message), status_code=exc.status_code, headers=getattr(exc, "headers", None)
    )


async def _out_of_range(_request: Request, exc: Exception) -> JSONResponse:
    """A number too large for the database (e.g. an id past 2**63 on SQLite) is bad input."""
    return JSONResponse(
        error_body(
            "validation_error",
            "A number in the request is out of range",
            [{"field": None, "location": None, "message": str(exc), "type": "out_of_range"}],
        ),
        status_code=400,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path, error=type(exc).__name__)
    return JSONResponse(
        error_body("internal_error", "Something went wrong on the server; it has been logged"),
        status_code=500,
    )


# MySQL/MariaDB: deadlock victim, lock wait timeout; SQLite: "database is locked".
_TRANSIENT_MYSQL_CODES = {1205, 1213}


def _is_transient(exc: DBAPIError) -> bool:
    args = getattr(exc.orig, "args", ())
    if args and isinstance(args[0], int) and args[0] in _TRANSIENT_MYSQL_CODES:
        return True
    return "database is locked" in str(exc.orig)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A busy or unreachable database is the environment's fault: 503 with a retry hint.

    The transaction was rolled back, so a client may retry (with the same Idempotency-Key).
    Anything else from the database is our bug and stays a logged 500.
    """
    assert isinstance(exc, DBAPIError)
    if _is_transient(exc):
        log.warning("database busy", path=request.url.path, error=str(exc.orig)[:200])
        body = error_body("database_busy", "The database was busy with a conflicting change; retry")
        return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        log.warning("database unreachable", path=request.url.path, error=type(exc.orig).__name__)
        body = error_body("database_unavailable", "The database is not reachable right now; retry")
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    return await _unexpected(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error in the uniform body, and say so in the OpenAPI schema."""
    document_error_responses(app)
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
