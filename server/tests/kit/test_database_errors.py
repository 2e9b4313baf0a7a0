"""A busy or unreachable database answers 503 with the uniform body and a retry hint, never 500.

A deadlock cannot be provoked on demand without minutes of lock waits, so the route below raises
the driver's real exception types (the same classes SQLAlchemy wraps) through the real app stack.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import InterfaceError, OperationalError


class _DriverError(Exception):
    pass


def _raise(exc: Exception):
    async def route() -> None:
        raise exc

    return route


@pytest.fixture
def failing_routes(app: FastAPI) -> FastAPI:
    deadlock = OperationalError("UPDATE products", {}, _DriverError(1213, "Deadlock found"))
    lock_wait = OperationalError("UPDATE products", {}, _DriverError(1205, "Lock wait timeout"))
    locked = OperationalError("INSERT", {}, _DriverError("database is locked"))
    gone = InterfaceError("SELECT 1", {}, _DriverError(2013, "Lost connection"))
    syntax = OperationalError("SELEC", {}, _DriverError(1064, "You have an error in your SQL"))
    for name, exc in [
        ("deadlock", deadlock),
        ("lock-wait", lock_wait),
        ("locked", locked),
        ("gone", gone),
        ("bug", syntax),
    ]:
        app.add_api_route(f"/_test/{name}", _raise(exc), methods=["POST"])
    return app


@pytest.mark.parametrize("name", ["deadlock", "lock-wait", "locked"])
async def test_a_busy_database_is_503_database_busy(failing_routes, client: httpx.AsyncClient, name):
    response = await client.post(f"/_test/{name}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"]["code"] == "database_busy"


async def test_a_lost_connection_is_503_database_unavailable(failing_routes, client: httpx.AsyncClient):
    response = await client.post("/_test/gone")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


async def test_other_database_errors_stay_a_logged_500(failing_routes, client: httpx.AsyncClient):
    response = await client.post("/_test/bug")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
