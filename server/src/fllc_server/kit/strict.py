"""Strict types for what clients send: one set of rules for request bodies and query parameters.

- a boolean is `true`/`false` (JSON), or "true"/"false" in a query string - never 0, 1, "yes";
- an integer is a JSON integer, or a query string of digits - never 1.0, "1", true, "5_000";
- a string is a JSON string - never a number;
- a time is an ISO 8601 string: a date, or a date and a time (a query's `until=0.5` is not a Unix
  time), read as UTC when it has no offset (a date alone: its midnight), and refused when its UTC
  form leaves years 1-9999;
  a date is YYYY-MM-DD.

Bodies get the rules from `RequestSchema` (kit.schemas), which applies `strict_core_schema` to its
own schema: every bool/int/str/float in it becomes strict and every datetime/date ISO-only, nested
models and lists included. Query and path parameters are plain strings, so they are declared with
the `Query*`/`PathId` types below; a test walks every route's query and path parameters for them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import Path
from pydantic import BeforeValidator
from pydantic_core import CoreSchema, core_schema

_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$", re.I | re.ASCII
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
# ASCII throughout: fullwidth or Arabic-Indic digits are digits to Python's \d, not to us
_INTEGER = re.compile(r"^-?\d{1,19}$", re.ASCII)


def iso_utc(value: object) -> object:
    """An ISO 8601 date-time string → an aware UTC datetime (naive: UTC); a datetime passes."""
    if isinstance(value, dt.datetime):
        return _to_utc(value)
    if not isinstance(value, str) or not _ISO_DATETIME.match(value):
        raise ValueError("expected an ISO 8601 date and time, e.g. 2026-01-31T12:00:00Z")
    if len(value) == 10:  # a date alone: its first instant
        value += "T00:00:00"
    try:
        parsed = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError as exc:
        raise ValueError(f"not a valid date and time: {exc}") from None
    return _to_utc(parsed)


def _to_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValueError("the time in UTC falls outside the years 1 to 9999") from None


def iso_date(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("expected an ISO 8601 date, e.g. 2026-01-31")
    return value


def query_bool(value: object) -> object:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("expected true or false")


def query_int(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.match(value):
        return int(value)
    raise ValueError("expected a whole number (digits only)")


QueryBool = Annotated[bool, BeforeValidator(query_bool)]
# an id in a URL path: digits only (not "1.0", " 1", "+1"), 1 to 2**53 (what a JSON number holds)
PathId = Annotated[int, BeforeValidator(query_int), Path(ge=1, le=2**53)]
QueryInt = Annotated[int, BeforeValidator(query_int)]
UtcDateTime = Annotated[dt.datetime, BeforeValidator(iso_utc)]  # bodies and queries alike
IsoDate = Annotated[dt.date, BeforeValidator(iso_date)]
STRICT_VALIDATORS = frozenset({query_bool, query_int, iso_utc, iso_date})

_SCALARS = frozenset({"bool", "int", "str", "float"})


def strict_core_schema(schema: CoreSchema) -> CoreSchema:
    """The schema with every scalar strict and every time ISO-only, throughout (in place)."""
    walked: CoreSchema = _walk(schema, set())
    return walked


def _walk(node: Any, seen: set[int]) -> Any:
    if isinstance(node, list):
        return [_walk(item, seen) for item in node]
    if not isinstance(node, dict) or id(node) in seen:
        return node
    seen.add(id(node))
    kind = node.get("type")
    if not isinstance(kind, str):  # a mapping of field names, one of them "type"
        kind = None
    if kind in _SCALARS:
        node["strict"] = True
        return node
    if kind == "datetime":
        return core_schema.no_info_before_validator_function(iso_utc, node)
    if kind == "date":
        return core_schema.no_info_before_validator_function(iso_date, node)
    for key, value in list(node.items()):
        if key in ("metadata", "serialization", "ref"):
            continue
        if isinstance(value, dict | list):
            node[key] = _walk(value, seen)
    return node
