"""Bad input is a 400 with the uniform body, never a 500 and never a silent coercion: times that leave
years 1-9999 in UTC, numbers read as Unix times, 0/1 or "yes" for booleans, "5"/5.0 for integers and
numbers for strings - in query strings and in bodies. And a walk: every route's query parameters use
the strict query types and every JSON body is a RequestSchema (kit.strict)."""

from __future__ import annotations

import datetime as dt
import inspect
import types
import typing
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from fllc_server.app import create_app
from fllc_server.config import Settings
from fllc_server.kit.schemas import RequestSchema
from fllc_server.kit.strict import STRICT_VALIDATORS
from pydantic import BaseModel

TIMED_LISTS = ["/api/v1/audit-log", "/api/v1/stock/movements", "/api/v1/orders"]
BAD_TIMES = [
    "0001-01-01T00:00:00+05:00",  # year 0 in UTC
    "9999-12-31T23:00:00-05:00",  # year 10000 in UTC
    "0.5",  # a Unix time
    "1700000000",
    "2026-13-01T00:00:00Z",
    "2026-1-1",
    "\uff12026-01-01",
    "2026-01-01T25:00:00Z",
    "yesterday",
]


def _uniform_400(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"]
    assert error["message"]
    assert isinstance(error["details"], list)


@pytest.mark.parametrize("path", TIMED_LISTS)
@pytest.mark.parametrize("param", ["since", "until"])
async def test_times_out_of_range_or_not_iso_are_400(client, auth_headers, path: str, param: str) -> None:
    headers = await auth_headers("admin")
    for value in BAD_TIMES:
        _uniform_400(await client.get(path, params={param: value}, headers=headers))
    ok = await client.get(path, params={param: "0001-01-01T05:00:00+05:00"}, headers=headers)
    assert ok.status_code == 200, ok.text  # the first instant of year 1 in UTC is fine
    for fine in ("2026-01-01T00:00:00", "2026-01-01", "2026-01-01T00:00:00.5+02:00"):
        answer = await client.get(path, params={param: fine}, headers=headers)
        assert answer.status_code == 200, answer.text


QUERY_CASES = [
    ("/api/v1/users", "active", ["1", "0", "yes", "on", "True", ""]),
    ("/api/v1/users", "page", ["1.0", "+1", "1_0", " 1", "1e0", "true", "\uff11", "\u0661"]),
    ("/api/v1/products", "below_reorder", ["1", "yes"]),
    ("/api/v1/products", "category_id", ["1.0", "1_0"]),
    ("/api/v1/sync/changes", "since", ["0.0", "1_000"]),
]
PATH_IDS = ["1.0", "%201", "+1", "1_0", "0x1", "0", "99999999999999999999999", "%EF%BC%91"]


@pytest.mark.parametrize("route", ["/api/v1/users/{}", "/api/v1/products/{}", "/api/v1/purchase-orders/{}"])
async def test_ids_in_paths_are_digits_only(client, auth_headers, route: str) -> None:
    headers = await auth_headers("admin")
    for value in PATH_IDS:
        _uniform_400(await client.get(route.format(value), headers=headers))


@pytest.mark.parametrize(("path", "param", "values"), QUERY_CASES)
async def test_query_numbers_and_booleans_are_strict(client, auth_headers, path, param, values) -> None:
    headers = await auth_headers("admin")
    for value in values:
        _uniform_400(await client.get(path, params={param: value}, headers=headers))
    good = {"active": "true", "below_reorder": "false"}.get(param, "1")
    assert (await client.get(path, params={param: good}, headers=headers)).status_code == 200


async def test_body_booleans_integers_and_strings_are_strict(client, auth_headers, make_user) -> None:
    admin = await auth_headers("admin")
    user = await make_user("staff")
    for body in (
        {"is_active": 0},
        {"is_active": 1},
        {"is_active": "false"},
        {"full_name": 5},
        {"role": 1},
        {"email": ["a@b.c"]},
    ):
        _uniform_400(await client.patch(f"/api/v1/users/{user['id']}", json=body, headers=admin))
    still = await client.get(f"/api/v1/users/{user['id']}", headers=admin)
    assert still.json()["is_active"] is True
    for body in ({"name": "A-1", "code": 7}, {"name": 1, "code": "A-1"}):
        _uniform_400(await client.post("/api/v1/locations", json=body, headers=admin))
    for quantity in ("5", 5.0, True):
        response = await client.post(
            "/api/v1/stock/intake", json={"product_id": 1, "quantity": quantity}, headers=admin
        )
        _uniform_400(response)
    supplier = (await client.post("/api/v1/suppliers", json={"name": "S"}, headers=admin)).json()["id"]
    for expected in (0, 1700000000, "0.5", "tomorrow"):
        body = {"supplier_id": supplier, "expected_at": expected}
        _uniform_400(await client.post("/api/v1/purchase-orders", json=body, headers=admin))
    ok = await client.post(
        "/api/v1/purchase-orders", json={"supplier_id": supplier, "expected_at": "2026-02-01"}, headers=admin
    )
    assert ok.status_code == 201, ok.text


async def test_a_sync_op_payload_is_as_strict_as_its_rest_body(client, auth_headers) -> None:
    headers = await auth_headers("staff")
    push = {
        "device_id": "dev-1",
        "ops": [
            {
                "op_id": "6f1c3a2e-0000-4000-8000-000000000001",
                "kind": "stock.intake",
                "payload": {"product_id": 1, "quantity": "3"},
                "created_at": "2026-01-01T00:00:00Z",
            }
        ],
    }
    _uniform_400(await client.post("/api/v1/sync/push", json=push, headers=headers))
    push["ops"][0]["payload"] = {"product_id": 1, "quantity": 3}
    push["ops"][0]["created_at"] = 1700000000
    _uniform_400(await client.post("/api/v1/sync/push", json=push, headers=headers))


# -- the walk ---------------------------------------------------------------------------------------

STRICT_SCALARS = (bool, int, float, dt.datetime, dt.date)


def _strict(annotation: object, metadata: list[object]) -> bool:
    """Whether a query parameter's type is a strict one (or not a scalar that needs it)."""
    if any(getattr(m, "func", None) in STRICT_VALIDATORS for m in metadata):
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        return _strict(base, list(extra))
    if origin in (typing.Union, types.UnionType):
        return all(_strict(arg, []) for arg in typing.get_args(annotation) if arg is not type(None))
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return all(_strict(f.annotation, list(f.metadata)) for f in annotation.model_fields.values())
    return not (inspect.isclass(annotation) and issubclass(annotation, STRICT_SCALARS))


def _request_schemas(annotation: object) -> bool:
    """A RequestSchema, or a union (discriminated or not) of them."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _request_schemas(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return all(_request_schemas(arg) for arg in typing.get_args(annotation))
    return inspect.isclass(annotation) and issubclass(annotation, RequestSchema)


def _dependants(dependant):
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def test_every_query_parameter_and_body_of_every_route_is_strict(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, secret_key="r" * 40), migrate=False)
    lax_queries, lax_bodies, queries = [], [], 0
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        for dependant in _dependants(route.dependant):
            for field in [*dependant.query_params, *dependant.path_params]:
                queries += 1
                if not _strict(field.field_info.annotation, list(field.field_info.metadata)):
                    lax_queries.append((route.path, field.name, field.field_info.annotation))
            for field in dependant.body_params:
                model = field.field_info.annotation
                if not _request_schemas(model):
                    lax_bodies.append((route.path, field.name, model))
    assert queries > 40
    assert lax_queries == []
    assert lax_bodies == []
