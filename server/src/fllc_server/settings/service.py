"""Read the settings as one typed object; write a validated subset, audited."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from fastapi.encoders import jsonable_encoder
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.kit.uow import unit_of_work
from fllc_server.observability.logging import get_logger
from fllc_server.settings.repository import SettingsRepository
from fllc_server.settings.schemas import SettingsUpdate, SystemSettings

if TYPE_CHECKING:
    from fllc_server.state import AppState

log = get_logger("fllc.settings")
LOAD_TIMEOUT = 5.0
SETTINGS_MESSAGE = "settings"  # on the auth cache's channel: another process changed the settings


def follow_other_processes(state: AppState) -> None:
    """Reload the runtime settings whenever another server process changed them (or when the
    channel lost messages): the rate limit, token lifetimes, the default location and the receipt
    tolerance are the same in every process moments after a change."""
    reloads: set[asyncio.Task[bool]] = set()

    def reload(_message: dict[str, object]) -> None:
        task = asyncio.get_running_loop().create_task(load_runtime(state))
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    state.auth.on(SETTINGS_MESSAGE, reload)


class SettingsService:
    def __init__(self, session: AsyncSession, state: AppState) -> None:
        self.session = session
        self.state = state
        self.repo = SettingsRepository(session)

    async def current(self) -> SystemSettings:
        stored = await self.repo.all()
        known = {k: v for k, v in stored.items() if k in SystemSettings.model_fields}
        config = self.state.settings
        defaults = {
            "rate_limit": config.rate_limit,
            "access_token_minutes": config.access_token_minutes,
            "refresh_token_days": config.refresh_token_days,
        }
        return SystemSettings.model_validate({**defaults, **known})

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

        state = self.state

        async def apply() -> None:
            apply_runtime(state, after)  # here at once; the other processes reload on the message
            await state.auth.announce({SETTINGS_MESSAGE: True})

        unit_of_work(self.session).after_commit(apply)
        return after


def apply_runtime(state: AppState, settings: SystemSettings) -> None:
    """Values the request path reads on every request, refreshed after a committed change."""
    state.runtime.rate_limit = settings.rate_limit
    state.runtime.over_receipt_tolerance_percent = float(settings.over_receipt_tolerance_percent)
    state.runtime.refresh_token_days = settings.refresh_token_days
    state.runtime.default_location_id = settings.default_location_id
    state.runtime.refuse_expired_goods = settings.refuse_expired_goods
    state.runtime.allow_backorders = settings.allow_backorders
    state.runtime.mfa_required_roles = frozenset(role.value for role in settings.mfa_required_roles)
    state.tokens.access_seconds = settings.access_token_minutes * 60


async def load_runtime(state: AppState) -> bool:
    """Read the stored settings into the runtime; when the database is unreachable (at start),
    keep the configured values, log it, and say so: /readyz retries until it succeeds."""
    try:
        async with asyncio.timeout(LOAD_TIMEOUT), state.db.transaction() as session:
            apply_runtime(state, await SettingsService(session, state).current())
    except (OSError, TimeoutError, SQLAlchemyError) as exc:
        log.warning("settings not loaded: database unreachable", error=type(exc).__name__)
        return False
    state.runtime.loaded = True
    return True
