"""Publish `{type, seq, data}` pokes to every server instance; subscribe to them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.infra.pubsub import PubSub
from fllc_server.kit.db import after_commit

CHANNEL = "fllc:events"
PROBE = "_probe"  # internal: tells a new subscription that it is live; never sent to clients
PROBE_INTERVAL = 0.05
PROBE_PATIENCE = 5.0


class EventBus:
    def __init__(self, pubsub: PubSub) -> None:
        self._pubsub = pubsub

    async def publish(self, event_type: str, seq: int, data: dict[str, Any]) -> None:
        message = json.dumps({"type": event_type, "seq": seq, "data": data}, default=str)
        await self._pubsub.publish(CHANNEL, message)

    def publish_after_commit(
        self, session: AsyncSession, event_type: str, seq: int, data: dict[str, Any]
    ) -> None:
        """Events are sent only once the change they announce has committed."""

        async def send() -> None:
            await self.publish(event_type, seq, data)

        after_commit(session, send)

    def subscribe(self) -> AsyncIterator[str]:
        return self._pubsub.subscribe(CHANNEL)

    @contextlib.asynccontextmanager
    async def live(self, queue_size: int = 1000) -> AsyncIterator[asyncio.Queue[str]]:
        """A queue of event messages (JSON text) that is already receiving when this yields.

        Pub/sub drops what is published before a subscription is registered (a Redis round
        trip away), so this publishes a probe until its own subscription has heard it back.
        A reader that falls `queue_size` behind loses messages and sees a gap in the seqs.
        """
        queue: asyncio.Queue[str] = asyncio.Queue(queue_size)
        heard = asyncio.Event()
        token = uuid.uuid4().hex
        pump = asyncio.create_task(self._pump(queue, heard, token))
        try:
            await self._probe(heard, token)
            yield queue
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    async def _pump(self, queue: asyncio.Queue[str], heard: asyncio.Event, token: str) -> None:
        source = self.subscribe()
        try:
            async for raw in source:
                message = json.loads(raw)
                if message.get("type") == PROBE:
                    if (message.get("data") or {}).get("token") == token:
                        heard.set()
                    continue
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(raw)
        finally:
            await source.aclose()  # type: ignore[attr-defined]

    async def _probe(self, heard: asyncio.Event, token: str) -> None:
        for _ in range(int(PROBE_PATIENCE / PROBE_INTERVAL)):
            await self.publish(PROBE, 0, {"token": token})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(heard.wait(), PROBE_INTERVAL)
                return
