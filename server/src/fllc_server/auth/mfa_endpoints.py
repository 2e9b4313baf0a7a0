"""/api/v1/auth/mfa - the signed-in user's two-step sign-in (status, set-up, confirmation) and the
second step of a sign-in; thin routes over auth.mfa and AuthService."""

from __future__ import annotations

from fastapi import APIRouter, Request

from fllc_server.auth.dependencies import Authenticated
from fllc_server.auth.mfa import Mfa, MfaRepository, qr_images
from fllc_server.auth.schemas import (
    MfaConfirm,
    MfaEnrolment,
    MfaRecoveryCodes,
    MfaStatus,
    MfaVerify,
    TokenPair,
)
from fllc_server.auth.service import AuthService
from fllc_server.kit.deps import SessionDep, get_state

router = APIRouter(prefix="/api/v1/auth/mfa", tags=["auth"])


@router.get("", response_model=MfaStatus)
async def status(user: Authenticated, request: Request, session: SessionDep) -> MfaStatus:
    """Whether the caller has two-step sign-in, whether their role requires it, codes left."""
    repo = MfaRepository(session)
    enrolled = await repo.confirmed(user.id) is not None
    return MfaStatus(
        enrolled=enrolled,
        required=user.role in get_state(request).runtime.mfa_required_roles,
        recovery_codes_left=await repo.recovery_codes_left(user.id) if enrolled else 0,
    )


@router.post("/enrol", response_model=MfaEnrolment)
async def enrol(user: Authenticated, request: Request, session: SessionDep) -> MfaEnrolment:
    """Start the set-up: a new secret, as text, otpauth:// URI and QR code (SVG and PNG)."""
    state = get_state(request)
    secret, uri = await Mfa(session, state.cache, state.limiter).begin_enrolment(user.id, user.username)
    svg, png = qr_images(uri)
    return MfaEnrolment(secret=secret, otpauth_uri=uri, qr_svg=svg, qr_png_base64=png)


@router.post("/confirm", response_model=MfaRecoveryCodes)
async def confirm(
    body: MfaConfirm, user: Authenticated, request: Request, session: SessionDep
) -> MfaRecoveryCodes:
    """Finish the set-up with a first code; answers the ten recovery codes, shown only now."""
    state = get_state(request)
    codes = await Mfa(session, state.cache, state.limiter).confirm_enrolment(user.id, body.code)
    return MfaRecoveryCodes(recovery_codes=codes)


@router.post("/verify", response_model=TokenPair)
async def verify(body: MfaVerify, request: Request, session: SessionDep) -> TokenPair:
    """The second step of a sign-in: the login's challenge token and a code from the authenticator
    (or a recovery code); `trust_device` skips this step on this device for a while."""
    return await AuthService(session, get_state(request)).verify_mfa(body)
