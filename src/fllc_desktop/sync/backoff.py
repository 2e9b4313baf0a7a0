"""Exponential backoff with jitter, for a server that cannot be reached."""

from __future__ import annotations

import random as random_module
from collections.abc import Callable


class Backoff:
    """Delays of base·factor^n seconds up to ``cap``, each jittered to between half and all of
    it, so tablets that lost the network together do not all come back at the same moment."""

    def __init__(
        self,
        *,
        base: float = 1.0,
        factor: float = 2.0,
        cap: float = 300.0,
        random: Callable[[], float] = random_module.random,
    ) -> None:
        self.base = base
        self.factor = factor
        self.cap = cap
        self._random = random
        self.failures = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * self.factor**self.failures)
        self.failures += 1
        return ceiling / 2 + self._random() * ceiling / 2

    def reset(self) -> None:
        self.failures = 0
