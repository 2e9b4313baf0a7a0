"""Tell a keyboard-wedge scan from a person typing, by keystroke timing. No Qt in here.

A USB wedge scanner "types" its code a few milliseconds per key and ends it with Enter or Tab; a
person needs 80-300 ms per key. The detector holds back (buffers) keystrokes while they arrive
fast enough to be a scan. It then either

* completes a **scan** — the burst was long enough, every gap was short, and it ended in a
  terminator: the buffered keys are swallowed and the code goes to ``on_scan``; or
* **releases** the buffered keys as typing — a gap was too long, a different key came, the burst was
  too short, or :meth:`WedgeDetector.idle` was called because no key followed in time; or
* reports a **fragment** — keys that came at scanner speed but were cut off before their terminator
  (the app stalled on a platform without key timestamps, or the scanner lost the code). No person
  types three keys each within the gap (the recorded sessions in ``tests/scanning/data`` never do), so
  a cut-off burst of ``fragment_min_keys`` or more is part of a scan: it is neither typed into the
  field nor booked. The burst that follows within ``fragment_window_ms`` is the rest of that scan
  and is reported as a fragment too, its terminator swallowed, so the tail of a code is never taken
  for another product's code.

The caller (the Qt event filter) swallows every key the detector holds and replays the released ones
to the widget they were meant for, in order, so a person's typing still reaches the text field and a
scan's keystrokes never do. Each :class:`Keystroke` may carry an opaque ``token`` (the Qt key and
its receiver) that the detector hands back untouched.

Timestamps are seconds from any monotonic clock; pass ``at=`` or inject ``clock`` so that tests are
deterministic. A key fed with ``exact=False`` has only the time the app received it (which includes
the app's own delays): a gap that touches such a key is allowed up to ``fallback_gap_ms``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

ENTER = "\r"
TAB = "\t"

ScanCallback = Callable[[str], None]
Clock = Callable[[], float]


@dataclass(frozen=True)
class WedgeSettings:
    """How a scan looks; the defaults suit most USB scanners."""

    min_length: int = 4
    """Fewest characters in a scan (without prefix and suffix)."""
    max_gap_ms: float = 30.0
    """Longest pause between two keys of one scan, the terminator included."""
    terminators: frozenset[str] = frozenset({ENTER, TAB})
    prefix: str = ""
    """Characters the scanner is programmed to send first; removed from the code."""
    suffix: str = ""
    """Characters the scanner sends just before the terminator; removed from the code."""
    max_length: int = 512
    """Longer bursts are a held-down key, not a scan."""
    fallback_gap_ms: float = 60.0
    """Longest pause when a key's time is only when the app received it (no window-system time)."""
    fragment_min_keys: int = 3
    """A burst this long cut off before its terminator is part of a scan, not typing."""
    fragment_window_ms: float = 1000.0
    """How soon after a fragment the next burst is taken for the rest of that scan."""

    @property
    def max_gap(self) -> float:
        return self.max_gap_ms / 1000.0

    def gap_limit(self, exact: bool) -> float:
        """The longest pause (seconds) between two keys whose times are exact, or not."""
        return (self.max_gap_ms if exact else max(self.max_gap_ms, self.fallback_gap_ms)) / 1000.0


@dataclass(frozen=True)
class Keystroke:
    """One key the person or the scanner pressed: its text (``"\\r"`` for Enter, ``"\\t"`` for Tab)."""

    text: str
    at: float
    token: object = None
    exact: bool = True
    """False when ``at`` is when the app received the key, not when it was pressed."""


@dataclass(frozen=True)
class Verdict:
    """What to do with the key just fed, and with keys held back earlier."""

    replay: tuple[Keystroke, ...] = ()
    """Held-back keys that turned out to be typing: deliver them, in order, before anything else."""
    swallow: bool = True
    """True when the key just fed is held back (or was part of a scan): do not deliver it now."""
    scan: str | None = None
    """The code, when this key completed a scan."""
    fragment: str | None = None
    """What was read of a scan that was cut off (see the module docstring): say so, book nothing."""


@dataclass
class _Burst:
    keys: list[Keystroke] = field(default_factory=list)

    @property
    def last_at(self) -> float:
        return self.keys[-1].at

    def text(self) -> str:
        return "".join(key.text for key in self.keys)


