"""Job spans with the SDK's in-memory exporter (both backends; on MariaDB + Redis the job travels
through the Redis queue): submitting opens a PRODUCER span `<kind> send` under the sender's span and
the row keeps its traceparent; each attempt the worker runs is a CONSUMER span `<kind> run`, its child,
with the job's kind, id, attempt and outcome, and the attempt's SQL under it; the attempt's log line
names the trace. A retried job's attempts are two runs under the one send. Tracing off: the row has no
traceparent and nothing of OpenTelemetry is installed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi import FastAPI
from fllc_server.jobs.service import JobService
from fllc_server.models import Job
from fllc_server.observability import tracing
from fllc_server.observability.logging import configure_logging
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode


@pytest.fixture
def traced(app: FastAPI) -> Iterator[tuple[InMemorySpanExporter, TracerProvider]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    state = app.state.fllc
    tracing.install_state(state, provider)
    configure_logging("INFO", True, trace_ids=True)
    try:
        yield exporter, provider
    finally:
        tracing.uninstall(state)
        configure_logging(state.settings.log_level, state.settings.log_json)


async def _submit_in_a_span(app: FastAPI, provider: TracerProvider, kind: str, params: dict[str, Any]) -> int:
    """What a request does, under a span standing for the request's."""
    state = app.state.fllc
    with provider.get_tracer("test").start_as_current_span("POST /api/v1/reports", kind=SpanKind.SERVER):
        async with state.db.transaction() as session:
            job = await JobService(session, state).submit(kind, params, None)
            return job.id


async def _finished(app: FastAPI, job_id: int) -> Job:
    for _ in range(600):
        async with app.state.fllc.db.sessions() as session:
            job = await session.get(Job, job_id)
            if job is not None and job.status in ("succeeded", "failed"):
                return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


async def _runs(exporter: InMemorySpanExporter, job_id: int, attempts: int) -> list[ReadableSpan]:
    """The job's run spans, once `attempts` of them have ended (a span ends after its row is written)."""
    for _ in range(600):
        runs = [
            s
            for s in exporter.get_finished_spans()
            if s.kind == SpanKind.CONSUMER and (s.attributes or {}).get(tracing.JOB_ID) == job_id
        ]
        if len(runs) >= attempts:
            return sorted(runs, key=lambda s: s.start_time or 0)
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id}: {attempts} run spans expected")


def _sends(spans: Sequence[ReadableSpan], job_id: int) -> list[ReadableSpan]:
    """The job's send spans (the scheduler sends periodic jobs of its own meanwhile)."""
    return [
        s for s in spans if s.kind == SpanKind.PRODUCER and (s.attributes or {}).get(tracing.JOB_ID) == job_id
    ]


def _hex(value: int, digits: int) -> str:
    return format(value, f"0{digits}x")


async def test_the_workers_run_is_a_child_of_the_send_with_kind_id_and_attempt(
    app: FastAPI, traced, capsys
) -> None:
    exporter, provider = traced
    job_id = await _submit_in_a_span(app, provider, "test.count", {"steps": 2})
    row = await _finished(app, job_id)
    assert row.status == "succeeded"
    (run,) = await _runs(exporter, job_id, 1)

    spans = exporter.get_finished_spans()
    (request,) = [s for s in spans if s.name == "POST /api/v1/reports"]
    (send,) = _sends(spans, job_id)
    assert send.name == "test.count send"
    assert send.parent is not None
    assert send.parent.span_id == request.context.span_id
    assert (send.attributes or {})[tracing.JOB_ID] == job_id
    trace_id = _hex(request.context.trace_id, 32)
    assert row.traceparent is not None  # kept in the row: the send span's W3C context
    assert row.traceparent.startswith(f"00-{trace_id}-{_hex(send.context.span_id, 16)}-")

    assert run.name == "test.count run"
    assert run.context.trace_id == request.context.trace_id
    assert run.parent is not None
    assert run.parent.span_id == send.context.span_id
    assert dict(run.attributes or {}) == {
        tracing.JOB_KIND: "test.count",
        tracing.JOB_ID: job_id,
        tracing.JOB_ATTEMPT: 1,
        tracing.JOB_OUTCOME: "succeeded",
    }
    assert run.status.status_code != StatusCode.ERROR
    sql = [s for s in spans if (s.attributes or {}).get("db.system") and s.parent is not None]
    assert any(s.parent.span_id == run.context.span_id for s in sql if s.parent)  # the attempt's own SQL

    lines = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    (line,) = [x for x in lines if x.get("event") == "job attempt finished" and x.get("job_id") == job_id]
    assert line["trace_id"] == trace_id
    assert line["span_id"] == _hex(run.context.span_id, 16)
    assert (line["kind"], line["attempt"], line["outcome"]) == ("test.count", 1, "succeeded")


async def test_a_retried_job_is_two_runs_under_its_one_send(app: FastAPI, traced) -> None:
    exporter, provider = traced
    job_id = await _submit_in_a_span(app, provider, "test.flaky", {"failures": 1})
    assert (await _finished(app, job_id)).status == "succeeded"
    first, second = await _runs(exporter, job_id, 2)
    (send,) = _sends(exporter.get_finished_spans(), job_id)
    for run in (first, second):
        assert run.parent is not None
        assert run.parent.span_id == send.context.span_id
        assert run.context.trace_id == send.context.trace_id
    assert [r.attributes[tracing.JOB_ATTEMPT] for r in (first, second) if r.attributes] == [1, 2]
    assert (first.attributes or {})[tracing.JOB_OUTCOME] == "queued"  # to be tried again
    assert first.status.status_code == StatusCode.ERROR
    assert "did not answer" in (first.status.description or "")
    assert (second.attributes or {})[tracing.JOB_OUTCOME] == "succeeded"


async def test_without_tracing_a_job_carries_no_trace(app: FastAPI) -> None:
    state = app.state.fllc
    assert state.tracer_provider is None
    async with state.db.transaction() as session:
        job = await JobService(session, state).submit("test.count", {"steps": 1}, None)
    row = await _finished(app, job.id)
    assert row.status == "succeeded"
    assert row.traceparent is None
