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

Held keys are released at once when a key with no text (arrows, Backspace, shortcuts) arrives, and
otherwise only when the keys' own times say that no key followed within the detector's gap. A
single-shot timer asks the question; it does not answer it. When a stalled GUI thread or an app the
machine did not schedule wakes up, the overdue timer is dispatched before the key events waiting
behind it (in the socket, in Qt's event reader, in Qt's queue), so when it fires the filter first
has the window system deliver what it has already sent (``flush``: ``QGuiApplication.sync()``; on
X11 a round trip to the server, after which the events it sent before answering are processed;
elsewhere the events already queued are) and only then decides, by the stamps: a key that arrived
meanwhile continues the held ones or cuts them by its own stamp; when none arrived, any key still to
come is stamped after the moment the filter asked, so the held keys are cut only if that moment is
already past the gap after the last of them (else the timer asks again when it will be). Whether a
scan is complete, cut, or typing thus depends on the keys' stamps and the terminator, never on when
the timer happened to run. (Measured under Xvfb: an app stopped 33-43 ms mid-scan, as a loaded
machine leaves it, had its scans cut by a timer that was only a little late; see tests/floor_x11.)

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
from PySide6.QtGui import QGuiApplication, QKeyEvent
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
_MAX_EARLY_CHECKS = 20  # a key clock that does not move (or stamps far ahead) still lets keys out


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
        flush: Callable[[], None] = QGuiApplication.sync,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._flush = flush
        """Delivers now the input events the window system has already sent (see the docstring)."""
        self._flushing = False
        self._keys_fed = 0
        self._times = KeyTimes()
        self._detector = WedgeDetector(settings)
        self._target: Callable[[str], None] | None = None
        self._replaying = False
        self._release_timer = QTimer(self)
        self._release_timer.setSingleShot(True)
        self._release_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._release_timer.timeout.connect(self.on_release_timer_timeout)
        self._early_checks = 0
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
        """The gap may have passed: let the keys already sent arrive, then decide by their stamps."""
        if self._flushing:  # armed again by a key delivered by the flush below, and due already
            self._start_release_timer()
            return
        fed, asked_at = self._keys_fed, self._clock()
        self._flushing = True
        try:
            self._flush()
        finally:
            self._flushing = False
        if self._keys_fed != fed or not self._detector.holding:
            return  # keys came: their stamps decided, and the timer is armed again if need be
        left = self._detector.gap_left(asked_at)
        if left >= 0 and self._early_checks < _MAX_EARLY_CHECKS:
            self._early_checks += 1  # a key stamped before the gap ends may still come
            self._start_release_timer(left)
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
            self._keys_fed += 1
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
            self._early_checks = 0
            self._start_release_timer()
        else:
            self._release_timer.stop()
        return verdict.swallow

    def _start_release_timer(self, wait_s: float | None = None) -> None:
        """Ask again after ``wait_s`` (default: a whole gap from now)."""
        if wait_s is None:
            wait_s = self._detector.settings.gap_limit(self._detector.holding_exact)
        self._release_timer.setInterval(math.ceil(max(wait_s, 0.0) * 1000) + 1)
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
