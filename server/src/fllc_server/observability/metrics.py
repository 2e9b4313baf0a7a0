"""Prometheus metrics, one registry per app so that tests can build many apps."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
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
        self.events_sent = Counter(
            "fllc_events_sent_total", "Live events sent to WebSocket clients", registry=self.registry
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

    def render(self) -> bytes:
        return generate_latest(self.registry)
