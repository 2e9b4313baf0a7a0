"""OpenTelemetry traces: requests (FastAPI), SQL (SQLAlchemy), Redis, outgoing HTTP (httpx) and jobs,
exported by OTLP/HTTP to ``FLLC_OTLP_ENDPOINT`` (a collector: ``http://otel-collector:4318``).

With the variable unset nothing here runs: no SDK is imported, no middleware is added, nothing is
patched, so tracing costs nothing. With it set, a request's `traceparent` header (the desktop sends
one with each request) continues the caller's trace, so one scan's push is followed from the tablet
to the database; the trace id goes into the request's log lines (`trace_id`).

Jobs: submitting one opens a PRODUCER span `<kind> send` (a child of the request's span) whose
`traceparent` is kept in the job's row; the worker's run is a CONSUMER span `<kind> run`, its
child, carrying the job's kind, id and attempt (`fllc.job.*`) and its outcome - on whichever
process runs it, after a retry or a rescue too. The run's SQL and calls are its children and its
log lines carry its trace id. The worker and scheduler processes trace like the API servers
(`install_state`, without FastAPI).

The instrumentations are process-wide (Redis and httpx patch their libraries, SQLAlchemy's is
installed once); ``uninstall`` takes them back out when the app stops, so the next app built in
the same process (tests build many) is instrumented anew.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from fllc_server import __version__

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span, Tracer

    from fllc_server.models import Job
    from fllc_server.state import AppState

# Probes and scrapes come every few seconds and say nothing about the work: not traced.
EXCLUDED_URLS = "/healthz,/readyz,/metrics"


JOB_KIND = "fllc.job.kind"
JOB_ID = "fllc.job.id"
JOB_ATTEMPT = "fllc.job.attempt"
JOB_OUTCOME = "fllc.job.outcome"


def otlp_provider(endpoint: str, service: str = "fllc-server") -> TracerProvider:
    """A provider that batches spans to an OTLP/HTTP collector (OTEL_BSP_* tune the batching)."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.name": service, "service.version": __version__})
    provider = TracerProvider(resource=resource)
    exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces", timeout=5)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def install(app: FastAPI, state: AppState, provider: TracerProvider) -> None:
    """Trace this app's requests, its database engines, Redis, httpx and jobs through `provider`."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=EXCLUDED_URLS)
    install_state(state, provider)


def install_state(state: AppState, provider: TracerProvider) -> None:
    """Trace a process's database engines, Redis, httpx and jobs (a worker's, or an app's) through
    `provider`."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # skip_dep_check: the instrumentations declare the versions they were released against
    # (SQLAlchemy < 2.1, ...); the hooks they use (engine events, client methods) are unchanged in
    # the newer ones installed here, as test_tracing shows.
    engines = {id(e): e.sync_engine for e in (state.db.engine, state.db.replica_engine)}
    for engine in engines.values():
        SQLAlchemyInstrumentor().instrument(engine=engine, tracer_provider=provider, skip_dep_check=True)
    if not RedisInstrumentor().is_instrumented_by_opentelemetry:
        RedisInstrumentor().instrument(tracer_provider=provider, skip_dep_check=True)
    if not HTTPXClientInstrumentor().is_instrumented_by_opentelemetry:
        HTTPXClientInstrumentor().instrument(tracer_provider=provider, skip_dep_check=True)
    state.tracer_provider = provider
    state.access_log.trace_ids = True  # traced: each request line names its trace


def uninstall(state: AppState) -> None:
    provider, state.tracer_provider = state.tracer_provider, None
    if provider is None:
        return
    state.access_log.trace_ids = False
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().uninstrument()  # its engine listeners; the next app instruments anew
    RedisInstrumentor().uninstrument()
    HTTPXClientInstrumentor().uninstrument()
    provider.shutdown()  # sends what is still batched


def _tracer(state: AppState) -> Tracer | None:
    provider = state.tracer_provider
    return None if provider is None else provider.get_tracer("fllc_server.jobs", __version__)


class JobSend:
    """What `sending_job` gives the submitter: the `traceparent` to keep in the row (None: not
    tracing), and `sent(job_id)` once the row has its id."""

    def __init__(self, span: Span | None) -> None:
        self._span = span
        self.traceparent: str | None = None
        if span is not None:
            from opentelemetry.trace import set_span_in_context
            from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

            carrier: dict[str, str] = {}
            TraceContextTextMapPropagator().inject(carrier, context=set_span_in_context(span))
            self.traceparent = carrier.get("traceparent")

    def sent(self, job_id: int | None) -> None:
        if self._span is not None and job_id is not None:
            self._span.set_attribute(JOB_ID, job_id)


@contextmanager
def sending_job(state: AppState, kind: str) -> Iterator[JobSend]:
    """A PRODUCER span `<kind> send` around writing a job's row (tracing off: nothing at all)."""
    tracer = _tracer(state)
    if tracer is None:
        yield JobSend(None)
        return
    from opentelemetry.trace import SpanKind

    with tracer.start_as_current_span(
        f"{kind} send", kind=SpanKind.PRODUCER, attributes={JOB_KIND: kind}
    ) as span:
        yield JobSend(span)


@contextmanager
def running_job(state: AppState, job: Job) -> Iterator[Span | None]:
    """The CONSUMER span `<kind> run` of one attempt, the child of the span that sent the job (a
    job sent without a trace starts its own); current while the attempt runs, so its SQL, its calls
    and its log lines belong to it. Tracing off: None, nothing else."""
    tracer = _tracer(state)
    if tracer is None:
        yield None
        return
    from opentelemetry.context import Context
    from opentelemetry.trace import SpanKind
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    parent = (
        TraceContextTextMapPropagator().extract({"traceparent": job.traceparent})
        if job.traceparent
        else Context()  # not the context this task happened to inherit
    )
    attributes: dict[str, str | int] = {JOB_KIND: job.kind, JOB_ID: job.id, JOB_ATTEMPT: job.attempts}
    with tracer.start_as_current_span(
        f"{job.kind} run", context=parent, kind=SpanKind.CONSUMER, attributes=attributes
    ) as span:
        yield span


def job_outcome(span: Span | None, outcome: str, error: str | None = None) -> None:
    """The attempt's outcome on its span: succeeded, queued (to be retried), failed or lease_lost."""
    if span is None:
        return
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute(JOB_OUTCOME, outcome)
    if outcome != "succeeded":
        span.set_status(Status(StatusCode.ERROR, error or outcome))


def current_trace_id() -> str | None:
    """The active span's trace id (32 hex digits), None outside a traced request."""
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def add_trace_ids(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    """structlog processor (only while tracing): the trace and span ids of the active span."""
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event.setdefault("trace_id", format(context.trace_id, "032x"))
        event.setdefault("span_id", format(context.span_id, "016x"))
    return event
