"""The Redis job queue's stop: it closes its connections only once nothing uses them any more. A send
on its way is finished first, and a send after the stop began reaches no Redis at all (the job's row
is queued; the scheduler sends it), so no connection is opened after the queue closed its pool; such
a connection was never closed and failed a later test when the collector found it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fllc_server.config import Settings
from fllc_server.infra.jobs import STREAM, build_queue
from redis.asyncio import Redis


async def _nothing(job_id: int) -> None:
    return None


async def test_a_stopping_queue_finishes_the_send_on_its_way_and_sends_nothing_after(
    backend: Any, settings: Settings
) -> None:
    if backend.redis_url is None:
        pytest.skip("the Redis queue; the embedded default runs jobs in its own process")
    queue = build_queue(backend.redis_url, redelivery_seconds=30)
    queue.register(_nothing)
    await queue.start()
    on_its_way = asyncio.create_task(queue.send(1))
    await asyncio.sleep(0)  # the send has started
    await queue.stop()
    assert on_its_way.done()
    assert on_its_way.exception() is None
    await queue.send(2)  # after the stop: nothing sent, no connection opened
    await queue.send_many([3, 4])
    redis = Redis.from_url(backend.redis_url)
    try:
        database = redis.connection_pool.connection_kwargs.get("db", 0)
        assert await redis.xlen(f"{STREAM}:db{database}") == 1
    finally:
        await redis.aclose()
