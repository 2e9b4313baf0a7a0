"""FreshRead: concurrent readers of one key share round trips, yet each sees a value read after it
asked. The cache under test is the real in-process one (MemoryCache), wrapped to count reads and to
hold a read open — the one place where a stand-in is needed: to freeze a read mid-flight."""

from __future__ import annotations

import asyncio

import pytest
from fllc_server.infra.cache import FreshRead, LocalAnswers, MemoryCache


class HeldCache(MemoryCache):
    """MemoryCache whose reads can be held open by clearing `open_`."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.open_ = asyncio.Event()
        self.open_.set()
        self.fail: Exception | None = None

    async def get(self, key: str) -> bytes | None:
        self.reads += 1
        await self.open_.wait()
        if self.fail is not None:
            raise self.fail
        return await super().get(key)


async def test_a_burst_of_readers_costs_one_read() -> None:
    cache = HeldCache()
    await cache.set("k", b"1", 60)
    fresh = FreshRead(cache, "k")
    values = await asyncio.gather(*(fresh.get() for _ in range(50)))
    assert values == [b"1"] * 50
    assert cache.reads == 1


async def test_a_reader_arriving_during_a_read_gets_the_next_one() -> None:
    cache = HeldCache()
    await cache.set("k", b"old", 60)
    fresh = FreshRead(cache, "k")
    cache.open_.clear()
    early = asyncio.ensure_future(fresh.get())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert cache.reads == 1  # the read is on its way, held open
    await cache.set("k", b"new", 60)  # a write that completes before the late reader asks
    late = [asyncio.ensure_future(fresh.get()) for _ in range(5)]
    await asyncio.sleep(0)
    cache.open_.set()
    assert await early in (b"old", b"new")
    assert await asyncio.gather(*late) == [b"new"] * 5  # never the read that left before they asked
    assert cache.reads == 2  # the five shared one


async def test_a_failed_read_fails_its_readers_and_the_next_read_is_fresh() -> None:
    cache = HeldCache()
    await cache.set("k", b"1", 60)
    fresh = FreshRead(cache, "k")
    cache.fail = ConnectionError("cache down")
    results = await asyncio.gather(*(fresh.get() for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    cache.fail = None
    assert await fresh.get() == b"1"


async def test_a_reader_giving_up_does_not_cancel_the_others() -> None:
    cache = HeldCache()
    await cache.set("k", b"1", 60)
    fresh = FreshRead(cache, "k")
    cache.open_.clear()
    leaving = asyncio.ensure_future(fresh.get())
    staying = asyncio.ensure_future(fresh.get())
    await asyncio.sleep(0)
    leaving.cancel()
    cache.open_.set()
    assert await staying == b"1"
    with pytest.raises(asyncio.CancelledError):
        await leaving


def test_local_answers_serve_only_their_version_and_stay_within_budget() -> None:
    answers = LocalAnswers(max_bytes=1600)
    answers.put("a", b"g1", b"x" * 100)
    assert answers.get("a", b"g1") == b"x" * 100
    assert answers.get("a", b"g2") is None
    for n in range(20):
        answers.put(f"k{n}", b"g1", b"y" * 100)
    assert answers.get("a", b"g1") is None  # the oldest went first
    assert answers.get("k19", b"g1") == b"y" * 100
    answers.put("huge", b"g1", b"z" * 1000)  # over a sixteenth of the budget: not kept
    assert answers.get("huge", b"g1") is None


async def test_concurrent_askers_of_one_version_share_one_computation() -> None:
    answers = LocalAnswers()
    release = asyncio.Event()
    runs = 0

    async def compute() -> bytes:
        nonlocal runs
        runs += 1
        await release.wait()
        return b"answer"

    askers = [asyncio.ensure_future(answers.once("k", b"g1", compute)) for _ in range(5)]
    other = asyncio.ensure_future(answers.once("k", b"g2", compute))  # another version: its own
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*askers, other)
    assert runs == 2
    assert [r[0] for r in results] == [b"answer"] * 6
    assert [r[1] for r in results] == [True, False, False, False, False, True]
    assert (await answers.once("k", b"g1", compute))[1] is True  # done: the next asker computes


async def test_a_cancelled_computation_hands_over_and_a_failure_reaches_every_waiter() -> None:
    answers = LocalAnswers()
    started = asyncio.Event()
    calls = 0

    async def slow() -> bytes:
        nonlocal calls
        calls += 1
        if calls == 1:
            started.set()
            await asyncio.sleep(3600)
        return b"second"

    first = asyncio.ensure_future(answers.once("k", b"g", slow))
    await started.wait()
    waiter = asyncio.ensure_future(answers.once("k", b"g", slow))
    await asyncio.sleep(0)
    first.cancel()
    assert await waiter == (b"second", True)  # the waiter computed it itself
    with pytest.raises(asyncio.CancelledError):
        await first

    async def broken() -> bytes:
        await asyncio.sleep(0)
        raise RuntimeError("database down")

    both = [asyncio.ensure_future(answers.once("x", b"g", broken)) for _ in range(2)]
    results = await asyncio.gather(*both, return_exceptions=True)
    assert [str(r) for r in results] == ["database down", "database down"]
