"""The application-wide keyboard-wedge filter: scans go to the scan target, typing goes to the field.

Installed on the QApplication, :class:`ScannerEventFilter` sees every key press sent to a widget,
places it in time by the window system's timestamp (``QKeyEvent.timestamp()``, see
``scanning.key_times``; the injectable clock gives the receive time, used only when the stamp is
missing or goes backwards) and feeds it to a :class:`WedgeDetector`. Every character key is held
back until the detector knows what it is:

* part of a scan — swallowed; the code is emitted by ``sig_scanned`` to whatever screen is the scan
  target, wherever the focus is;
* typing — replayed, in order, to the widget it was sent to, so a person's typing still works;
* part of a scan that was cut off — swallowed; what was read goes out by ``sig_scan_fragment`` so
  the screen says "scan it again" (never typed into a field, never booked as another code).

Held keys are released when no key follows within the detector's gap (a single-shot timer), or at
once when a key with no text (arrows, Backspace, shortcuts) arrives. Keys pressed while the GUI
thread was busy are still waiting in the window system's queue when the thread wakes up, possibly
behind that overdue timer: a timer that fires late by more than ``STALL_SLACK_MS`` therefore waits
one more gap before it releases anything, so the queued keys are delivered (with their original
stamps) first.

Scans go to the scan target only while nothing covers it. Under a modal dialog or a popup:

* keys sent to a text field (the "sign in again" password, a dialog's search box) are never held
  or taken: whatever is typed, however fast, reaches the field, and Enter reaches the dialog;
* elsewhere (a question with buttons has the focus) a scan is still recognised — so its Enter does
  not answer the question — and is queued for the screen, which gets it when the dialog has closed;
  a person's keys are replayed to the dialog as usual.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from fllc_desktop.scanning.key_times import KeyTimes
from fllc_desktop.scanning.wedge import ENTER, TAB, Keystroke, Verdict, WedgeDetector, WedgeSettings

_MODIFIER_KEYS = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_CapsLock,
        Qt.Key.Key_NumLock,
    }
)
_TERMINATOR_KEYS = {Qt.Key.Key_Return: ENTER, Qt.Key.Key_Enter: ENTER, Qt.Key.Key_Tab: TAB}
_GROUP_SEPARATOR = "\x1d"
_LINE_FEED = "\n"
_QUEUE_CHECK_MS = 50  # how often queued scans look whether the dialog over the screen has closed
STALL_SLACK_MS = 15.0
"""A release timer later than this was held up by a busy GUI thread; keys may still be queued."""
_MAX_STALL_WAITS = 20  # a GUI thread that never catches up still gets typed keys out, late


@dataclass(frozen=True)
class _HeldKey:
    """What is needed to replay a held-back key press to the widget it was meant for."""

    receiver: QWidget
    key: int
    modifiers: Qt.KeyboardModifier
    text: str


def _obstruction() -> QWidget | None:
    """The modal dialog or popup in front of every window, if any."""
    return QApplication.activeModalWidget() or QApplication.activePopupWidget()


def _takes_text(widget: QWidget) -> bool:
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    return isinstance(widget, QLineEdit | QTextEdit | QPlainTextEdit | QAbstractSpinBox)


def _is_control_shortcut(event: QKeyEvent) -> bool:
    """Ctrl held without Alt (Ctrl+Alt is AltGr on Windows, which types characters)."""
    modifiers = event.modifiers()
    return bool(modifiers & Qt.KeyboardModifier.ControlModifier) and not (
        modifiers & Qt.KeyboardModifier.AltModifier
    )


class ScannerEventFilter(QObject):
    """Tells wedge scans from typing for the whole application; see the module docstring."""

    sig_scanned = Signal(str)
    """A complete scan, for the active scan target."""
    sig_scan_without_target = Signal(str)
    """A scan arrived while no screen takes scans (the UI can say "open a scan screen")."""
    sig_scan_fragment = Signal(str)
    """What was read of a scan that was cut off; nothing was typed or booked from it."""

    def __init__(
        self,
        settings: WedgeSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
        *,
        stall_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._stall_clock = stall_clock
        self._times = KeyTimes()
        self._detector = WedgeDetector(settings)
        self._target: Callable[[str], None] | None = None
        self._replaying = False
        self._release_timer = QTimer(self)
        self._release_timer.setSingleShot(True)
        self._release_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._release_timer.timeout.connect(self.on_release_timer_timeout)
        self._timer_started_at = 0.0
        self._stall_waits = 0
        self._queued: list[str] = []  # scans made while a dialog covered the screen
        self._queue_timer = QTimer(self)
        self._queue_timer.setInterval(_QUEUE_CHECK_MS)
        self._queue_timer.timeout.connect(self.deliver_queued_scans)

    @property
    def detector(self) -> WedgeDetector:
        return self._detector

    def install(self, app: QCoreApplication) -> None:
        app.installEventFilter(self)

    def uninstall(self, app: QCoreApplication) -> None:
        self._release_timer.stop()
        self._replay(self._detector.release_pending())
        app.removeEventFilter(self)

    def set_scan_target(self, target: Callable[[str], None] | None) -> None:
        """The screen that takes scans now (a slot or callable), or None when no screen does."""
        if self._target is not None:
            self.sig_scanned.disconnect(self._target)
        self._target = target
        if target is not None:
            self.sig_scanned.connect(target)

    @property
    def queued_scans(self) -> tuple[str, ...]:
        return tuple(self._queued)

    def deliver_queued_scans(self) -> None:
        """Hand the scans made under a dialog to the screen, in order, once nothing covers it."""
        if _obstruction() is not None:
            return
        self._queue_timer.stop()
        queued, self._queued = self._queued, []
        for code in queued:
            self._deliver(code)

    def release_pending_keys(self) -> None:
        """No key followed in time: deliver the held keys (typing), or report them (a cut-off scan)."""
        self._release_timer.stop()
        self._apply(self._detector.idle())

    def on_release_timer_timeout(self) -> None:
        late_ms = (self._stall_clock() - self._timer_started_at) * 1000 - self._release_timer.interval()
        if late_ms > STALL_SLACK_MS and self._stall_waits < _MAX_STALL_WAITS:
            self._stall_waits += 1  # the GUI thread was busy: let the keys queued meanwhile come first
            self._start_release_timer()
            return
        self.release_pending_keys()

    # ------------------------------------------------------------------------------- filtering

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if self._replaying or event.type() != QEvent.Type.KeyPress or not isinstance(watched, QWidget):
            return False
        assert isinstance(event, QKeyEvent)
        return self._on_key_press(watched, event)

    def _on_key_press(self, receiver: QWidget, event: QKeyEvent) -> bool:
        key = Qt.Key(event.key())
        if key in _MODIFIER_KEYS:
            return False
        if _takes_text(receiver) and _obstruction() is not None:
            self.release_pending_keys()  # typing in a dialog's field: never held, never a scan
            return False
        text = self._scan_text(key, event)
        if text is None:
            verdict = self._detector.feed_other_key()
        else:
            held = _HeldKey(receiver, event.key(), event.modifiers(), event.text())
            placed = self._times.place(event.timestamp(), self._clock())
            verdict = self._detector.feed_key(text, at=placed.at, token=held, exact=placed.exact)
        return self._apply(verdict)

    def _scan_text(self, key: Qt.Key, event: QKeyEvent) -> str | None:
        """The character a scanner could have sent with this key, or None for any other key."""
        if event.isAutoRepeat():
            return None
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key in _TERMINATOR_KEYS and plain:
            return _TERMINATOR_KEYS[key]
        if event.text() == _LINE_FEED and plain:
            return ENTER  # scanners set to end with LF (X11 keysym Linefeed) mean Enter too
        if _is_control_shortcut(event):
            # Ctrl+] is how a wedge scanner types the group separator; other Ctrl keys are shortcuts.
            return _GROUP_SEPARATOR if key == Qt.Key.Key_BracketRight else None
        text = event.text()
        settings = self._detector.settings
        framing = f"{_GROUP_SEPARATOR}{settings.prefix}{settings.suffix}"
        return text if len(text) == 1 and (text.isprintable() or text in framing) else None

    def _apply(self, verdict: Verdict) -> bool:
        self._replay(verdict.replay)
        if verdict.fragment is not None:
            self.sig_scan_fragment.emit(verdict.fragment)
        if verdict.scan is not None:
            self._emit_scan(verdict.scan)
        if self._detector.holding:
            self._stall_waits = 0
            self._start_release_timer()
        else:
            self._release_timer.stop()
        return verdict.swallow

    def _start_release_timer(self) -> None:
        gap_s = self._detector.settings.gap_limit(self._detector.holding_exact)
        self._release_timer.setInterval(math.ceil(gap_s * 1000) + 1)
        self._timer_started_at = self._stall_clock()
        self._release_timer.start()

    def _emit_scan(self, code: str) -> None:
        if self._queued or _obstruction() is not None:
            self._queued.append(code)  # for the screen, once the dialog over it has closed
            self._queue_timer.start()
            self.deliver_queued_scans()
            return
        self._deliver(code)

    def _deliver(self, code: str) -> None:
        if self._target is None:
            self.sig_scan_without_target.emit(code)
        self.sig_scanned.emit(code)

    def _replay(self, keys: tuple[Keystroke, ...]) -> None:
        self._replaying = True
        try:
            for keystroke in keys:
                held = keystroke.token
                if isinstance(held, _HeldKey) and shiboken6.isValid(held.receiver):
                    replayed = QKeyEvent(QEvent.Type.KeyPress, held.key, held.modifiers, held.text)
                    QCoreApplication.sendEvent(held.receiver, replayed)
        finally:
            self._replaying = False
