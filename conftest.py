"""Shared by every test folder: a hang report.

A test that hangs is stopped by pytest-timeout ([tool.pytest.ini_options] timeout), which prints
the threads' stacks — for an asyncio test that is the event loop waiting in select(), which says
nothing of what it waits for. So a watchdog thread looks at the test that is running, and once it
has run for `HANG_REPORT_FRACTION` of the timeout it prints the stack of every asyncio task of
every running event loop, and the threads' stacks, to the test's captured output and to
var/test-hangs.log; the run's summary then names each test that was reported.

pytest-timeout itself cannot stop a main thread that is stuck in C code or in a pending call (seen:
greenlet's dead-thread cleanup spinning): a test still running `STUCK_GRACE` seconds past the timeout
gets a last report — with native stacks when py-spy is installed — and the run ends with exit code
3, so CI fails at once and says why instead of waiting for its own limit.
"""

from __future__ import annotations

import asyncio
import faulthandler
import gc
import io
import os
import shutil
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

HANG_REPORT_FRACTION = 0.6
STUCK_GRACE = 60.0
STUCK_EXIT_CODE = 3
LOG = Path(__file__).parent / "var" / "test-hangs.log"


def _tasks_of_running_loops() -> str:
    out = io.StringIO()
    loops = [o for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop) and o.is_running()]
    for loop in loops:
        try:
            tasks = asyncio.all_tasks(loop)
        except RuntimeError as exc:  # changed while we looked: say so, the threads still follow
            out.write(f"(the tasks of {loop!r} could not be listed: {exc})\n")
            continue
        out.write(f"--- {len(tasks)} asyncio tasks of {loop!r}\n")
        for task in tasks:
            out.write(f"\n{task!r}\n")
            for frame in task.get_stack():
                out.write("".join(traceback.format_stack(frame, limit=1)))
    return out.getvalue()


def _threads() -> str:
    out = io.StringIO()
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        out.write(f"\n--- thread {names.get(ident, ident)}\n")
        out.write("".join(traceback.format_stack(frame)))
    return out.getvalue()


def _native_stacks() -> str:
    beside = Path(sys.executable).with_name("py-spy")  # the venv's, when PATH does not name it
    py_spy = str(beside) if beside.exists() else shutil.which("py-spy")
    if py_spy is None:
        return "(py-spy is not installed: no native stacks)\n"
    try:
        done = subprocess.run(  # noqa: S603 - py-spy from PATH, on our own pid
            [py_spy, "dump", "--native", "--pid", str(os.getpid())],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"(py-spy failed: {exc})\n"
    return done.stdout + done.stderr


class _Watchdog:
    def __init__(self, after: float, stuck_after: float) -> None:
        self.after = after
        self.stuck_after = stuck_after
        self.reported: list[str] = []
        self._lock = threading.Lock()
        self._current: tuple[str, float] | None = None
        self._done_with: str | None = None
        thread = threading.Thread(target=self._watch, name="hang-watchdog", daemon=True)
        thread.start()

    def begin(self, nodeid: str) -> None:
        with self._lock:
            self._current = (nodeid, time.monotonic())

    def end(self) -> None:
        with self._lock:
            self._current = None

    def _watch(self) -> None:
        while True:
            time.sleep(1.0)
            with self._lock:
                current = self._current
            if current is None:
                continue
            nodeid, started = current
            running_for = time.monotonic() - started
            if running_for >= self.stuck_after:
                self._end_the_run(nodeid)
            if nodeid == self._done_with or running_for < self.after:
                continue
            self._done_with = nodeid
            report = (
                f"\n=== hang report: {nodeid} has run for {self.after:.0f} s ===\n"
                f"{_tasks_of_running_loops()}{_threads()}=== end of hang report ===\n"
            )
            sys.stderr.write(report)
            sys.stderr.flush()
            LOG.parent.mkdir(exist_ok=True)
            with LOG.open("a") as log:
                log.write(report)
            self.reported.append(nodeid)

    def _end_the_run(self, nodeid: str) -> None:
        header = (
            f"\n=== stuck: {nodeid} is still running {self.stuck_after:.0f} s after it started, past its "
            "timeout: pytest-timeout could not stop it; ending the run ===\n"
        )
        LOG.parent.mkdir(exist_ok=True)
        with LOG.open("a") as log:
            log.write(header + _native_stacks())
            log.flush()
            faulthandler.dump_traceback(file=log, all_threads=True)
        sys.stderr.write(header + f"(stacks in {LOG})\n")
        sys.stderr.flush()
        os._exit(STUCK_EXIT_CODE)


_watchdogs: list[_Watchdog] = []  # one per run


def pytest_configure(config: pytest.Config) -> None:
    timeout = float(config.getini("timeout") or 0)
    if timeout > 0:
        _watchdogs.append(_Watchdog(timeout * HANG_REPORT_FRACTION, timeout + STUCK_GRACE))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    for watchdog in _watchdogs:
        watchdog.begin(item.nodeid)
    try:
        yield
    finally:
        for watchdog in _watchdogs:
            watchdog.end()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reported = [nodeid for watchdog in _watchdogs for nodeid in watchdog.reported]
    if reported:
        terminalreporter.section(
            "hang reports (asyncio tasks and threads: in each test's output and in var/test-hangs.log)"
        )
        for nodeid in reported:
            terminalreporter.write_line(nodeid)
