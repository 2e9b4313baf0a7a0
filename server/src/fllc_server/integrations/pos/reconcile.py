"""Reconciliation: webhooks get lost, so a provider's API is read from a stored cursor and what
it lists goes into the inbox like any delivery (already-known messages are ignored there, and an
order or refund already applied is not applied again). The cursor is kept in the settings table
under `integrations.<provider>.cursor` and moves only after the page's messages are stored.

`reconcile(state, name)` is a plain async function; the job queue runs `reconcile_enabled` every
`FLLC_POS_RECONCILE_MINUTES` (`pos.reconcile`, integrations.tasks), and an admin can ask for it at once.

Every page is asked through the app's `OutsideCalls` (infra.outside) as partner `pos:<provider>`:
a shop that does not answer costs at most the partner timeout per page, and after repeated failures its
breaker opens and reconciliation fails at once (PartnerUnavailable, 503) until it is let through again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import httpx

from fllc_server.integrations.inbox.service import receive
from fllc_server.integrations.pos.base import PosProvider
from fllc_server.integrations.providers.base import Providers
from fllc_server.integrations.providers.service import config_of
from fllc_server.kit.errors import BadRequest, NotFound
from fllc_server.models import SettingRow
from fllc_server.observability.logging import get_logger
from fllc_server.settings.repository import SettingsRepository

if TYPE_CHECKING:
    from fllc_server.state import AppState

log = get_logger("fllc.reconcile")
MAX_PAGES = 40
TIMEOUT = 15.0  # httpx's own; the partner timeout (OutsideCalls, shorter) gives up first


@dataclass(frozen=True, slots=True)
class Reconciled:
    provider: str
    fetched: int  # messages the API listed
    stored: int  # of which were new to the inbox
    cursor: str | None


def cursor_key(name: str) -> str:
    return f"integrations.{name}.cursor"


async def reconcile(state: AppState, name: str, *, http: httpx.AsyncClient | None = None) -> Reconciled:
    found = state.providers.get(name)
    if not isinstance(found, PosProvider) or not hasattr(found, "poll"):
        raise NotFound(f"No POS provider named {name!r} can be reconciled", code="provider_not_found")
    async with state.db.sessions() as session:
        config = await config_of(session, name)
        row = await session.get(SettingRow, cursor_key(name))
        cursor = str(row.value) if row is not None and row.value else None
    if not config.enabled:
        raise BadRequest(f"{found.title} is not enabled", code="provider_disabled")
    fetched = stored = 0
    own = http is None
    client = http or httpx.AsyncClient(timeout=TIMEOUT)
    try:
        for _ in range(MAX_PAGES):
            page = await state.outside.call(f"pos:{found.name}", partial(found.poll, client, config, cursor))
            async with state.db.transaction() as session:
                for intake in page.intakes:
                    received = await receive(
                        session,
                        state,
                        source=found.name,
                        external_id=intake.external_id,
                        kind=intake.kind,
                        payload=intake.payload,
                    )
                    stored += 0 if received.duplicate else 1
                if page.cursor != cursor:
                    await SettingsRepository(session).put(cursor_key(name), page.cursor, None)
            fetched += len(page.intakes)
            moved = page.cursor != cursor
            cursor = page.cursor
            if not page.more or not moved:
                break
    finally:
        if own:
            await client.aclose()
    return Reconciled(provider=name, fetched=fetched, stored=stored, cursor=cursor)


def reconcilable(providers: Providers) -> list[str]:
    return [p.name for p in providers.all() if isinstance(p, PosProvider) and hasattr(p, "poll")]


async def reconcile_enabled(state: AppState) -> None:
    """Every enabled provider that can be read back, one after the other; a failing one is logged
    and the others still run."""
    for name in reconcilable(state.providers):
        async with state.db.sessions() as session:
            enabled = (await config_of(session, name)).enabled
        if not enabled:
            continue
        try:
            await reconcile(state, name)
        except Exception as exc:  # the provider may be down or misconfigured: next round
            log.warning("reconciliation failed", provider=name, error=type(exc).__name__)
