"""The OpenAPI schema tells the truth about errors: every operation documents the uniform error
body for the statuses the request path can answer, and the framework's 422 is gone (we send 400)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_BODY = "ErrorBody"
ERROR_RESPONSES = {
    "400": "The request is not valid (malformed JSON, wrong types, unknown fields...)",
    "401": "Not signed in, or the access token is invalid, expired or revoked",
    "403": "The signed-in user's role lacks the permission this operation needs",
    "404": "Nothing is found under this id",
    "409": "The request conflicts with the current state",
    "429": "Too many requests; retry after the Retry-After header's seconds",
}
_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}
_UNUSED = ("HTTPValidationError", "ValidationError")


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_BODY}"}}},
    }


def _document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status, description in ERROR_RESPONSES.items():
                responses.setdefault(status, _error_response(description))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in _UNUSED:
        components.pop(name, None)
    components[ERROR_BODY] = _ERROR_SCHEMA
    return schema


def document_error_responses(app: FastAPI) -> None:
    """Wrap app.openapi so that the schema FastAPI builds (once, cached) documents the errors."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document_errors(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
