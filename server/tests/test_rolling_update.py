"""A rolling update loses no scan: two real servers on one MariaDB and Redis behind a real haproxy
(Debian's), restarted one after the other (SIGTERM, start again) while one client pushes scans as
sync ops and another watches the live events.

What must hold: every scan is applied exactly once (the stock level is the number of scans); no
request the pushing client sent failed (the draining server said 503 on /readyz, haproxy moved the
traffic before the server stopped, and it finished what was in flight); the watcher's WebSocket was
closed with 1001 "going away" only, it reconnected (through haproxy, to the other server) and, after
catching up with /sync/changes as the desktop does, it holds the newest change.

haproxy missing: the test skips on a workstation and fails under CI=true.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fllc_server.testing import ServerProcess, free_port
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

SECRET = "rolling-update-test-secret-" + "x" * 32
PASSWORD = "correct-horse-9"
SCANS_BETWEEN = 15  # scans pushed before, between and after the two restarts


def haproxy() -> str:
    found = shutil.which("haproxy")
    if found:
        return found
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("haproxy is missing (Debian package haproxy); .ci/run installs it")
    pytest.skip("haproxy is missing: apt-get install haproxy")


HAPROXY_CFG = """
global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout tunnel 1h
    timeout check 3s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
frontend site
    bind 127.0.0.1:{port}
    default_backend api
backend api
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 250ms fall 2 rise 2
    server a 127.0.0.1:{a} check
    server b 127.0.0.1:{b} check
