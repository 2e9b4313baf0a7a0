"""Prometheus metrics, one registry per app so that tests can build many apps.

With several worker processes (`fllc-server serve --workers N`) each process counts for itself;
prometheus_client's multiprocess mode then keeps every process's values in memory-mapped files
under ``PROMETHEUS_MULTIPROC_DIR`` and a scrape, answered by whichever worker the connection
reaches, adds them up. ``serve`` turns it on by itself for more than one worker (see
``prepare_multiprocess``). Collectors that compute their value at scrape time (the search index,
the backup's age) are asked in the answering process.

Metric names here are what packaging/monitoring's alert rules and dashboard query; a test keeps
them in step.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import re
import shutil
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# How long an op waited on its desktop before it reached the server: seconds to days.
AGE_BUCKETS = (1.0, 10.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 4 * 3600.0, 24 * 3600.0, 7 * 24 * 3600.0)
BACKUP_NAME = re.compile(r"^fllc-backup-(\d{8}T\d{6}Z)")
BACKUP_GAUGE = "fllc_backup_last_success_timestamp_seconds"

log = logging.getLogger("fllc.metrics")


def multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def prepare_multiprocess(default: Path) -> Path:
    """Before the workers start: use (or set) PROMETHEUS_MULTIPROC_DIR and empty it, so that no
    earlier run's counts are added to this one's. Workers inherit the variable."""
    folder = multiprocess_dir() or default
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, mode=0o700)
    os.environ[MULTIPROC_ENV] = str(folder)
    return folder


class _AppRegistry(CollectorRegistry):
    """The app's registry; remembers the collectors that compute at scrape time (not a Counter,
    Histogram... whose values multiprocess mode reads from the files instead)."""

    def __init__(self) -> None:
        super().__init__()
        self.scrape_time: list[Collector] = []

    def register(self, collector: Collector) -> None:
        super().register(collector)
        if not isinstance(collector, MetricWrapperBase):
            self.scrape_time.append(collector)


class Metrics:
    def __init__(self) -> None:
        self.registry = _AppRegistry()
        # Asked before each scrape (a collector whose value is looked up asynchronously).
        self.refreshers: list[Callable[[], Awaitable[None]]] = []
        self.requests = Counter(
            "fllc_http_requests_total",
            "HTTP requests by route template, method and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "fllc_http_request_duration_seconds",
            "HTTP request latency by route template and method",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.cache = Counter(
            "fllc_cache_lookups_total",
            "Cache lookups by cache name and result (hit|miss)",
            ["cache", "result"],
            registry=self.registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._cache_children: dict[tuple[str, bool], Any] = {}
        self.inbox = Counter(
            "fllc_inbox_messages_total",
            "Inbound integration messages: stored (received) and what handling made of them",
            ["source", "status"],
            registry=self.registry,
        )
        self.webhooks_rejected = Counter(
            "fllc_webhooks_rejected_total",
            "Webhook deliveries refused before anything was stored (bad, missing or expired signature)",
            ["provider", "reason"],
            registry=self.registry,
        )
        self.events_sent = Counter(
            "fllc_events_sent_total", "Live events sent to WebSocket clients", registry=self.registry
        )
        self.sync_ops = Counter(
            "fllc_sync_ops_total",
            "Ops received by sync pushes, by outcome (applied|duplicate|rejected|conflict)",
            ["status"],
            registry=self.registry,
        )
        self.sync_op_age = Histogram(
            "fllc_sync_op_age_seconds",
            "Age of each pushed op when it reached the server (its created_at to now): the sync backlog",
            buckets=AGE_BUCKETS,
            registry=self.registry,
        )
        self.outbox_age = Histogram(
            "fllc_sync_outbox_age_seconds",
            "Per push: the age of the oldest op still in the pushing desktop's outbox (its own report)",
            buckets=AGE_BUCKETS,
            registry=self.registry,
        )
        self.jobs_finished = Counter(
            "fllc_jobs_finished_total",
            "Background jobs finished, by kind and outcome (succeeded|failed)",
            ["kind", "outcome"],
            registry=self.registry,
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        children = self._children.get((method, route, status))
        if children is None:  # label lookups cost more than the update: keep the children
            children = (self.requests.labels(method, route, str(status)), self.latency.labels(method, route))
            self._children[(method, route, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def cache_lookup(self, cache: str, *, hit: bool) -> None:
        child = self._cache_children.get((cache, hit))
        if child is None:
            child = self._cache_children[(cache, hit)] = self.cache.labels(cache, "hit" if hit else "miss")
        child.inc()

    def sync_pushed(self, statuses: Iterable[str], ages: Iterable[float], outbox_age: float | None) -> None:
        """One push: each op's outcome and age, and the desktop's report of its outbox."""
        for status in statuses:
            self.sync_ops.labels(status).inc()
        for age in ages:
            self.sync_op_age.observe(max(0.0, age))
        if outbox_age is not None:
            self.outbox_age.observe(max(0.0, outbox_age))

    def job_finished(self, kind: str, *, failed: bool) -> None:
        self.jobs_finished.labels(kind, "failed" if failed else "succeeded").inc()

    def inbox_received(self, source: str) -> None:
        self.inbox.labels(source, "received").inc()

    def inbox_outcome(self, source: str, status: str) -> None:
        self.inbox.labels(source, status).inc()

    def webhook_rejected(self, provider: str, reason: str) -> None:
        self.webhooks_rejected.labels(provider, reason).inc()

    async def refresh(self) -> None:
        """Before a scrape: the collectors that look their values up elsewhere (a bucket) do so."""
        for refresh in self.refreshers:
            await refresh()

    def render(self) -> bytes:
        folder = multiprocess_dir()
        if folder is None:
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(folder))  # type: ignore[no-untyped-call]
        for collector in self.registry.scrape_time:
            registry.register(collector)
        return generate_latest(registry)


class BackupAge:
    """fllc_backup_last_success_timestamp_seconds: when the newest backup in a folder was taken
    (the moment in its name, `fllc-backup-YYYYmmddTHHMMSSZ`), 0 when there is none. The alert rules
    compare it with the RPO."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def newest(self) -> float:
        newest = 0.0
        try:
            names = [entry.name for entry in os.scandir(self.folder) if entry.is_file()]
        except OSError:
            return 0.0
        for name in names:
            match = BACKUP_NAME.match(name)
            if match:
                stamp = dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
                newest = max(newest, stamp.timestamp())
        return newest

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            BACKUP_GAUGE,
            "Unix time of the newest scheduled backup in the object storage's folder (0: none)",
            value=self.newest(),
        )


