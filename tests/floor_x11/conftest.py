"""The floor under a real X server: Xvfb on a free display, a real server process, the real app
(``app_driver.py``) on that display, and a keyboard-wedge scanner imitated by ``xdotool type``.

Needs ``Xvfb`` and ``xdotool`` (Debian ``xvfb xdotool``; ``.ci/run`` installs them). Without them
the tests skip on a workstation and fail under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from fllc_desktop.domain.barcodes import gs1_check_digit
from tests.desktop_ui.server_process import PASSWORDS, USERNAMES, ServerProcess, gui_server

HERE = Path(__file__).resolve().parent
KEY_DELAY_MS = 8  # what a USB wedge scanner does: 4-9 ms a key
ANSWER_TIMEOUT_S = 60.0
PUSH_BATCH = 500  # ops per push request (the server caps a request's size)


def need_tools(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    reason = f"{', '.join(missing)} not installed (Debian: apt-get install xvfb xdotool)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(reason)
    pytest.skip(reason)


# The X server and the scanner run ahead of other processes, as a real scanner (its own chip) and the
# window system's input path (Xorg stamps input on a thread of its own) do: the timing under test is the
# app's, not a starved imitation's on a busy 2-core machine. The X server stamps a key when it handles
# xdotool's request, so a delay of either stretches the gap before that key. Niced to -10, they still
# stamped gaps of 45-130 ms between a scan's keys at load 9 (a real scanner never does), so they run
# real-time (SCHED_FIFO) where the right to is given; else niced; else as they are.
def _like_hardware() -> tuple[str, ...]:
    for prefix in (("chrt", "--fifo", "10"), ("nice", "-n", "-10")):
        if shutil.which(prefix[0]) is not None:
            probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
            if probe.returncode == 0 and not probe.stderr:
                return prefix
    return ()


LIKE_HARDWARE = _like_hardware()


def ean13(number: int) -> str:
    payload = f"200{number:09d}"  # restricted-circulation prefix: a store's own numbers
    return payload + str(gs1_check_digit(payload))


class Display:
    """An Xvfb server on a display number it picked itself (``-displayfd``)."""

    def __init__(self, size: str = "1280x800x24") -> None:
        read, write = os.pipe()
        self.process = subprocess.Popen(
            [*LIKE_HARDWARE, "Xvfb", "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        self.name = f":{number}"

    def env(self) -> dict[str, str]:
        return {"DISPLAY": self.name}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def display() -> Iterator[Display]:
    need_tools("Xvfb", "xdotool")
    screen = Display()
    yield screen
    screen.stop()


@dataclass
class Floor:
    """The server's side of the test: products with barcodes and a manager's API session."""

    server: ServerProcess
    http: httpx.Client
    products: list[dict[str, Any]] = field(default_factory=list)
    locations: list[dict[str, Any]] = field(default_factory=list)

    def on_hand(self, product_id: int) -> int:
        return int(self.http.get(f"/api/v1/products/{product_id}").json()["quantity_on_hand"])

    def push_intakes(self, product_ids: list[int], count: int) -> None:
        """``count`` stock intakes from another tablet in one push: that many changes to pull."""
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        ops = [
            {
                "op_id": str(uuid.uuid4()),
                "kind": "stock.intake",
                "payload": {"product_id": product_ids[i % len(product_ids)], "quantity": 1},
                "created_at": now,
            }
            for i in range(count)
        ]
        for start in range(0, count, PUSH_BATCH):
            body = {"device_id": "other-tablet", "ops": ops[start : start + PUSH_BATCH]}
            answer = self.http.post("/api/v1/sync/push", json=body, timeout=120)
            answer.raise_for_status()
            assert {r["status"] for r in answer.json()["results"]} == {"applied"}


def _login(url: str, role: str) -> httpx.Client:
    http = httpx.Client(base_url=url, timeout=30)
    answer = http.post("/api/v1/auth/login", json={"username": USERNAMES[role], "password": PASSWORDS[role]})
    answer.raise_for_status()
    http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return http


@pytest.fixture(scope="session")
def floor(tmp_path_factory: pytest.TempPathFactory, display: Display) -> Iterator[Floor]:
    server = gui_server(tmp_path_factory.mktemp("floor-server"))
    for role, username in USERNAMES.items():
        server.create_user(username, role, PASSWORDS[role])
    server.start()
    http = _login(server.url, "manager")
    state = Floor(server, http)
    state.locations = [http.post("/api/v1/locations", json={"code": "A-01", "name": "Aisle 1"}).json()]
    for number in range(1, 41):
        body = {"sku": f"FLR-{number:03d}", "name": f"Floor item {number:02d}", "barcode": ean13(number)}
        answer = http.post("/api/v1/products", json={**body, "price": "1.00", "unit_cost": "0.50"})
        answer.raise_for_status()
        state.products.append(answer.json())
    try:
        yield state
    finally:
        http.close()
        server.stop()


class RunningApp:
    """The app process: commands on its stdin, its JSON lines read by a thread into a queue."""

    def __init__(self, display: Display, url: str, role: str, home: Path, screen: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLLC_", "QT_"))}
        env.update(
            display.env(),
            QT_QPA_PLATFORM="xcb",
            QT_SCALE_FACTOR="1",
            FLLC_CONFIG_DIR=str(home / "config"),
            FLLC_CLIENT_DATA_DIR=str(home / "data"),
            FLLC_NO_SOUND="1",
        )
        self.display = display
        self.log_path = home / "app.log"
        self._log = self.log_path.open("wb")  # closed by stop(): an unclosed file is an error now
        argv = [sys.executable, str(HERE / "app_driver.py"), "--server", url]
        argv += ["--username", USERNAMES[role], "--password", PASSWORDS[role], "--screen", screen]
        self.process = subprocess.Popen(
            argv,
            env=env,
            cwd=HERE.parents[1],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.handled: list[dict[str, Any]] = []
        self._answers: queue.Queue[dict[str, Any]] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        ready = self._next(self.events, "ready")
        self.winid = int(ready["winid"])
        self.xdotool("windowfocus", "--sync", str(self.winid))

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            message = json.loads(line)
            if message.get("event") == "handled":
                self.handled.append(message)
            elif "event" in message:
                self.events.put(message)
            else:
                self._answers.put(message)

    def _next(self, source: queue.Queue[dict[str, Any]], what: str) -> dict[str, Any]:
        deadline = time.monotonic() + ANSWER_TIMEOUT_S
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                return source.get(timeout=0.2)
            except queue.Empty:
                pass
        log = self.log_path.read_text(errors="replace")[-3000:]
        raise AssertionError(f"the app sent no {what} (exit code {self.process.poll()}); its log:\n{log}")

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._next(self._answers, repr(command))

    def xdotool(self, *args: str) -> None:
        subprocess.run(
            [*LIKE_HARDWARE, "xdotool", *args],
            env={**os.environ, **self.display.env()},
            check=True,
            timeout=60,
        )

    def scan(self, code: str) -> None:
        """The scanner types the code and Enter at wedge speed (real X11 key events)."""
        delay = str(KEY_DELAY_MS)
        self.xdotool("type", "--delay", delay, code + "\r")  # "\r" is typed as Return

    def scan_frozen(self, code: str, after_s: float, freeze_s: float) -> None:
        """A scan during which the whole app process is stopped (SIGSTOP) ``freeze_s`` seconds,
        ``after_s`` after the scanner started typing: what a machine under load does to an app that
        is not scheduled (every thread of it, the X event reader too)."""
        argv = [*LIKE_HARDWARE, "xdotool", "type", "--delay", str(KEY_DELAY_MS), code + "\r"]
        typing = subprocess.Popen(argv, env={**os.environ, **self.display.env()})
        try:
            time.sleep(after_s)
            os.kill(self.process.pid, signal.SIGSTOP)
            try:
                time.sleep(freeze_s)
            finally:
                os.kill(self.process.pid, signal.SIGCONT)
        finally:
            assert typing.wait(timeout=60) == 0

    def wait_handled(self, count: int, timeout: float = ANSWER_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while len(self.handled) < count and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write("quit\n")
                self.process.stdin.flush()
                self.process.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=10)  # it ends at the output's end: then its pipe may close
        for stream in (self.process.stdin, self.process.stdout, self._log):
            if stream is not None:
                stream.close()


@pytest.fixture(scope="module")
def staff_app(
    floor: Floor, display: Display, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningApp]:
    app = RunningApp(display, floor.server.url, "staff", tmp_path_factory.mktemp("tablet"), "scan_receive")
    yield app
    app.stop()
