"""Fan-out of live events: Redis pub/sub across server processes, or in-process queues."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol

from redis.asyncio import Redis


class PubSub(Protocol):
    async def publish(self, channel: str, message: str) -> None: ...
    def subscribe(self, channel: str) -> AsyncIterator[str]: ...
    async def close(self) -> None: ...


class MemoryPubSub:
    def __init__(self, queue_size: int = 10_000) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[str]]] = {}
        self._queue_size = queue_size

    async def publish(self, channel: str, message: str) -> None:
        for queue in list(self._subscribers.get(channel, ())):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(message)  # a slow reader sees a seq gap and pulls

    async def subscribe(self, channel: str) -> AsyncIterator[str]:
        queue: asyncio.Queue[str] = asyncio.Queue(self._queue_size)
        self._subscribers.setdefault(channel, set()).add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._subscribers[channel].discard(queue)

    async def close(self) -> None:
        self._subscribers.clear()


CLOSE_TIMEOUT = 0.5


class RedisPubSub:
    """Redis pub/sub. Channels are global to a Redis server, not per database number, so every
    channel is namespaced by the database the server uses: two deployments (or test runs) on
    one Redis with different database numbers never hear each other."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        database = redis.connection_pool.connection_kwargs.get("db", 0)
        self._namespace = f"db{database}:"

    async def publish(self, channel: str, message: str) -> None:
        await self._redis.publish(self._namespace + channel, message)

    async def subscribe(self, channel: str) -> AsyncIterator[str]:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self._namespace + channel)
            async for item in pubsub.listen():
                data = item.get("data")
                if isinstance(data, bytes):
                    yield data.decode()
        finally:
            # Closing the connection ends the subscription. A cancellation that lands while the
            # subscription is being set up can leave redis-py waiting forever: bound the cleanup.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pubsub.aclose(), CLOSE_TIMEOUT)

    async def close(self) -> None:
        return None
