"""Sign-in, refresh, sign-out and /me: thin routes over AuthService."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from fllc_server.auth.dependencies import Authenticated, MaybeAuthenticated
from fllc_server.auth.schemas import LoginRequest, Me, MfaChallenge, RefreshRequest, TokenPair
from fllc_server.auth.service import AuthService, SessionRevoked
from fllc_server.kit.deps import SessionDep, get_state

router = APIRouter(prefix="/api/v1", tags=["auth"])


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/auth/login", response_model=TokenPair | MfaChallenge)
async def login(body: LoginRequest, request: Request, session: SessionDep) -> TokenPair | MfaChallenge:
    """Exchange a username and password for an access token (JWT) and a refresh token.

    The answer's `device_token` is this device's: send it with later sign-ins of the user, and
    failed sign-ins from elsewhere never hold it back. When the user has two-step sign-in (and this
    device is not trusted), the answer is `{mfa_required: true, challenge_token}` instead: send
    the token with a code to POST /api/v1/auth/mfa/verify."""
    return await AuthService(session, get_state(request)).login(
        body.username, body.password, _client_ip(request), body.device_token
    )


@router.post("/auth/refresh", response_model=TokenPair)
async def refresh(body: RefreshRequest, request: Request, session: SessionDep) -> TokenPair | Response:
    """Rotate the refresh token: the old one is spent, the answer carries its successor."""
    result = await AuthService(session, get_state(request)).refresh(body.refresh_token)
    return result.response() if isinstance(result, SessionRevoked) else result


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    body: RefreshRequest, request: Request, session: SessionDep, user: MaybeAuthenticated
) -> Response:
    """End the session: revoke the refresh token's family and, when presented, the access token."""
    await AuthService(session, get_state(request)).logout(body.refresh_token, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=Me)
async def me(user: Authenticated) -> Response:
    """The signed-in user, their role and permission codes."""
    body = user.account.me_json or Me.of(user.account).model_dump_json().encode()
    return Response(body, media_type="application/json")
