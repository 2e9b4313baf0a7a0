"""Traces with the SDK's in-memory exporter: a request continues the caller's `traceparent`, its SQL
(and on MariaDB + Redis its Redis commands) are child spans in the same trace, probes are not
traced, and the request's log line names the trace. With FLLC_OTLP_ENDPOINT unset nothing of
OpenTelemetry is installed."""

from __future__ import annotations

import json

import httpx
from asgi_lifespan import LifespanManager
from fllc_server.app import create_app
from fllc_server.auth.permissions import Role
from fllc_server.observability import tracing
from fllc_server.observability.logging import configure_logging
from fllc_server.users.schemas import UserCreate
from fllc_server.users.service import UserService
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
PASSWORD = "correct-horse-9"


async def test_a_request_continues_the_callers_trace_down_to_sql(settings, backend, capsys) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    settings.log_level = "INFO"
    app = create_app(settings, migrate=False)
    state = app.state.fllc
    tracing.install(app, state, provider)
    configure_logging("INFO", True, trace_ids=True)
    try:
        async with LifespanManager(app):
            async with state.db.transaction() as session:
                await UserService(session, state.passwords).create(
                    UserCreate(username="boss", password=PASSWORD, role=Role.ADMIN), actor=None
                )
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                assert (await client.get("/healthz")).status_code == 200
                login = await client.post(
                    "/api/v1/auth/login", json={"username": "boss", "password": PASSWORD}
                )
                assert login.status_code == 200, login.text
                created = await client.post(  # a write: its INSERTs run in the database whatever is cached
                    "/api/v1/locations",
                    json={"code": "MAIN", "name": "Main floor"},
                    headers={
                        "traceparent": TRACEPARENT,
                        "Authorization": f"Bearer {login.json()['access_token']}",
                        "Idempotency-Key": "trace-test-1",
                    },
                )
                assert created.status_code == 201, created.text
    finally:
        tracing.uninstall(state)
        configure_logging(settings.log_level, settings.log_json)

    spans = exporter.get_finished_spans()
    ours = [s for s in spans if format(s.context.trace_id, "032x") == TRACE_ID]
    server = [s for s in ours if s.kind == SpanKind.SERVER]
    assert len(server) == 1
    assert server[0].attributes["http.route"] == "/api/v1/locations"
    assert format(server[0].parent.span_id, "016x") == "00f067aa0ba902b7"  # the caller's span
    systems = {(s.attributes or {}).get("db.system") for s in ours}
    assert systems & {"sqlite", "mysql", "mariadb"}, systems  # the SQL the request ran
    if backend.name == "mariadb":
        assert [s for s in ours if s.attributes and s.attributes.get("db.system") == "redis"]
    assert not [s for s in spans if "/healthz" in s.name]  # probes are not traced

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    access = [x for x in lines if x.get("event") == "request" and x["path"] == "/api/v1/locations"]
    assert access
    assert access[0]["trace_id"] == TRACE_ID


async def test_without_an_endpoint_nothing_is_installed(app, client) -> None:
    assert app.state.fllc.tracer_provider is None
    assert (await client.get("/healthz")).status_code == 200
    assert tracing.current_trace_id() is None
