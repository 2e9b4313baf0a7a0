from __future__ import annotations

from fastapi import APIRouter, Request

from fllc_server.auth.dependencies import Authenticated, SystemConfigure
from fllc_server.kit.deps import SessionDep, get_state
from fllc_server.settings.schemas import MfaPreview, MfaPreviewRequest, SettingsUpdate, SystemSettings
from fllc_server.settings.service import SettingsService, current_settings
from fllc_server.users.schemas import UserOut
from fllc_server.users.service import UserService

router = APIRouter(prefix="/api/v1/settings", tags=["settings"])


@router.get("", response_model=SystemSettings)
async def read_settings(_user: Authenticated, request: Request, session: SessionDep) -> SystemSettings:
    """Every setting with its current value; readable by any signed-in user."""
    return await current_settings(session, get_state(request).settings)


@router.patch("", response_model=SystemSettings)
async def update_settings(
    body: SettingsUpdate, actor: SystemConfigure, request: Request, session: SessionDep
) -> SystemSettings:
    """Change any subset of the settings (system.configure)."""
    state = get_state(request)
    return await SettingsService(session, state.settings, state.live_settings).update(body, actor.id)


@router.post("/mfa-preview", response_model=MfaPreview)
async def mfa_preview(
    body: MfaPreviewRequest, _actor: SystemConfigure, request: Request, session: SessionDep
) -> MfaPreview:
    """Dry run of `mfa_required_roles`: who (active, without two-step sign-in) would have to set it
    up at their next sign-in, before the setting is saved. Changes nothing."""
    state = get_state(request)
    roles = [role.value for role in body.mfa_required_roles]
    users = await UserService(session, state.passwords).must_enrol(roles)
    return MfaPreview(
        mfa_required_roles=body.mfa_required_roles, must_enrol=[UserOut.model_validate(u) for u in users]
    )


router.add_api_route(
    "",
    update_settings,
    methods=["PUT"],
    response_model=SystemSettings,
    summary="Update settings (same as PATCH: any subset of keys)",
)
