"""When a key was pressed, from the window system's timestamp, on the app's own clock. No Qt in here.

The window system stamps every key event when it receives it (X11/XCB and Wayland in server
milliseconds, Windows ``GetMessageTime``, macOS event time). Keys queued while the app's GUI thread
was busy keep the times they were pressed at, so a scan typed during a stall still looks like a scan.
The time the app *received* a key does not: it includes the stall.

:class:`KeyTimes` turns each stamp into a time on the app's clock (the stamp plus the smallest
receive-minus-stamp offset seen so far, so the two clocks' origins cancel) and says whether the time
is exact. A stamp of zero (the platform or a synthetic event gives none) or one that goes backwards
(the server's clock wrapped, or events from two sources) is not trusted: that key gets the time it was
received instead, marked inexact, and the detector allows such a gap the wider fallback tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlacedKey:
    at: float
    """Seconds on the app's clock."""
    exact: bool
    """True when ``at`` comes from the window system's stamp, False when it is the receive time."""


class KeyTimes:
    def __init__(self) -> None:
        self._offset: float | None = None
        """Smallest (received - stamp) seen: the stamp clock's origin on the app's clock."""
        self._last_stamp_ms: int | None = None

    def place(self, stamp_ms: int, received: float) -> PlacedKey:
        """Where a key stamped ``stamp_ms`` (0: no stamp) and received at ``received`` goes."""
        if stamp_ms <= 0:
            return PlacedKey(received, exact=False)
        if self._last_stamp_ms is not None and stamp_ms < self._last_stamp_ms:
            self._offset = None  # the stamps' clock went back: start again from this key
            self._last_stamp_ms = stamp_ms
            return PlacedKey(received, exact=False)
        self._last_stamp_ms = stamp_ms
        stamp = stamp_ms / 1000.0
        offset = received - stamp
        if self._offset is None or offset < self._offset:
            self._offset = offset
        return PlacedKey(stamp + self._offset, exact=True)
