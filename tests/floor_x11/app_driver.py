"""The real desktop app on a real X server, for the floor tests and the X11 scanning bench.

Run as a process on an Xvfb display (``QT_QPA_PLATFORM=xcb``). It builds the app with the real
composition root (``fllc_desktop.app.build_app``), signs in as the given user, opens a scan screen and
then reads one command a line on stdin, answering with one JSON object a line on stdout. The keys
themselves come from outside, as real X11 key events (``xdotool type``), and go through the real
wedge filter.

Commands:
    winid                     the main window's X window id (for ``xdotool windowfocus``)
    focus NAME                put the keyboard focus on the widget with this objectName
    stall AFTER MS            from now on, block the GUI thread MS ms at the AFTER-th character key
                              of every scan (0 0: stop) — the test hook for a busy GUI thread
    state                     scans handled, their feedback, the outbox's pending count, a field's text
    profile                   from now on, each "handled" event also says where the GUI thread was
                              between the scan's last key and its banner (stack samples every 2 ms,
                              garbage collections): what an outlier in the bench is made of
    quit
Events (unasked): ``{"event": "handled", ...}`` once per scan handled, with the banner it showed, the
times (``time.monotonic``) the wedge emitted the scan, the op was committed and the banner painted, and
the GUI thread's CPU time from the scan to the paint.
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import keyring.backend
from PySide6.QtCore import QEvent, QObject, QSocketNotifier, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from fllc_desktop.app import build_app
from fllc_desktop.ui.theme import apply_theme


class MemoryKeyring(keyring.backend.KeyringBackend):
    """The tablet's keyring, in memory: the test never touches the machine's real one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


