"""Rate limits through the `limits` library: Redis storage (redis-py) when configured, memory otherwise."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def build_storage(redis_url: str | None) -> Storage:
    if redis_url:
        uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
        return RedisStorage(uri, implementation="redispy")
    return MemoryStorage()


class RateLimiter:
    """Moving-window limits keyed by caller; `hit` consumes, `test` only looks."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._parsed: dict[str, RateLimitItem] = {}

    def _item(self, limit: str) -> RateLimitItem:
        item = self._parsed.get(limit)
        if item is None:
            item = self._parsed[limit] = parse(limit)
        return item

    async def hit(self, limit: str, *key: str) -> Verdict:
        item = self._item(limit)
        if await self._limiter.hit(item, *key):
            return Verdict(True)
        return Verdict(False, await self._retry_after(item, key))

    async def test(self, limit: str, *key: str) -> Verdict:
        item = self._item(limit)
        if await self._limiter.test(item, *key):
            return Verdict(True)
        return Verdict(False, await self._retry_after(item, key))

    async def clear(self, limit: str, *key: str) -> None:
        await self._limiter.clear(self._item(limit), *key)

    async def _retry_after(self, item: RateLimitItem, key: tuple[str, ...]) -> int:
        stats = await self._limiter.get_window_stats(item, *key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def ping(self) -> None:
        await self._storage.check()

    async def reset(self) -> None:
        await self._storage.reset()
