"""packaging/monitoring: the alert rules pass promtool's checks and their unit tests (each alert
fires on data that should fire it and stays quiet on data that should not), the Prometheus config
is valid, and the rules and the Grafana dashboard query only metrics a real server exports (plus
Prometheus' own `up` and node_exporter's `node_*`).

promtool is Debian's `prometheus` package; without it the tests skip on a workstation and fail
under CI=true.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from asgi_lifespan import LifespanManager
from fllc_server.app import create_app
from fllc_server.config import Settings

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "packaging" / "monitoring"
EXTERNAL = re.compile(r"^(up|node_[A-Za-z_]+)$")  # Prometheus' own and node_exporter's
PROMQL_WORDS = {
    "sum", "by", "rate", "increase", "histogram_quantile", "avg", "max", "min", "time", "absent",
    "topk", "le", "without", "on", "and", "or", "unless",
}  # fmt: skip


def promtool() -> str:
    found = shutil.which("promtool")
    if found:
        return found
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("promtool is missing (Debian package prometheus); .ci/run installs it")
    pytest.skip("promtool is missing: apt-get install prometheus")


def run_promtool(*args: str) -> str:
    result = subprocess.run(
        [promtool(), *args], cwd=MONITORING, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_alert_rules_are_valid() -> None:
    assert "SUCCESS" in run_promtool("check", "rules", "alerts.yml")


def test_every_alert_fires_and_stays_quiet_in_its_unit_test() -> None:
    assert "SUCCESS" in run_promtool("test", "rules", "alerts_test.yml")
    tests = yaml.safe_load((MONITORING / "alerts_test.yml").read_text())["tests"]
    seen: dict[str, set[bool]] = {}
    for case in tests:
        for check in case["alert_rule_test"]:
            seen.setdefault(check["alertname"], set()).add(bool(check["exp_alerts"]))
    for alert in alert_names():
        assert seen.get(alert) == {True, False}, f"{alert} is not shown both firing and quiet"


def test_prometheus_config_is_valid() -> None:
    run_promtool("check", "config", "--syntax-only", "prometheus.yml")


def alert_names() -> list[str]:
    groups = yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"]
    return [rule["alert"] for group in groups for rule in group["rules"]]


def _metric_names(expr: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"', '""', expr)
    without_labels = re.sub(r"\{[^}]*\}", "", without_strings)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_labels)
    without_by = re.sub(r"\b(by|without|on)\s*\([^)]*\)", "", without_ranges)
    names = set(re.findall(r"\b[a-zA-Z_][a-zA-Z0-9_]*\b", without_by))
    return {name for name in names if name not in PROMQL_WORDS}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The metric names a real app's /metrics lists (after a request, so labelled ones show)."""
    import asyncio

    async def scrape() -> str:
        settings = Settings(
            environment="test",
            data_dir=tmp_path_factory.mktemp("metrics"),
            secret_key="s" * 48,
            log_level="WARNING",
        )
        app = create_app(settings)
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                await client.get("/healthz")
                return (await client.get("/metrics")).text

    text = asyncio.run(scrape())
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            names.add(name)
            if kind == "histogram":
                names.update({f"{name}_bucket", f"{name}_count", f"{name}_sum"})
            if kind == "counter":
                names.add(f"{name}_total" if not name.endswith("_total") else name)
    return names


def _unknown(exprs: list[str], exported: set[str]) -> dict[str, set[str]]:
    unknown = {}
    for expr in exprs:
        missing = {n for n in _metric_names(expr) if n not in exported and not EXTERNAL.match(n)}
        if missing:
            unknown[expr] = missing
    return unknown


def test_alert_rules_query_only_exported_metrics(exported: set[str]) -> None:
    groups = yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"]
    exprs = [rule["expr"] for group in groups for rule in group["rules"]]
    assert _unknown(exprs, exported) == {}
    assert "fllc_sync_outbox_age_seconds_bucket" in exported  # the extraction found real names


def test_dashboard_parses_and_queries_only_exported_metrics(exported: set[str]) -> None:
    dashboard: dict[str, Any] = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    assert dashboard["uid"]
    assert dashboard["title"]
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert len(exprs) >= 10
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert _unknown(exprs, exported) == {}


def test_the_name_check_can_fail(exported: set[str]) -> None:
    assert _unknown(['rate(fllc_no_such_metric_total{job="x"}[5m])'], exported) == {
        'rate(fllc_no_such_metric_total{job="x"}[5m])': {"fllc_no_such_metric_total"}
    }
