"""A workaround for reference-counting bugs of PySide6 6.12 on Python 3.11.

On Python 3.11 this PySide6 build drops references it never took: every call of a Qt method that
returns nothing (``processEvents()``, ``setText()``, ``QTimer.singleShot()`` ...) drops one reference
to ``None``, and every ``SignalInstance.emit()`` drops one to ``True``. Python 3.12+ makes these
singletons immortal, which hides the bugs; on 3.11 a long session (or test run, or benchmark) ends
in "Fatal Python error: none_dealloc" / "bool_dealloc". We give them the same kind of huge reference
count once at start, the way 3.12 does. Reproduce: call ``QApplication.processEvents()`` or emit a
signal 100,000 times in a loop on Python 3.11 with PySide6 6.12.0.

pyproject.toml pins PySide6 to ``AFFECTED`` on Python 3.11, and
``tests/desktop_core/test_pyside_compat.py`` measures the leak: it fails loudly on the first PySide6
release that no longer drops references, so that this module is removed and the pin widened rather
than kept out of habit.
"""

from __future__ import annotations

import ctypes
import sys

AFFECTED = ((6, 12), (6, 13))
"""PySide6 releases known to drop references on Python 3.11: from 6.12 up to, not including, 6.13."""
_RESERVE = 1 << 40  # 10^12 calls before anything could go wrong; far beyond any session
_SINGLETONS = (None, True, False)


def protect_singletons_from_refcount_bugs() -> None:
    """Idempotent; a no-op where the singletons are already immortal (Python 3.12+)."""
    if sys.version_info >= (3, 12):
        return
    for singleton in _SINGLETONS:
        if sys.getrefcount(singleton) < _RESERVE // 2:
            refcount = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt: the first field
            refcount.value += _RESERVE
