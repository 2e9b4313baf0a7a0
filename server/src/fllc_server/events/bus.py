"""Publish `{type, seq, data}` pokes to every server instance; subscribe to them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from fllc_server.infra.pubsub import PubSub

CHANNEL = "fllc:events"
PROBE = "_probe"  # internal: tells a new subscription that it is live; never sent to clients
PROBE_INTERVAL = 0.05
PROBE_PATIENCE = 5.0


class EventBus:
    def __init__(self, pubsub: PubSub) -> None:
        self._pubsub = pubsub

    async def publish(
        self, event_type: str, seq: int | None, data: dict[str, Any], *, entity_type: str | None
    ) -> None:
        """Send at once. `entity_type` is what the event is about: only those who may read that
        type hear it (auth.entities; None: no one but the bus's own probes). A service announces a
        change with its unit of work's `publish` (`kit.uow`), which calls this after the commit.
        `seq` is None for an event that is no change of the log (a job's progress)."""
        message = json.dumps(
            {"type": event_type, "seq": seq, "data": data, "entity_type": entity_type}, default=str
        )
        await self._pubsub.publish(CHANNEL, message)

    def subscribe(self) -> AsyncIterator[str]:
        return self._pubsub.subscribe(CHANNEL)

    @contextlib.asynccontextmanager
    async def live(
        self, queue_size: int = 1000, accept: Callable[[dict[str, Any]], bool] | None = None
    ) -> AsyncIterator[asyncio.Queue[str]]:
        """A queue of event messages (JSON text) that is already receiving when this yields.

        Pub/sub drops what is published before a subscription is registered (a Redis round
        trip away), so this publishes a probe until its own subscription has heard it back.
        A reader that falls `queue_size` behind loses messages and sees a gap in the seqs.
        `accept` (given the parsed message) keeps out what this reader may not see.
        """
        queue: asyncio.Queue[str] = asyncio.Queue(queue_size)
        heard = asyncio.Event()
        token = uuid.uuid4().hex
        pump = asyncio.create_task(self._pump(queue, heard, token, accept))
        try:
            await self._probe(heard, token)
            yield queue
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    async def _pump(
        self,
        queue: asyncio.Queue[str],
        heard: asyncio.Event,
        token: str,
        accept: Callable[[dict[str, Any]], bool] | None,
    ) -> None:
        source = self.subscribe()
        try:
            async for raw in source:
                message = json.loads(raw)
                if message.get("type") == PROBE:
                    if (message.get("data") or {}).get("token") == token:
                        heard.set()
                    continue
                if accept is not None and not accept(message):
                    continue
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(raw)
        finally:
            await source.aclose()  # type: ignore[attr-defined]

    async def _probe(self, heard: asyncio.Event, token: str) -> None:
        for _ in range(int(PROBE_PATIENCE / PROBE_INTERVAL)):
            await self.publish(PROBE, 0, {"token": token}, entity_type=None)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(heard.wait(), PROBE_INTERVAL)
                return
