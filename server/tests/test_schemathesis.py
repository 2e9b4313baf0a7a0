"""Schemathesis over /api/v1/openapi.json against the ASGI app, signed in as admin: no 5xx, and every
response conforms to the schema (status codes, content types, bodies). Bounded and derandomized."""

from __future__ import annotations

import asyncio
from typing import Any

import schemathesis
from argon2 import PasswordHasher
from fastapi import FastAPI
from fllc_server.app import create_app
from fllc_server.auth.passwords import Passwords
from fllc_server.auth.permissions import Role
from fllc_server.config import Settings
from fllc_server.state import AppState
from fllc_server.users.schemas import UserCreate
from fllc_server.users.service import UserService
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import get_client
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = 20
ADMIN, PASSWORD = "fuzz.admin", "fuzz-admin-password"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Signing out would revoke the run's own access token; it is covered by the auth tests.
SKIPPED = {("POST", "/api/v1/auth/logout")}


def _fast_passwords() -> Passwords:
    return Passwords(4, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


async def _create_admin(settings: Settings) -> None:
    state = AppState.build(settings)
    try:
        async with state.db.transaction() as session:
            await UserService(session, _fast_passwords()).create(
                UserCreate(username=ADMIN, password=PASSWORD, role=Role.ADMIN), actor=None
            )
    finally:
        await state.close()


def _signed_in_headers(app: FastAPI) -> tuple[dict[str, str], int]:
    with get_client(app) as client:
        response = client.post("/api/v1/auth/login", json={"username": ADMIN, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    return {"Authorization": f"Bearer {body['access_token']}"}, int(body["user"]["id"])


def _fuzz(operation: Any, headers: dict[str, str], admin_id: int, succeeded: set[str]) -> str | None:
    """Run one operation's bounded examples; the failure report, or None."""

    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        if (case.path_parameters or {}).get("user_id") == admin_id:
            case.path_parameters["user_id"] = admin_id + 1_000_000  # keep the fuzzing admin signed in
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        if response.status_code < 300:
            succeeded.add(operation.label)

    try:
        check()
    except Exception as exc:  # collect them all, then fail once with the list
        return f"{operation.label}: {exc}"[:2000]
    return None


def test_the_api_survives_schema_driven_fuzzing(settings: Settings) -> None:
    asyncio.run(_create_admin(settings))
    app = create_app(settings, migrate=False)
    app.state.fllc.passwords = _fast_passwords()
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    headers, admin_id = _signed_in_headers(app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    succeeded: set[str] = set()
    failures = [
        failure
        for operation in operations
        if (operation.method.upper(), operation.path) not in SKIPPED
        and (failure := _fuzz(operation, headers, admin_id, succeeded)) is not None
    ]
    assert not failures, "\n\n".join(failures)
    # The run reached the handlers, not only validation and auth. (On MariaDB the ids keep growing
    # across tests, so the small ids the fuzzer tries mostly 404: a third is the honest floor.)
    assert len(succeeded) >= len(operations) // 3, sorted(succeeded)