class ListedBackupAge:
    """The same gauge when the backups are in a bucket (FLLC_STORAGE_URL=s3://...): `newest` asks
    the bucket for the newest backup's time (None: none). A request per scrape would cost too much
    and a bucket that hangs would hang the scrape, so it is asked at most every `every` seconds, in
    the background: a scrape waits for the answer at most `patience` seconds and otherwise reports
    the last value known (0 before the first). A bucket that cannot be listed leaves the value as it
    was, so it ages and FllcBackupTooOld fires when no backup can be seen for longer than the RPO."""

    def __init__(
        self,
        newest: Callable[[], Awaitable[dt.datetime | None]],
        *,
        every: float = 60.0,
        patience: float = 2.0,
    ) -> None:
        self.newest = newest
        self.every = every
        self.patience = patience
        self.value = 0.0
        self._asked_at: float | None = None  # time.monotonic() of the last lookup's start
        self._lookup: asyncio.Task[None] | None = None

    async def refresh(self) -> None:
        now = time.monotonic()
        due = self._asked_at is None or now - self._asked_at >= self.every
        if self._lookup is None and due:
            self._asked_at = now
            self._lookup = asyncio.create_task(self._look())
        if self._lookup is not None:
            await asyncio.wait({self._lookup}, timeout=self.patience)

    async def settled(self) -> None:
        """Wait for a lookup under way (it ends by the partner timeout at the latest)."""
        if self._lookup is not None:
            await asyncio.wait({self._lookup})

    async def _look(self) -> None:
        try:
            newest = await self.newest()
        except Exception as exc:  # the bucket away: the value ages, the alert follows
            log.warning("listing the backups failed: %s", exc)
        else:
            self.value = newest.timestamp() if newest is not None else 0.0
        finally:
            self._lookup = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            BACKUP_GAUGE,
            "Unix time of the newest scheduled backup in the object storage's bucket (0: none seen yet)",
            value=self.value,
        )
