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
    quit
Events (unasked): ``{"event": "handled", ...}`` once per scan handled, with the banner it showed and
the times (``time.monotonic``) the op was committed and the banner painted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
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
        self.last_enter_ts = 0
        """The X server's timestamp (ms, the same clock as ``time.monotonic`` on Linux) of the last
        Enter: when the scanner's last key was sent."""
        self._last_ts = 0
        self.wide_gaps: list[int] = []
        """Gaps (X server ms) over 30 ms between two keys of one scan: the imitation lost the
        scanner's pace (the app can only go by the stamps it is given)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
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
            wedge.sig_scanned.connect(lambda code: emit({"event": "scanned", "code": code}))
            wedge.sig_scan_fragment.connect(lambda text: emit({"event": "fragment", "text": text}))
        self.qt_app.installEventFilter(self.stall)  # after the wedge filter: called before it
        self.window.activateWindow()
        self.window.raise_()
        emit({"event": "ready", "winid": int(self.window.winId())})

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
        }
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
