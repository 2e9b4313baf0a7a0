"""A byte cache with TTLs and counters: Redis in production, a bounded dict when embedded."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from redis.asyncio import Redis


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...
    async def get_many(self, keys: list[str]) -> list[bytes | None]: ...
    async def set(self, key: str, value: bytes, ttl: int) -> None: ...
    async def delete(self, *keys: str) -> None: ...
    async def incr(self, key: str) -> int: ...
    async def ping(self) -> None: ...
    async def close(self) -> None: ...


class MemoryCache:
    """In-process stand-in for Redis: LRU-bounded, with per-key expiry."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max = max_entries

    async def get(self, key: str) -> bytes | None:
        item = self._items.get(key)
        if item is None:
            return None
        expires, value = item
        if expires < time.monotonic():
            self._items.pop(key, None)
            return None
        self._items.move_to_end(key)
        return value

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        return [await self.get(key) for key in keys]

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        self._items[key] = (time.monotonic() + ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._items.pop(key, None)

    async def incr(self, key: str) -> int:
        current = await self.get(key)
        value = int(current or b"0") + 1
        self._items[key] = (float("inf"), str(value).encode())
        return value

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._items.clear()


class RedisCache:
    """The cache on Redis. Commands issued in the same turn of the event loop leave together in one
    pipeline (one round trip, one parse): under load many requests look up and store answers at
    once, and each command on its own costs the client more than the work it asks of Redis
    (measured: a cache GET and SET were a fifth of the CPU of an uncached search). A command is
    still sent after it was issued and still awaited until Redis answered it, so each caller sees
    exactly what a command of its own would have shown."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._batch: list[tuple[tuple[Any, ...], asyncio.Future[Any]]] | None = None
        self._sending: set[asyncio.Task[None]] = set()

    async def _call(self, *command: Any) -> Any:
        loop = asyncio.get_running_loop()
        if self._batch is None:
            self._batch = []
            loop.call_soon(self._send)
        future: asyncio.Future[Any] = loop.create_future()
        self._batch.append((command, future))
        return await future

    def _send(self) -> None:
        batch, self._batch = self._batch, None
        if not batch:  # sent already (by close)
            return
        task = asyncio.ensure_future(self._execute(batch))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _execute(self, batch: list[tuple[tuple[Any, ...], asyncio.Future[Any]]]) -> None:
        try:
            if len(batch) == 1:
                results: list[Any] = [await self._redis.execute_command(*batch[0][0])]  # type: ignore[no-untyped-call]
            else:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for command, _ in batch:
                        pipe.execute_command(*command)
                    results = await pipe.execute(raise_on_error=False)
        except Exception as exc:  # the connection failed: every command of the batch did
            results = [exc] * len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # its caller went away
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    @staticmethod
    def _bytes(value: Any) -> bytes | None:
        return value if value is None or isinstance(value, bytes) else str(value).encode()

    async def get(self, key: str) -> bytes | None:
        return self._bytes(await self._call("GET", key))

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        if not keys:
            return []
        return [self._bytes(v) for v in await self._call("MGET", *keys)]

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        await self._call("SET", key, value, "EX", ttl)

    async def delete(self, *keys: str) -> None:
        if keys:
            await self._call("DEL", *keys)

    async def incr(self, key: str) -> int:
        return int(await self._call("INCR", key))

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        """Let the batches on their way finish before the connection goes: a pipeline cut off by
        the shutdown would be left open (and its caller unanswered)."""
        if self._batch is not None:
            self._send()
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)


class FreshRead:
    """Reads of one key that concurrent callers share, each still seeing a value read after it asked.

    A caller joins the read that has not been sent yet (never one already on its way), so whatever
    was written before the caller asked is in its answer — the guarantee of a read of its own — while
    a burst of callers costs one round trip. At most one read is in flight; the next one leaves when
    it returns, carrying everyone who asked meanwhile.
    """

    def __init__(self, cache: Cache, key: str) -> None:
        self._cache = cache
        self._key = key
        self._waiting: asyncio.Future[bytes | None] | None = None  # the read not sent yet
        self._reader: asyncio.Task[None] | None = None

    async def get(self) -> bytes | None:
        if self._waiting is None:
            self._waiting = asyncio.get_running_loop().create_future()
            if self._reader is None or self._reader.done():
                self._reader = asyncio.ensure_future(self._read())
        # shield: one caller giving up (a client that went away) must not cancel the others' read
        return await asyncio.shield(self._waiting)

    async def _read(self) -> None:
        while self._waiting is not None:
            # Everyone who joined so far asked before this line: the read below is fresh for them all.
            waiting, self._waiting = self._waiting, None
            try:
                value = await self._cache.get(self._key)
            except Exception as exc:  # handed to every caller of this read
                if not waiting.done():
                    waiting.set_exception(exc)
                    waiting.exception()  # retrieved here: callers may all have gone away
            else:
                if not waiting.done():
                    waiting.set_result(value)


class LocalAnswers:
    """A process-local LRU of answers (bytes) bounded by their total size, and the answers being
    worked out right now (`once`)."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._items: OrderedDict[str, tuple[bytes, bytes]] = OrderedDict()  # key → (version, answer)
        self._max_bytes = max_bytes
        self._bytes = 0
        self._working: dict[tuple[str, bytes], asyncio.Future[bytes]] = {}

    async def once(
        self, key: str, version: bytes, compute: Callable[[], Awaitable[bytes]]
    ) -> tuple[bytes, bool]:
        """(the answer `compute()` gives, whether this call computed it): callers asking for the same
        key and version while one of them computes it wait for that answer instead of computing it
        again (a burst of refreshes after a write costs one computation per process). Each caller
        read `version` before asking, so the answer is as fresh as one of its own. A failure reaches
        everyone who waited; a computing caller that is cancelled hands the work to the next one."""
        while (working := self._working.get((key, version))) is not None:
            try:
                return await asyncio.shield(working), False
            except asyncio.CancelledError:
                if not working.cancelled():  # this caller was cancelled, not the one computing
                    raise
        working = asyncio.get_running_loop().create_future()
        self._working[(key, version)] = working
        try:
            answer = await compute()
        except asyncio.CancelledError:
            working.cancel()
            raise
        except BaseException as exc:
            working.set_exception(exc)
            working.exception()  # retrieved here: nobody may be waiting
            raise
        else:
            working.set_result(answer)
            return answer, True
        finally:
            del self._working[(key, version)]

    def get(self, key: str, version: bytes) -> bytes | None:
        """The answer stored under `key` for exactly this `version`, else None."""
        item = self._items.get(key)
        if item is None or item[0] != version:
            return None
        self._items.move_to_end(key)
        return item[1]

    def put(self, key: str, version: bytes, answer: bytes) -> None:
        if len(answer) > self._max_bytes // 16:  # a huge answer would push out many small ones
            return
        old = self._items.pop(key, None)
        if old is not None:
            self._bytes -= len(old[1])
        self._items[key] = (version, answer)
        self._bytes += len(answer)
        while self._bytes > self._max_bytes:
            _, (_, dropped) = self._items.popitem(last=False)
            self._bytes -= len(dropped)

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0
