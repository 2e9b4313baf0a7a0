"""RedisCache on a real Redis: commands issued together leave in one pipeline, yet each caller
gets exactly its own command's answer (or its own error). Needs Redis (the MariaDB + Redis run)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fllc_server.infra.cache import RedisCache
from redis.asyncio import Redis
from redis.exceptions import ResponseError


@pytest.fixture
async def redis(backend: Any) -> AsyncIterator[Redis]:
    if backend.redis_url is None:
        pytest.skip("RedisCache needs Redis; the embedded default uses MemoryCache")
    client = Redis.from_url(backend.redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


class CountingRedis(Redis):
    """The real client, counting round trips (single commands and pipelines)."""

    trips = 0

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        type(self).trips += 1
        return await super().execute_command(*args, **options)

    def pipeline(self, *args: Any, **kwargs: Any) -> Any:
        type(self).trips += 1
        return super().pipeline(*args, **kwargs)


async def test_a_burst_of_commands_is_one_round_trip_with_each_answer_its_own(redis: Redis, backend) -> None:
    counting = CountingRedis.from_url(backend.redis_url)
    cache = RedisCache(counting)
    await cache.set("k0", b"v0", 60)
    CountingRedis.trips = 0
    writes = [cache.set(f"k{n}", f"v{n}".encode(), 60) for n in range(1, 40)]
    await asyncio.gather(*writes)
    reads = await asyncio.gather(
        *(cache.get(f"k{n}") for n in range(40)),
        cache.get("absent"),
        cache.get_many(["k1", "absent", "k2"]),
        cache.incr("counter"),
    )
    assert reads[:40] == [f"v{n}".encode() for n in range(40)]
    assert reads[40] is None
    assert reads[41] == [b"v1", None, b"v2"]
    assert reads[42] == 1
    assert CountingRedis.trips == 2  # the 39 writes together, then the 43 reads together
    await counting.aclose()


async def test_one_failing_command_fails_only_its_caller(redis: Redis) -> None:
    cache = RedisCache(redis)
    await cache.set("text", b"not a number", 60)
    results = await asyncio.gather(
        cache.incr("text"), cache.get("text"), cache.incr("n"), return_exceptions=True
    )
    assert isinstance(results[0], ResponseError)
    assert results[1:] == [b"not a number", 1]


async def test_a_write_is_seen_by_a_read_issued_after_it_returned(redis: Redis) -> None:
    cache = RedisCache(redis)
    for n in range(50):
        await cache.set("gen", str(n).encode(), 60)
        assert await cache.get("gen") == str(n).encode()


async def test_an_unreachable_redis_fails_every_command_of_the_batch() -> None:
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    cache = RedisCache(dead)
    results = await asyncio.gather(cache.get("a"), cache.set("b", b"1", 5), return_exceptions=True)
    assert all(isinstance(r, Exception) for r in results)
    await dead.aclose()
