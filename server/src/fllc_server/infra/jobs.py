"""The job queue and the scheduler's lease: taskiq on Redis, or in-process on the embedded default.

Only a job's id travels through the queue; its row in `jobs` is the source of truth (status,
lease, result). With `FLLC_REDIS_URL` set, ids go on a Redis stream (taskiq-redis
`RedisStreamBroker`: consumer groups, so each message reaches one worker, acknowledged only once
the job has run); `fllc-server worker` processes consume it. Embedded, taskiq's `InMemoryBroker`
runs each job as a task of the process that sent it. Nothing outside `infra/` names a broker.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.asyncio.connection import parse_url
from redis.exceptions import RedisError
from taskiq import AckableMessage, AsyncBroker, InMemoryBroker
from taskiq.acks import AcknowledgeType
from taskiq.api import run_receiver_task
from taskiq.kicker import AsyncKicker
from taskiq_redis import RedisStreamBroker

TASK_NAME = "fllc.run_job"
STREAM = "fllc:jobs"
STOP_PATIENCE = 1.0  # seconds a stopping queue waits for its receiver, then again for running jobs

RunJob = Callable[[int], Awaitable[None]]


log = logging.getLogger("fllc.jobs")


class StreamBroker(RedisStreamBroker):
    """taskiq-redis's stream broker, made to start without Redis: the consumer group is declared
    when this process starts consuming (a server that only sends ids starts, and reports not ready,
    while Redis is away), and a lost connection is retried after a pause rather than at once."""

    retry_seconds = 1.0

    async def startup(self) -> None:
        await AsyncBroker.startup(self)

    async def declare(self) -> None:
        await self._declare_consumer_group()

    async def kick_many(self, messages: Sequence[bytes | str]) -> None:
        """What `kick` does for each message (taskiq-redis 1.x), in one pipeline."""
        async with (
            Redis(connection_pool=self.connection_pool) as redis,
            redis.pipeline(transaction=False) as pipe,
        ):
            for message in messages:
                pipe.xadd(
                    self.queue_name, {b"data": message}, maxlen=self.maxlen, approximate=self.approximate
                )
            await pipe.execute()

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        try:
            async for message in self._messages():
                yield message
        except (RedisError, OSError):
            await asyncio.sleep(self.retry_seconds)  # taskiq's receiver restarts listening at once
            raise

    async def _messages(self) -> AsyncGenerator[AckableMessage, None]:
        """taskiq-redis 1.2's `listen` (new messages; after each batch, those of dead consumers
        claimed), with the claiming pipeline closed however its block ends: cancelled inside it (a
        stopping worker), taskiq-redis's left the pipeline holding a connection nobody closed."""
        async with Redis(connection_pool=self.connection_pool) as redis:
            while True:
                fetched: Any = await redis.xreadgroup(
                    self.consumer_group_name,
                    self.consumer_name,
                    {self.queue_name: ">", **self.additional_streams},  # type: ignore[dict-item]
                    block=self.block,
                    noack=False,
                    count=self.count,
                )
                if not fetched:
                    continue
                for stream, messages in fetched:
                    for message_id, message in messages:
                        yield self._message(stream, message_id, message)
                for stream in [self.queue_name, *self.additional_streams.keys()]:
                    async with redis.pipeline() as pipe:
                        lock = pipe.lock(
                            f"autoclaim:{self.consumer_group_name}:{stream}",
                            timeout=self.unacknowledged_lock_timeout,
                        )
                        await lock.acquire()
                        await pipe.xautoclaim(
                            name=stream,
                            groupname=self.consumer_group_name,
                            consumername=self.consumer_name,
                            min_idle_time=self.idle_timeout,
                            count=self.unacknowledged_batch_size,
                        )
                        await lock.release()
                        results = await pipe.execute()
                    for message_id, message in results[1][1]:
                        yield self._message(stream, message_id, message)

    def _message(self, stream: Any, message_id: Any, message: Any) -> AckableMessage:
        ack = self._ack_generator(id=message_id, queue_name=stream)
        return AckableMessage(data=message[b"data"], ack=ack)


