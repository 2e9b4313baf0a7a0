"""Read the settings as one typed object; write a validated subset, audited."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.kit.uow import unit_of_work
from fllc_server.observability.logging import get_logger
from fllc_server.settings.repository import SettingsRepository
from fllc_server.settings.schemas import SettingsUpdate, SystemSettings

if TYPE_CHECKING:
    from fllc_server.auth.cache import AuthCache
    from fllc_server.auth.tokens import TokenService
    from fllc_server.config import Settings
    from fllc_server.kit.db import Database
    from fllc_server.state import RuntimeSettings

log = get_logger("fllc.settings")
LOAD_TIMEOUT = 5.0
SETTINGS_MESSAGE = "settings"  # on the auth cache's channel: another process changed the settings


class LiveSettings:
    """Where committed settings take effect in this process: the values the request path reads
    on every request (`RuntimeSettings`) and the access tokens' lifetime. Other server processes
    hear of a change on the auth cache's channel and reload (`follow_other_processes`)."""

    def __init__(self, runtime: RuntimeSettings, tokens: TokenService, auth: AuthCache) -> None:
        self.runtime = runtime
        self.tokens = tokens
        self.auth = auth

    def apply(self, settings: SystemSettings) -> None:
        """Values the request path reads on every request, refreshed after a committed change."""
        runtime = self.runtime
        runtime.rate_limit = settings.rate_limit
        runtime.over_receipt_tolerance_percent = float(settings.over_receipt_tolerance_percent)
        runtime.refresh_token_days = settings.refresh_token_days
        runtime.default_location_id = settings.default_location_id
        runtime.refuse_expired_goods = settings.refuse_expired_goods
        runtime.allow_backorders = settings.allow_backorders
        runtime.mfa_required_roles = frozenset(role.value for role in settings.mfa_required_roles)
        self.tokens.access_seconds = settings.access_token_minutes * 60

    async def announce(self) -> None:
        """Tell the other processes that the stored settings changed."""
        await self.auth.announce({SETTINGS_MESSAGE: True})


def follow_other_processes(live: LiveSettings, reload: Callable[[], Coroutine[Any, Any, object]]) -> None:
    """Reload the runtime settings (`reload`) whenever another server process changed them (or when
    the channel lost messages): the rate limit, token lifetimes, the default location and the
    receipt tolerance are the same in every process moments after a change."""
    reloads: set[asyncio.Task[object]] = set()

    def on_message(_message: dict[str, object]) -> None:
        task = asyncio.get_running_loop().create_task(reload())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    live.auth.on(SETTINGS_MESSAGE, on_message)


async def current_settings(session: AsyncSession, config: Settings) -> SystemSettings:
    """The stored settings over the configured defaults, as one typed object."""
    stored = await SettingsRepository(session).all()
    known = {k: v for k, v in stored.items() if k in SystemSettings.model_fields}
    defaults = {
        "rate_limit": config.rate_limit,
        "access_token_minutes": config.access_token_minutes,
        "refresh_token_days": config.refresh_token_days,
    }
    return SystemSettings.model_validate({**defaults, **known})


class SettingsService:
    def __init__(self, session: AsyncSession, config: Settings, live: LiveSettings) -> None:
        self.session = session
        self.config = config
        self.live = live
        self.repo = SettingsRepository(session)

    async def current(self) -> SystemSettings:
        return await current_settings(self.session, self.config)

    async def update(self, data: SettingsUpdate, actor_id: int) -> SystemSettings:
        before = await self.current()
        changes = jsonable_encoder(data.model_dump(exclude_unset=True))
        for key, value in changes.items():
            await self.repo.put(key, value, actor_id)
        after = await self.current()
        await audit.record(
            self.session,
            actor_id=actor_id,
            action="settings.update",
            entity_type="settings",
            entity_id=None,
            before={k: v for k, v in before.model_dump(mode="json").items() if k in changes},
            after={k: v for k, v in after.model_dump(mode="json").items() if k in changes},
        )

        live = self.live

        async def apply() -> None:
            live.apply(after)  # here at once; the other processes reload on the message
            await live.announce()

        unit_of_work(self.session).after_commit(apply)
        return after


async def load_runtime(db: Database, config: Settings, live: LiveSettings) -> bool:
    """Read the stored settings into the runtime; when the database is unreachable (at start),
    keep the configured values, log it, and say so: /readyz retries until it succeeds."""
    try:
        async with asyncio.timeout(LOAD_TIMEOUT), db.transaction() as session:
            live.apply(await current_settings(session, config))
    except (OSError, TimeoutError, SQLAlchemyError) as exc:
        log.warning("settings not loaded: database unreachable", error=type(exc).__name__)
        return False
    live.runtime.loaded = True
    return True
