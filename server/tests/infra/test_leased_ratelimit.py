"""LeasedRateLimiter: the global API limit in Redis, consumed in leases. Needs Redis (the MariaDB +
Redis run); the embedded run uses the in-memory moving window instead."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fllc_server.infra.ratelimit import LeasedRateLimiter
from redis.asyncio import Redis


class Clock:
    def __init__(self, now: float = 1_000_020.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def redis(backend: Any) -> AsyncIterator[Redis]:
    if backend.redis_url is None:
        pytest.skip("the leased limiter runs on Redis; the embedded default uses the memory limiter")
    client = Redis.from_url(backend.redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


async def _allowed(limiter: LeasedRateLimiter, limit: str, count: int, key: str = "user:1") -> int:
    return sum([(await limiter.hit(limit, "api", key)).allowed for _ in range(count)])


async def test_a_small_limit_is_exact(redis: Redis) -> None:
    limiter = LeasedRateLimiter(redis, clock=Clock())
    assert await _allowed(limiter, "7/minute", 7) == 7
    denied = await limiter.hit("7/minute", "api", "user:1")
    assert not denied.allowed
    assert 1 <= denied.retry_after <= 60
    assert await _allowed(limiter, "7/minute", 3, key="user:2") == 3  # keys are separate


async def test_processes_together_never_exceed_the_limit(redis: Redis) -> None:
    clock = Clock()
    workers = [LeasedRateLimiter(redis, clock=clock) for _ in range(3)]
    admitted = 0
    for _ in range(150):
        for worker in workers:
            admitted += (await worker.hit("200/minute", "api", "ip:10.0.0.1")).allowed
    assert admitted <= 200
    assert admitted >= 200 - 3 * 10  # at most one unused lease (1/20 of the limit) per process


async def test_concurrent_requests_share_one_lease(redis: Redis) -> None:
    limiter = LeasedRateLimiter(redis, clock=Clock())
    verdicts = await asyncio.gather(*(limiter.hit("1000/minute", "api", "user:9") for _ in range(40)))
    assert all(v.allowed for v in verdicts)
    assert int(await redis.get("fllc:rl:1000/minute:api:user:9:1000020") or 0) == 50  # 1 lease + 1


async def test_the_previous_window_still_counts_as_it_slides_out(redis: Redis) -> None:
    clock = Clock(1_000_020.0)  # the start of a minute window (1_000_020 is a multiple of 60)
    limiter = LeasedRateLimiter(redis, clock=clock)
    assert await _allowed(limiter, "10/minute", 12) == 10
    clock.now += 60 + 6  # 10% into the next window: 90% of the previous one still weighs
    fresh = LeasedRateLimiter(redis, clock=clock)
    assert await _allowed(fresh, "10/minute", 10) == 1
    clock.now += 48  # 90% in: only 10% of the previous window remains
    assert await _allowed(LeasedRateLimiter(redis, clock=clock), "10/minute", 10) == 8


async def test_a_denial_is_answered_from_memory(redis: Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    limiter = LeasedRateLimiter(redis, clock=Clock())
    await _allowed(limiter, "2/minute", 3)
    calls = []
    original = redis.pipeline

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(redis, "pipeline", counting)
    assert await _allowed(limiter, "2/minute", 50) == 0
    assert calls == []
