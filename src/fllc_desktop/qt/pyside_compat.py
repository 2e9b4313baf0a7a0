"""A workaround for a reference-counting bug in PySide6 6.12.0 on Python 3.11.

``SignalInstance.emit()`` returns ``True`` without taking a reference to it, so every signal emitted
from Python code drops one reference to ``True``; after enough emissions (a long session, a long test
run) ``True``'s count reaches zero and the interpreter aborts with "Fatal Python error: bool_dealloc".
Python 3.12+ makes ``True`` immortal, which hides the bug; on 3.11 we give ``True`` the same kind of
huge reference count once at start, the way 3.12 does. Reproduce: emit any signal 10,000 times in a
loop on Python 3.11 with PySide6 6.12.0.
"""

from __future__ import annotations

import ctypes
import sys

_RESERVE = 1 << 40  # 10^12 emissions before anything could go wrong; far beyond any session


def protect_true_from_emit_refcount_bug() -> None:
    """Idempotent; a no-op where ``True`` is already immortal (Python 3.12+)."""
    if sys.version_info >= (3, 12) or sys.getrefcount(True) > _RESERVE // 2:
        return
    refcount = ctypes.c_ssize_t.from_address(id(True))  # ob_refcnt is the object's first field
    refcount.value += _RESERVE
