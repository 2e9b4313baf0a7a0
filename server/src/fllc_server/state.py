"""Everything a running app holds, built by create_app() and connected in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from redis.asyncio import Redis

from fllc_server.auth.cache import AuthCache
from fllc_server.auth.passwords import Passwords
from fllc_server.auth.tokens import TokenService
from fllc_server.config import Settings
from fllc_server.events.bus import EventBus
from fllc_server.infra.cache import Cache, FreshRead, LocalAnswers, MemoryCache, RedisCache
from fllc_server.infra.pubsub import MemoryPubSub, PubSub, RedisPubSub
from fllc_server.infra.ratelimit import ApiLimiter, LeasedRateLimiter, RateLimiter, build_storage
from fllc_server.kit.changes import CATALOG_GENERATION_KEY
from fllc_server.kit.db import Database
from fllc_server.observability.metrics import Metrics

if TYPE_CHECKING:
    from fllc_server.catalog.index import CatalogIndex


@dataclass
class RuntimeSettings:
    """Values from the settings table that the request path reads on every request."""

    rate_limit: str
    refresh_token_days: int
    over_receipt_tolerance_percent: float = 0.0
    default_location_id: int | None = None


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
    events: EventBus
    runtime: RuntimeSettings
    auth: AuthCache
    api_limiter: ApiLimiter  # the global per-caller limit of the request path
    catalog_generation: FreshRead  # the generation cached catalog answers must belong to
    answers: LocalAnswers  # this process's copy of cached answers (catalog.cache)
    redis: Redis | None = None
    search_index: CatalogIndex | None = None  # product searches from memory (catalog.index), per process
    extras: dict[str, object] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings) -> AppState:
        redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        cache: Cache = RedisCache(redis) if redis else MemoryCache()
        pubsub: PubSub = RedisPubSub(redis) if redis else MemoryPubSub()
        tokens = TokenService(
            settings.effective_secret_key,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            access_minutes=settings.access_token_minutes,
        )
        limiter = RateLimiter(build_storage(settings.redis_url))
        return cls(
            settings=settings,
            db=Database(settings.effective_database_url, settings.database_replica_url),
            cache=cache,
            pubsub=pubsub,
            limiter=limiter,
            tokens=tokens,
            passwords=Passwords(settings.password_hash_concurrency),
            metrics=Metrics(),
            events=EventBus(pubsub),
            runtime=RuntimeSettings(
                rate_limit=settings.rate_limit, refresh_token_days=settings.refresh_token_days
            ),
            auth=AuthCache(pubsub),
            api_limiter=LeasedRateLimiter(redis) if redis else limiter,
            catalog_generation=FreshRead(cache, CATALOG_GENERATION_KEY),
            answers=LocalAnswers(),
            redis=redis,
        )

    async def close(self) -> None:
        await self.auth.stop()
        await self.pubsub.close()
        await self.cache.close()
        await self.db.dispose()
        if self.redis is not None:
            await self.redis.aclose()
