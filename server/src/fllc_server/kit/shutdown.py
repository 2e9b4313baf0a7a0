"""A graceful stop for rolling updates: what a server does between SIGTERM and exit.

1. `/readyz` answers 503 at once (`draining`), so the load balancer takes this server out of its
   pool; for `drain_seconds` it still serves whatever reaches it, so nothing is refused while the
   balancer catches up.
2. Then every live WebSocket is closed with 1001 "going away" (clients reconnect, now to another
   server, and pull what they missed), and uvicorn is told to stop: it closes the listening socket,
   finishes the requests in flight and runs the app's shutdown.

Installed only when uvicorn serves the app (its SIGTERM handler is in place); an app run by a test
harness keeps the process's own handlers.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

import structlog

logger = structlog.get_logger(__name__)

GOING_AWAY = 1001

SignalHandler = Callable[[int, FrameType | None], Any]


class Drain:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.draining = False  # /readyz says 503 from here on
        self.going_away = asyncio.Event()  # WebSockets close when it is set
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous: SignalHandler | None = None
        self._task: asyncio.Task[None] | None = None

    def install(self) -> bool:
        """Take over SIGTERM from uvicorn (called in the app's startup); False when not served by it."""
        current = signal.getsignal(signal.SIGTERM)
        owner = getattr(current, "__self__", None)
        if owner is None or type(owner).__module__.split(".")[0] != "uvicorn":
            return False
        self._loop = asyncio.get_running_loop()
        self._previous = current  # type: ignore[assignment]
        signal.signal(signal.SIGTERM, self._on_signal)
        return True

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._task is not None or self._loop is None:  # a second SIGTERM: stop now
            if self._previous is not None:
                self._previous(signum, frame)
            return
        self._task = self._loop.create_task(self._drain(signum, frame))

    async def begin(self) -> None:
        """Stop taking new work: not ready, WebSockets told to go after the drain time."""
        self.draining = True
        logger.info("draining: /readyz answers 503", seconds=self.seconds)
        if self.seconds:
            await asyncio.sleep(self.seconds)
        self.going_away.set()

    async def _drain(self, signum: int, frame: FrameType | None) -> None:
        await self.begin()
        await asyncio.sleep(0.05)  # the WebSockets' close frames go out first
        if self._previous is not None:
            self._previous(signum, frame)  # uvicorn: stop accepting, finish in-flight requests, exit