class GuiStall(QObject):
    """Blocks the GUI thread for ``ms`` at the ``after``-th character key since the last Enter."""

    def __init__(self) -> None:
        super().__init__()
        self.after = 0
        self.ms = 0
        self._keys = 0
        self.stalls = 0
        self.seen = 0
        self.events = 0
        self.last_enter_ts = 0
        """The X server's timestamp (ms, the same clock as ``time.monotonic`` on Linux) of the last
        Enter: when the scanner's last key was sent."""
        self._last_ts = 0
        self.wide_gaps: list[int] = []
        """Gaps (X server ms) over 30 ms between two keys of one scan: the imitation lost the
        scanner's pace (the app can only go by the stamps it is given)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        self.events += 1
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent) or event.isAutoRepeat():
            return False
        self.seen += 1
        stamp = event.timestamp()
        if self._last_ts and stamp - self._last_ts > 30:
            self.wide_gaps.append(stamp - self._last_ts)
        self._last_ts = 0 if event.text() in ("\r", "\n") else stamp
        if event.text() in ("\r", "\n"):
            self._keys = 0
            self.last_enter_ts = event.timestamp()
        elif event.text():
            self._keys += 1
            if self.after and self._keys == self.after:
                self.stalls += 1
                time.sleep(self.ms / 1000)  # what a long garbage collection or a slow write does
        return False


class Profiler:
    """Samples the GUI thread's stack every 2 ms (a daemon thread) and times garbage collections, so
    a slow scan can say where its time went. Off unless asked for (``profile``): it costs the GIL."""

    def __init__(self) -> None:
        self.samples: collections.deque[tuple[float, str]] = collections.deque(maxlen=20_000)
        self.collections: collections.deque[tuple[float, float, int]] = collections.deque(maxlen=2_000)
        self._gc_started = 0.0
        self.writes: collections.deque[tuple[str, str, float, float, float]] = collections.deque(maxlen=5_000)
        self._main = threading.main_thread().ident
        self.on = False

    def start(self) -> None:
        if self.on:
            return
        self.on = True
        gc.callbacks.append(self._on_gc)
        self._time_writes()
        threading.Thread(target=self._sample, name="driver-profiler", daemon=True).start()

    def _time_writes(self) -> None:
        """Each local write transaction: which thread, how long it waited to begin, how long it held
        the file's write lock (its commit's fsync included)."""
        from contextlib import contextmanager

        from fllc_desktop.store import database

        original = database.LocalDatabase.write
        writes = self.writes

        @contextmanager
        def write(db: database.LocalDatabase) -> Any:
            asked = time.monotonic()
            with original(db) as connection:
                begun = time.monotonic()
                yield connection
            writes.append((threading.current_thread().name, db.path.name, asked, begun, time.monotonic()))

        database.LocalDatabase.write = write  # type: ignore[method-assign,assignment]

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.monotonic()
        else:
            self.collections.append((self._gc_started, time.monotonic(), info["generation"]))

    def _sample(self) -> None:
        while True:
            time.sleep(0.002)
            frame = sys._current_frames().get(self._main or 0)
            if frame is None:
                continue
            stack = traceback.extract_stack(frame, limit=40)
            ours = [f for f in stack if "site-packages" not in f.filename and "/lib/python" not in f.filename]
            top = (ours or stack)[-4:]
            where = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(top))
            self.samples.append((time.monotonic(), where))

    def between(self, start: float, end: float) -> dict[str, Any]:
        where = collections.Counter(w for at, w in list(self.samples) if start <= at <= end)
        pauses = [
            (round((b - a) * 1000, 1), g) for a, b, g in list(self.collections) if b >= start and a <= end
        ]
        writes = [
            (thread, name, round((begun - asked) * 1000, 1), round((done - begun) * 1000, 1))
            for thread, name, asked, begun, done in list(self.writes)
            if done >= start and asked <= end
        ]
        return {"samples": where.most_common(4), "gc_ms": pauses, "writes": writes}


def emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class Driver(QObject):
    def __init__(self, qt_app: QApplication, args: argparse.Namespace) -> None:
        super().__init__()
        self.qt_app = qt_app
        self.app = build_app(args.server, keyring_backend=MemoryKeyring(), reconnect_first_delay_ms=200)
        self.window = self.app.window
        self.screen_key = args.screen
        self.screen: Any = None
        self.handled: list[dict[str, Any]] = []
        self.stall = GuiStall()
        self.profiler = Profiler()
        self.scanned_at = 0.0
        """When the wedge filter last emitted a scan (``time.monotonic``)."""
        self.scanned_cpu = 0.0
        """The GUI thread's CPU time then (``time.thread_time``)."""
        self._stdin = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read, self)
        self._stdin.activated.connect(self.on_stdin_activated)
        self.window.resize(1280, 800)
        self.window.show()
        self._sign_in(args.username, args.password)

    def _sign_in(self, username: str, password: str) -> None:
        form = self.window.sign_in_page.form
        form.username.setText(username)
        form.password.setText(password)
        form.submit.click()
        self._wait_for_shell()

    def _wait_for_shell(self) -> None:
        if self.window.shell is None:
            QTimer.singleShot(50, self._wait_for_shell)
            return
        self.window.shell.show_screen(self.screen_key)
        QTimer.singleShot(0, self._ready)

    def _ready(self) -> None:
        screen = self.window.findChild(QWidget, f"screen_{self.screen_key}")
        if screen is None or not hasattr(screen, "sig_scan_handled"):
            QTimer.singleShot(50, self._ready)  # the store opens just after the first paint
            return
        self.screen = screen
        screen.sig_scan_handled.connect(self.on_screen_sig_scan_handled)
        wedge = self.app.scanning.router.wedge if self.app.scanning is not None else None
        if wedge is not None:
            wedge.sig_scanned.connect(self.on_wedge_sig_scanned)
            wedge.sig_scan_fragment.connect(lambda text: emit({"event": "fragment", "text": text}))
        self.qt_app.installEventFilter(self.stall)  # after the wedge filter: called before it
        self.window.activateWindow()
        self.window.raise_()
        emit({"event": "ready", "winid": int(self.window.winId())})

    def on_wedge_sig_scanned(self, code: str) -> None:
        self.scanned_at = time.monotonic()
        self.scanned_cpu = time.thread_time()
        emit({"event": "scanned", "code": code})

    def on_screen_sig_scan_handled(self, seq: int) -> None:
        committed = time.monotonic()
        feedback = self.screen.feedback
        feedback.repaint()  # painted now (a repaint is synchronous): the person can see it
        painted = time.monotonic()
        record = {
            "event": "handled",
            "seq": seq,
            "tone": str(feedback.tone),
            "title": feedback.title,
            "detail": feedback.detail,
            "stamp": feedback.stamp_text,
            "committed": committed,
            "painted": painted,
            "enter_ts": self.stall.last_enter_ts / 1000,
            "scanned": self.scanned_at,
            "gui_cpu": time.thread_time() - self.scanned_cpu,
        }
        if self.profiler.on:
            record["profile"] = self.profiler.between(record["enter_ts"], painted)
        self.handled.append(record)
        emit(record)

    def on_stdin_activated(self) -> None:
        line = sys.stdin.readline()
        if not line:
            self.qt_app.quit()
            return
        command, *args = line.split()
        if command == "quit":
            self.qt_app.quit()
        elif command == "winid":
            emit({"winid": int(self.window.winId())})
        elif command == "focus":
            widget = self.window.findChild(QWidget, args[0])
            if widget is not None:
                widget.setFocus()
            emit({"focused": widget is not None and widget.hasFocus()})
        elif command == "stall":
            self.stall.after, self.stall.ms = int(args[0]), int(args[1])
            emit({"stall": [self.stall.after, self.stall.ms]})
        elif command == "switchinterval":
            sys.setswitchinterval(float(args[0]))
            emit({"switchinterval": sys.getswitchinterval()})
        elif command == "profile":
            self.profiler.start()
            emit({"profile": True})
        elif command == "state":
            emit(self._state(args[0] if args else None))

    def _state(self, field_name: str | None) -> dict[str, Any]:
        status = self.app.scanning.sync.status if self.app.scanning is not None else None
        field = self.window.findChild(QLineEdit, field_name) if field_name else None
        return {
            "handled": len(self.handled),
            "pending": status.pending if status is not None else None,
            "online": status.online if status is not None else None,
            "stalls": self.stall.stalls,
            "wide_gaps": self.stall.wide_gaps,
            "keys": self.stall.seen,
            "events": self.stall.events,
            "queued": len(self.screen.scans) if self.screen is not None else None,
            "field": field.text() if field is not None else None,
            "cursor": self._cursor(),
        }

    def _cursor(self) -> int | None:
        """The catalog replica's sync cursor (how far the pull has come)."""
        tablet = self.app.scanning.tablet if self.app.scanning is not None else None
        if tablet is None or tablet.store is None:
            return None
        return tablet.store.catalog.cursor()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--screen", default="scan_receive")
    args = parser.parse_args()
    os.environ.setdefault("FLLC_NO_SOUND", "1")
    qt_app = QApplication(sys.argv[:1])
    apply_theme(qt_app)
    driver = Driver(qt_app, args)
    code = qt_app.exec()
    driver.app.shutdown()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