class WedgeDetector:
    """Feed it every key press; it answers with a :class:`Verdict` and calls ``on_scan`` per scan."""

    def __init__(
        self,
        settings: WedgeSettings | None = None,
        on_scan: ScanCallback | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.settings = settings or WedgeSettings()
        self._on_scan = on_scan
        self._clock = clock
        self._burst = _Burst()
        self._overflow_at: float | None = None
        """Time of the last key of an over-long burst: until a pause, keys are typing."""
        self._tail_until: float | None = None
        """After a fragment: a burst starting before this time is the rest of that scan."""

    @property
    def holding(self) -> bool:
        """True while keys are held back, waiting to see whether they are a scan."""
        return bool(self._burst.keys)

    @property
    def holding_exact(self) -> bool:
        """True unless the last held key's time is only when the app received it."""
        return not self._burst.keys or self._burst.keys[-1].exact

    def feed_key(
        self, text: str, at: float | None = None, token: object = None, *, exact: bool = True
    ) -> Verdict:
        """A character key or a terminator (Enter/Tab) was pressed."""
        key = Keystroke(text, self._clock() if at is None else at, token, exact)
        if key.text in self.settings.terminators:
            return self._on_terminator(key)
        return self._on_character(key)

    def feed_other_key(self) -> Verdict:
        """A key with no text (arrows, Backspace, F-keys, Ctrl+…): it is the person; pass it on.

        Modifier keys alone (Shift, which scanners press for capitals) are not fed at all.
        """
        self._tail_until = None
        return Verdict(replay=self._release(), swallow=False)

    def idle(self) -> Verdict:
        """No key followed within the gap: the held keys were typed by a person — or, when they came
        at scanner speed, they are the fragment of a scan that was cut off."""
        return self._cut_off()

    def release_pending(self) -> tuple[Keystroke, ...]:
        """Release whatever is held back as typing, unconditionally (shutting down)."""
        return self._release()

    def gap_left(self, now: float) -> float:
        """Seconds from ``now`` until the gap after the last held key has passed: until then a key
        stamped later still belongs to the held ones. Zero or less: it has passed (or nothing is
        held) — no key pressed from ``now`` on can continue them, so :meth:`idle` may decide."""
        keys = self._burst.keys
        if not keys:
            return 0.0
        return keys[-1].at + self.settings.gap_limit(keys[-1].exact) - now

    def release_if_idle(self, now: float | None = None) -> tuple[Keystroke, ...]:
        """Release held keys only if the gap since the last one has really passed."""
        now = self._clock() if now is None else now
        keys = self._burst.keys
        if keys and now - keys[-1].at > self.settings.gap_limit(keys[-1].exact):
            return self._release()
        return ()

    # ---------------------------------------------------------------------------------- rules

    def _gap_passed(self, key: Keystroke) -> bool:
        last = self._burst.keys[-1] if self._burst.keys else None
        if last is None:
            return False
        return key.at - last.at > self.settings.gap_limit(last.exact and key.exact)

    def _on_character(self, key: Keystroke) -> Verdict:
        cut = self._cut_off() if self._gap_passed(key) else Verdict()
        if self._still_overflowing(key.at) or not self._could_start_or_continue(key):
            return Verdict(replay=(*cut.replay, *self._release()), swallow=False, fragment=cut.fragment)
        self._burst.keys.append(key)
        replay = cut.replay
        if len(self._burst.keys) > self.settings.max_length:
            self._overflow_at = key.at
            self._tail_until = None
            replay = (*replay, *self._release())
        return Verdict(replay=replay, fragment=cut.fragment)

    def _still_overflowing(self, at: float) -> bool:
        if self._overflow_at is None:
            return False
        if at - self._overflow_at > self.settings.max_gap:
            self._overflow_at = None
            return False
        self._overflow_at = at
        return True

    def _on_terminator(self, key: Keystroke) -> Verdict:
        cut = self._cut_off() if self._gap_passed(key) else Verdict()
        if cut.fragment is not None or self._is_tail():
            return self._end_of_fragment(cut)
        code = None if self._still_overflowing(key.at) else self._completed_code()
        if cut.replay or code is None:
            return Verdict(replay=(*cut.replay, *self._release()), swallow=False)
        self._burst = _Burst()
        if self._on_scan is not None:
            self._on_scan(code)
        return Verdict(scan=code)

    def _is_tail(self) -> bool:
        """True when the burst (or a lone terminator) follows a fragment closely: the rest of it."""
        if self._tail_until is None:
            return False
        start = self._burst.keys[0].at if self._burst.keys else None
        return start is None or start <= self._tail_until

    def _end_of_fragment(self, cut: Verdict) -> Verdict:
        """The terminator of a cut-off scan: swallowed; what came since the cut is reported."""
        self._tail_until = None
        tail = self._burst.text()
        self._burst = _Burst()
        if cut.fragment is not None:
            return Verdict(replay=cut.replay, fragment=cut.fragment)
        return Verdict(fragment=tail) if tail else Verdict()

    def _cut_off(self) -> Verdict:
        """The held keys were not followed in time: typing, or the fragment of a scan."""
        keys = self._burst.keys
        if len(keys) < self.settings.fragment_min_keys:
            return Verdict(replay=self._release())
        text = self._burst.text()
        self._tail_until = keys[-1].at + self.settings.fragment_window_ms / 1000.0
        self._burst = _Burst()
        return Verdict(fragment=text)

    def _could_start_or_continue(self, key: Keystroke) -> bool:
        prefix = self.settings.prefix
        if not prefix:
            return True
        typed = self._burst.text() + key.text
        return typed.startswith(prefix) or prefix.startswith(typed)

    def _completed_code(self) -> str | None:
        text = self._burst.text()
        settings = self.settings
        if not (text.startswith(settings.prefix) and text.endswith(settings.suffix)):
            return None
        code = text[len(settings.prefix) : len(text) - len(settings.suffix)]
        return code if len(code) >= settings.min_length else None

    def _release(self) -> tuple[Keystroke, ...]:
        keys = tuple(self._burst.keys)
        self._burst = _Burst()
        return keys
