"""Everything a running app holds, built by create_app() and connected in the lifespan."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.auth.cache import AuthCache
from fllc_server.auth.passwords import Passwords
from fllc_server.auth.revocation import Revocations
from fllc_server.auth.tokens import TokenService
from fllc_server.backup.store import BackupStore, local_folder
from fllc_server.config import Settings
from fllc_server.events.bus import EventBus
from fllc_server.infra.cache import Cache, FreshRead, LocalAnswers, MemoryCache, RedisCache
from fllc_server.infra.jobs import JobQueue, build_queue
from fllc_server.infra.outside import OutsideCalls
from fllc_server.infra.pubsub import MemoryPubSub, PubSub, RedisPubSub
from fllc_server.infra.ratelimit import ApiLimiter, LeasedRateLimiter, RateLimiter, build_storage
from fllc_server.infra.storage import ObjectStorage
from fllc_server.infra.storage import build_storage as build_object_storage
from fllc_server.integrations.inbox.service import InboxHandlers
from fllc_server.integrations.providers.base import Providers
from fllc_server.jobs.kinds import JobKinds
from fllc_server.jobs.runtime import build_kinds
from fllc_server.kit.changes import CATALOG_GENERATION_KEY, renew_catalog_generation
from fllc_server.kit.db import Database
from fllc_server.kit.shutdown import Drain
from fllc_server.kit.uow import CommitTargets
from fllc_server.observability.logging import AccessLog
from fllc_server.observability.metrics import BackupAge, ListedBackupAge, Metrics
from fllc_server.sales.backorders import stock_freed
from fllc_server.settings.service import LiveSettings
from fllc_server.sync.kinds import CommandKinds
from fllc_server.sync.shapes import EntityShapes

if TYPE_CHECKING:
    from fllc_server.catalog.index import CatalogIndex

StockArrived = Callable[[AsyncSession, list[int]], Awaitable[None]]


@dataclass
class RuntimeSettings:
    """Values from the settings table that the request path reads on every request."""

    rate_limit: str
    refresh_token_days: int
    over_receipt_tolerance_percent: float = 0.0
    default_location_id: int | None = None
    refuse_expired_goods: bool = False
    allow_backorders: bool = False
    mfa_required_roles: frozenset[str] = frozenset({"admin"})
    loaded: bool = False  # the stored settings were read (not only the configured values): /readyz


@dataclass
class AppState:
    settings: Settings
    db: Database
    cache: Cache
    pubsub: PubSub
    limiter: RateLimiter
    tokens: TokenService
    passwords: Passwords
    metrics: Metrics
    access_log: AccessLog  # the request lines (observability.middleware's RequestGate writes them)
    events: EventBus
    runtime: RuntimeSettings
    live_settings: LiveSettings  # where committed settings take effect: runtime, token lifetime
    auth: AuthCache
    revocations: Revocations  # the access tokens and sessions that ended before they expire
    api_limiter: ApiLimiter  # the global per-caller limit of the request path
    catalog_generation: FreshRead  # the generation cached catalog answers must belong to
    answers: LocalAnswers  # this process's copy of cached answers (catalog.cache)
    storage: ObjectStorage  # files the server makes: reports, backups
    job_queue: JobQueue  # where job ids go after commit (infra.jobs: taskiq on Redis, or in-process)
    job_kinds: JobKinds  # the job kinds this server runs (jobs.runtime.build_kinds)
    # What this app's commands and sync pull know (built by create_app; empty for a worker or CLI).
    command_kinds: CommandKinds = field(default_factory=CommandKinds)
    shapes: EntityShapes = field(default_factory=EntityShapes)
    # The integrations' vendors and inbox handlers (integrations.registries; empty for the CLI).
    providers: Providers = field(default_factory=Providers)
    inbox_handlers: InboxHandlers = field(default_factory=InboxHandlers)
    redis: Redis | None = None
    search_index: CatalogIndex | None = None  # product searches from memory (catalog.index), per process
    # Timeouts and circuit breakers for every call to a partner (SMTP, SFTP, POS, printers).
    outside: OutsideCalls = field(default_factory=OutsideCalls)
    drain: Drain = field(default_factory=lambda: Drain(0.0))  # SIGTERM: not ready, then stop
    tracer_provider: Any = None  # OpenTelemetry's TracerProvider while tracing (observability.tracing)
    # Called by the stock ledger, in the booking's transaction, with the products whose quantity on
    # hand rose (stock.booking): the back-orders waiting for them get allocated (sales.backorders).
    stock_arrived: StockArrived | None = None

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        command_kinds: CommandKinds | None = None,
        shapes: EntityShapes | None = None,
        providers: Providers | None = None,
        inbox_handlers: InboxHandlers | None = None,
    ) -> AppState:
        redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        cache: Cache = RedisCache(redis) if redis else MemoryCache()
        pubsub: PubSub = RedisPubSub(redis) if redis else MemoryPubSub()
        tokens = TokenService(
            settings.effective_secret_key,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            access_minutes=settings.access_token_minutes,
        )
        limiter = RateLimiter(build_storage(redis))
        auth = AuthCache(pubsub)
        metrics = Metrics()
        events = EventBus(pubsub)
        runtime = RuntimeSettings(
            rate_limit=settings.rate_limit, refresh_token_days=settings.refresh_token_days
        )
        outside = OutsideCalls()  # the partners' timeouts and breakers: POS APIs, a bucket, ...
        storage = build_object_storage(
            settings.storage_url,
            settings.data_dir,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            outside=outside,
        )
        backups = local_folder(settings)
        if backups is not None:  # a folder: read at every scrape
            metrics.registry.register(BackupAge(backups))
        else:  # a bucket: listed in the background, at most once a minute
            backup_age = ListedBackupAge(BackupStore.for_settings(settings, storage).latest_taken_at)
            metrics.registry.register(backup_age)
            metrics.refreshers.append(backup_age.refresh)

        async def bump_catalog() -> None:
            await renew_catalog_generation(cache)

        targets = CommitTargets(publish=events.publish, bump_catalog=bump_catalog)
        state = cls(
            settings=settings,
            db=Database(settings.effective_database_url, settings.database_replica_url, targets=targets),
            cache=cache,
            pubsub=pubsub,
            limiter=limiter,
            tokens=tokens,
            passwords=Passwords(settings.password_hash_concurrency),
            metrics=metrics,
            access_log=AccessLog(
                settings.log_level, json_output=settings.log_json, trace_ids=bool(settings.otlp_endpoint)
            ),
            events=events,
            runtime=runtime,
            live_settings=LiveSettings(runtime, tokens, auth),
            auth=auth,
            revocations=Revocations(cache, auth),
            api_limiter=LeasedRateLimiter(redis) if redis else limiter,
            catalog_generation=FreshRead(cache, CATALOG_GENERATION_KEY),
            answers=LocalAnswers(),
            storage=storage,
            job_queue=build_queue(settings.redis_url, redelivery_seconds=settings.jobs_lease_seconds),
            job_kinds=build_kinds(settings),
            command_kinds=command_kinds or CommandKinds(),
            shapes=shapes or EntityShapes(),
            providers=providers or Providers(),
            inbox_handlers=inbox_handlers or InboxHandlers(),
            redis=redis,
            outside=outside,
            drain=Drain(settings.effective_drain_seconds),
        )

        async def stock_arrived(session: AsyncSession, product_ids: list[int]) -> None:
            await stock_freed(session, state, product_ids)

        state.stock_arrived = stock_arrived
        return state

    async def close(self) -> None:
        await self.auth.stop()
        await self.pubsub.close()
        await self.cache.close()
        await self.db.dispose()
        if self.redis is not None:
            await self.redis.aclose()