"""


@dataclass
class Pusher:
    """Pushes one intake op at a time, as a tablet's sync engine does: an op that fails is pushed
    again (same op_id) after a pause; every failure is counted."""

    url: str
    token: str
    product_id: int
    location_id: int
    pushed: int = 0
    failures: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=10) as client:
            while not self.stop.is_set():
                op = {
                    "op_id": str(uuid.uuid4()),
                    "kind": "stock.intake",
                    "payload": {
                        "product_id": self.product_id,
                        "quantity": 1,
                        "location_id": self.location_id,
                    },
                    "created_at": "2026-12-03T12:00:00Z",
                }
                body = {"device_id": "tablet-rolling", "ops": [op]}
                while True:
                    try:
                        response = client.post("/api/v1/sync/push", json=body)
                        if response.status_code == 200:
                            result = response.json()["results"][0]
                            self.statuses.append(f"{result['status']} {result.get('error') or ''}".strip())
                            break
                        self.failures.append(f"{response.status_code} {response.text[:200]}")
                    except httpx.HTTPError as exc:
                        self.failures.append(f"{type(exc).__name__}: {exc}")
                    time.sleep(0.2)
                self.pushed += 1
                time.sleep(0.02)


@dataclass
class Watcher:
    """Follows /api/v1/events, reconnecting after a close and catching up from its cursor."""

    url: str
    token: str
    cursor: int = 0
    close_codes: list[int] = field(default_factory=list)
    connects: int = 0
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        ws_url = self.url.replace("http://", "ws://") + "/api/v1/events"
        headers = {"Authorization": f"Bearer {self.token}"}
        while not self.stop.is_set():
            try:
                with connect(ws_url, additional_headers=headers, open_timeout=5) as socket:
                    self.connects += 1
                    self.catch_up()
                    while not self.stop.is_set():
                        try:
                            message = json.loads(socket.recv(timeout=0.5))
                        except TimeoutError:
                            continue
                        if isinstance(message.get("seq"), int) and message["type"] != "hello":
                            self.cursor = max(self.cursor, message["seq"])
            except ConnectionClosed as closed:
                self.close_codes.append(closed.rcvd.code if closed.rcvd else 1006)
            except (OSError, httpx.HTTPError) as exc:
                self.errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.5)  # the desktop waits 1 s, 2 s ... before reconnecting

    def catch_up(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while True:
                answer = client.get(
                    "/api/v1/sync/changes",
                    params={"since": self.cursor},
                    headers={"Authorization": f"Bearer {self.token}"},
                ).json()
                self.cursor = max(self.cursor, answer["next_since"])
                if not answer["has_more"]:
                    return


def wait_for(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_restarting_both_servers_loses_no_scan(backend: Any, settings: Any, tmp_path: Path) -> None:
    binary = haproxy()
    if backend.name != "mariadb":
        pytest.skip("two servers need the shared MariaDB + Redis backend")
    servers = [
        ServerProcess(
            tmp_path / name,
            SECRET,
            database_url=backend.database_url,
            redis_url=backend.redis_url,
            extra_env={"FLLC_DRAIN_SECONDS": "3"},  # > haproxy's two failed checks 250 ms apart
        )
        for name in ("a", "b")
    ]
    for server in servers:
        server.launch()
    for server in servers:
        server.wait_until_ready()
    port = free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(HAPROXY_CFG.format(port=port, a=servers[0].port, b=servers[1].port))
    proxy = subprocess.Popen(
        [binary, "-db", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    site = f"http://127.0.0.1:{port}"
    threads: list[threading.Thread] = []
    pusher = watcher = None
    try:
        wait_for(lambda: ready(site), "haproxy to reach the servers")
        servers[0].create_user("clerk", "staff", PASSWORD)
        servers[0].create_user("boss", "admin", PASSWORD)
        with httpx.Client(base_url=site, timeout=10) as client:
            tokens = {
                name: client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD}).json()[
                    "access_token"
                ]
                for name in ("clerk", "boss")
            }
            product = client.post(
                "/api/v1/products",
                json={"sku": "ROLL-1", "name": "Rolling widget", "price": "1.00"},
                headers={"Authorization": f"Bearer {tokens['boss']}", "Idempotency-Key": str(uuid.uuid4())},
            )
            assert product.status_code == 201, product.text
            location = client.post(
                "/api/v1/locations",
                json={"code": "MAIN", "name": "Main floor"},
                headers={"Authorization": f"Bearer {tokens['boss']}", "Idempotency-Key": str(uuid.uuid4())},
            )
            assert location.status_code == 201, location.text
        product_id = product.json()["id"]
        pusher = Pusher(site, tokens["clerk"], product_id, location.json()["id"])
        watcher = Watcher(site, tokens["boss"])
        threads = [threading.Thread(target=pusher.run), threading.Thread(target=watcher.run)]
        for thread in threads:
            thread.start()
        wait_for(lambda: watcher.connects >= 1 and pusher.pushed >= SCANS_BETWEEN, "the first scans")
        for server in servers:  # the rolling update: one after the other, each back before the next
            before = pusher.pushed
            server.stop()  # SIGTERM: drain, WebSockets 1001, finish in flight, exit
            server.start()
            wait_for(lambda s=server: ready(s.url), "the restarted server to be ready")
            time.sleep(2)  # haproxy's rise 2 at 250 ms: it takes the server back
            wait_for(lambda b=before: pusher.pushed >= b + SCANS_BETWEEN, "scans after a restart")
    finally:
        for worker in (pusher, watcher):
            if worker is not None:
                worker.stop.set()
        for thread in threads:
            thread.join(timeout=30)
        proxy.terminate()
        proxy.wait(timeout=10)
        for server in servers:
            server.stop()
        logs = "\n".join(server.log_tail() for server in servers)

    assert pusher is not None
    assert watcher is not None
    assert pusher.failures == [], f"the client saw errors:\n{pusher.failures}\n{logs}"
    assert set(pusher.statuses) == {"applied"}
    assert pusher.pushed >= 3 * SCANS_BETWEEN

    servers[0].start()
    try:
        with httpx.Client(base_url=servers[0].url, timeout=10) as client:
            auth = {"Authorization": f"Bearer {tokens['boss']}"}
            level = client.get("/api/v1/stock/levels", params={"product_id": product_id}, headers=auth)
            newest = client.get("/api/v1/sync/cursor", headers=auth).json()["seq"]
    finally:
        servers[0].stop()
    assert level.json()["quantity_on_hand"] == pusher.pushed  # each scan exactly once

    assert watcher.close_codes, "the watcher's WebSocket was never closed by a restart"
    assert set(watcher.close_codes) == {1001}, watcher.close_codes
    assert watcher.connects >= 2
    assert watcher.cursor == newest
