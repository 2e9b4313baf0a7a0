"""Long-lived objects out of the garbage collector's way.

CPython's cyclic collector walks every tracked container of the generation it collects; a full
collection walks them all. A process that holds a large structure for its whole life — the app
itself, the catalog's in-process search index (catalog.index: lists and maps over every product)
— pays for it on every full collection, which runs every few seconds under load and stops the
event loop meanwhile, long enough to be the whole p99 of cached searches (the README's Performance
section has the figures).

`keep_long_lived()` moves everything alive now into the permanent generation (gc.freeze): later
collections skip it, and it is still freed by reference counting when dropped (a replaced index
snapshot holds no reference cycles). Call it when such a structure has just been built, and
`release_long_lived()` when the app stops (what it froze is then collectable again: a test run
builds thousands of apps in one process).
"""

from __future__ import annotations

import gc


def keep_long_lived() -> None:
    gc.freeze()


def release_long_lived() -> None:
    gc.unfreeze()