class JobQueue:
    """Sends job ids to whoever consumes them; `consume()` makes this process one of them."""

    def __init__(self, broker: AsyncBroker, *, in_process: bool) -> None:
        self._broker = broker
        self.in_process = in_process  # embedded: every job runs in the process that sent it
        self._receiver: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[object]] = set()  # tasks inside a job's run
        # Everything that may still use the broker's connections: the tasks of received jobs until
        # their acknowledgement is sent (after the run), and sends on their way. `stop()` waits for
        # them before it closes the broker: one of them going on after that would open a connection
        # that nobody closes (found by tracing the redis Connections collected still open).
        self._settling: set[asyncio.Future[Any]] = set()
        self._stopping = False
        self._started = False

    def register(self, run_job: RunJob) -> None:
        running, settling = self._running, self._settling

        async def run(job_id: int) -> None:
            task = asyncio.current_task()
            if task is not None:
                running.add(task)
                settling.add(task)  # the broker acknowledges the message in this task after the run
                task.add_done_callback(settling.discard)
            try:
                await run_job(job_id)
            finally:
                if task is not None:
                    running.discard(task)

        self._broker.register_task(run, task_name=TASK_NAME)

    async def start(self) -> None:
        """Ready to send; needs no connection (Redis may come later)."""
        if not self._started:
            await self._broker.startup()
            self._started = True
        self._stopping = False

    async def send(self, job_id: int) -> None:
        """Queue the job's id (a process that only sends needs no runner of its own on Redis).
        A queue that is stopping sends nothing: the job's row is queued, and the scheduler sends it."""
        if self._stopping:
            log.debug("job %s: not sent, the queue is stopping; the scheduler sends it", job_id)
            return
        kicker: AsyncKicker[Any, Any] = AsyncKicker(TASK_NAME, self._broker, {})
        await self._settled(kicker.kiq(job_id))

    async def _settled(self, sending: Awaitable[Any]) -> None:
        """Await a send, known to `stop()` until it is done."""
        task = asyncio.ensure_future(sending)
        self._settling.add(task)
        task.add_done_callback(self._settling.discard)
        await task

    async def send_many(self, job_ids: Sequence[int]) -> None:
        """Queue these ids; on Redis in one round trip (a pipeline of XADDs)."""
        broker = self._broker
        if not isinstance(broker, StreamBroker) or broker.middlewares:
            for job_id in job_ids:
                await self.send(job_id)
            return
        if self._stopping:
            log.debug("jobs %s: not sent, the queue is stopping; the scheduler sends them", list(job_ids))
            return
        kicker: AsyncKicker[Any, Any] = AsyncKicker(TASK_NAME, broker, {})
        await self._settled(
            broker.kick_many(
                [broker.formatter.dumps(kicker._prepare_message(job_id)).message for job_id in job_ids]
            )
        )

    def consume(self, concurrency: int = 1) -> None:
        """Run jobs from the queue in this process (a worker) until `stop()`."""
        if self.in_process or self._receiver is not None:
            return  # the in-process broker runs what it is sent
        self._receiver = asyncio.create_task(self._consume(concurrency))

    async def _consume(self, concurrency: int) -> None:
        broker = self._broker
        pause = 1.0
        while isinstance(broker, StreamBroker):
            try:
                await broker.declare()
                break
            except (RedisError, OSError) as exc:
                log.warning("job queue unreachable (%s); trying again in %.0f s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
        await run_receiver_task(
            broker, max_async_tasks=concurrency, max_prefetch=0, ack_time=AcknowledgeType.WHEN_EXECUTED
        )

    async def stop(self) -> None:
        """Stop consuming and cancel the jobs still running here: each keeps its lease until it
        lapses, and then runs again (elsewhere, or here after a restart). The broker is closed
        once nothing else uses it: acknowledgements and sends still on their way are waited for."""
        self._stopping = True
        if self._receiver is not None:
            self._receiver.cancel()
            await asyncio.wait({self._receiver}, timeout=STOP_PATIENCE)
            self._receiver = None
        running = list(self._running)
        for task in running:
            task.cancel()
        if settling := {*running, *self._settling}:
            await asyncio.wait(settling, timeout=STOP_PATIENCE)
        if self._started:
            await self._broker.shutdown()
            self._started = False


def build_queue(redis_url: str | None, *, redelivery_seconds: float) -> JobQueue:
    if redis_url is None:
        return JobQueue(InMemoryBroker(max_async_tasks=4), in_process=True)
    database = parse_url(redis_url).get("db", 0)
    broker = StreamBroker(
        redis_url,
        queue_name=f"{STREAM}:db{database}",
        consumer_group_name="fllc-workers",
        consumer_id="0",  # a group created after jobs were sent still reads them
        xread_block=1000,
        xread_count=1,  # a worker takes one id at a time; the others stay for idle workers
        maxlen=100_000,
        idle_timeout=int(redelivery_seconds * 1000),  # unacknowledged: claimed by another worker
        unacknowledged_lock_timeout=5.0,
    )
    return JobQueue(broker, in_process=False)


class Lease(Protocol):
    async def hold(self, owner: str, seconds: float) -> bool:
        """Take or renew the lease for `owner`; False while someone else holds it."""
        ...

    async def release(self, owner: str) -> None: ...


_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2]) return 1
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class RedisLease:
    """A lease in one Redis key (SET NX PX, renewed only by its holder): one holder across processes."""

    def __init__(self, redis: Redis, key: str) -> None:
        self._redis = redis
        self._key = key

    async def hold(self, owner: str, seconds: float) -> bool:
        held = await self._redis.eval(_RENEW, 1, self._key, owner, str(int(seconds * 1000)))
        return bool(held)

    async def release(self, owner: str) -> None:
        await self._redis.eval(_RELEASE, 1, self._key, owner)

    async def holder(self) -> str | None:
        value = await self._redis.get(self._key)
        return value.decode() if isinstance(value, bytes) else None


class MemoryLease:
    """The embedded default's lease: one process, so only its own holders compete."""

    def __init__(self) -> None:
        self._owner: str | None = None
        self._until = 0.0

    async def hold(self, owner: str, seconds: float) -> bool:
        now = time.monotonic()
        if self._owner not in (None, owner) and self._until > now:
            return False
        self._owner, self._until = owner, now + seconds
        return True

    async def release(self, owner: str) -> None:
        if self._owner == owner:
            self._owner = None
