from __future__ import annotations

from fastapi import APIRouter, Request

from fllc_server.auth.dependencies import Authenticated, SystemConfigure
from fllc_server.kit.deps import SessionDep, get_state
from fllc_server.settings.schemas import SettingsUpdate, SystemSettings
from fllc_server.settings.service import SettingsService

router = APIRouter(prefix="/api/v1/settings", tags=["settings"])


@router.get("", response_model=SystemSettings)
async def read_settings(_user: Authenticated, request: Request, session: SessionDep) -> SystemSettings:
    """Every setting with its current value; readable by any signed-in user."""
    return await SettingsService(session, get_state(request)).current()


@router.patch("", response_model=SystemSettings)
async def update_settings(
    body: SettingsUpdate, actor: SystemConfigure, request: Request, session: SessionDep
) -> SystemSettings:
    """Change any subset of the settings (system.configure)."""
    return await SettingsService(session, get_state(request)).update(body, actor.id)


router.add_api_route(
    "", update_settings, methods=["PUT"], response_model=SystemSettings,
    summary="Update settings (same as PATCH: any subset of keys)",
)
