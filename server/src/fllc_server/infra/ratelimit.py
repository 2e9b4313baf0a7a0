"""Rate limits through the `limits` library: Redis storage (redis-py) when configured, memory otherwise."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


class ApiLimiter(Protocol):
    async def hit(self, limit: str, *key: str) -> Verdict: ...


def build_storage(redis: Redis | None) -> Storage:
    """The limits' storage: on `redis`'s connection pool (the app's, closed with the app: a pool
    of the storage's own would never be closed), or in memory."""
    if redis is not None:
        # limits documents connection_pool but types its options as scalars
        options: dict[str, Any] = {"connection_pool": redis.connection_pool}
        return RedisStorage("async+redis://", implementation="redispy", **options)
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


@dataclass(slots=True)
class _Lease:
    valid_until: float  # the window's end (a grant) or when to ask again (a denial)
    remaining: int


class LeasedRateLimiter:
    """The global API limit across processes without a Redis round trip per request.

    A sliding-window counter in Redis (this window's count plus the previous one's, weighted by how
    much of it still overlaps), consumed in leases: a process takes up to 1/20 of the limit with one
    INCRBY and serves that many requests from memory. The cluster never admits more than the limit;
    a process holding an unused lease may make another one answer 429 a little early. Limits under
    20 per window lease one request at a time, i.e. are exact. A denial is remembered locally for a
    twentieth of the window, so a flood costs Redis next to nothing.
    """

    LEASES_PER_WINDOW = 20
    MAX_KEYS = 100_000

    def __init__(self, redis: Redis, *, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._clock = clock
        self._parsed: dict[str, RateLimitItem] = {}
        self._leases: dict[tuple[str, tuple[str, ...]], _Lease] = {}
        self._locks: dict[tuple[str, tuple[str, ...]], asyncio.Lock] = {}

    def _item(self, limit: str) -> RateLimitItem:
        item = self._parsed.get(limit)
        if item is None:
            item = self._parsed[limit] = parse(limit)
        return item

    async def hit(self, limit: str, *key: str) -> Verdict:
        verdict = self._from_lease(limit, key)
        if verdict is not None:
            return verdict
        lock = self._locks.setdefault((limit, key), asyncio.Lock())
        async with lock:  # one lease request per key at a time: concurrent ones would over-book
            verdict = self._from_lease(limit, key)
            if verdict is not None:
                return verdict
            return await self._renew(limit, key)

    def _from_lease(self, limit: str, key: tuple[str, ...]) -> Verdict | None:
        lease = self._leases.get((limit, key))
        now = self._clock()
        if lease is None or now >= lease.valid_until:
            return None
        if lease.remaining > 0:
            lease.remaining -= 1
            return Verdict(True)
        if lease.remaining < 0:  # denied a moment ago: answer from memory
            return Verdict(False, max(1, math.ceil(lease.valid_until - now)))
        return None

    async def _renew(self, limit: str, key: tuple[str, ...]) -> Verdict:
        item = self._item(limit)
        window = item.get_expiry()
        now = self._clock()
        start = now - now % window
        granted = await self._lease(item, limit, key, start, now)
        if len(self._leases) >= self.MAX_KEYS:
            self._leases = {k: v for k, v in self._leases.items() if v.valid_until > now}
            self._locks = {k: v for k, v in self._locks.items() if k in self._leases}
        if granted <= 0:
            # Room frees up as the previous window's weight decays: look again after a slice.
            retry = min(start + window, now + max(1.0, window / self.LEASES_PER_WINDOW))
            self._leases[(limit, key)] = _Lease(retry, -1)
            return Verdict(False, max(1, math.ceil(retry - now)))
        self._leases[(limit, key)] = _Lease(start + window, granted - 1)
        return Verdict(True)

    async def _lease(
        self, item: RateLimitItem, limit: str, key: tuple[str, ...], start: float, now: float
    ) -> int:
        """Take up to a lease of this window's quota; returns how many requests were granted."""
        window = item.get_expiry()
        size = max(1, item.amount // self.LEASES_PER_WINDOW)
        base = f"fllc:rl:{limit}:{':'.join(key)}:"
        current, previous = base + str(int(start)), base + str(int(start - window))
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.incrby(current, size)
            pipe.expire(current, int(window * 2) + 1)
            pipe.get(previous)
            taken, _, before = await pipe.execute()
        overlap = 1 - (now - start) / window
        used_before_lease = int(before or 0) * overlap + int(taken) - size
        granted = int(min(size, item.amount - used_before_lease))
        if granted < size:
            await self._redis.decrby(current, size - max(granted, 0))
        return granted
