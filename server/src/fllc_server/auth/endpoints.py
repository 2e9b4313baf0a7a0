"""Sign-in, refresh, sign-out and /me: thin routes over AuthService."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from fllc_server.auth.dependencies import Authenticated, MaybeAuthenticated
from fllc_server.auth.schemas import LoginRequest, Me, RefreshRequest, TokenPair
from fllc_server.auth.service import AuthService, SessionRevoked
from fllc_server.kit.deps import SessionDep, get_state

router = APIRouter(prefix="/api/v1", tags=["auth"])


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/auth/login", response_model=TokenPair)
async def login(body: LoginRequest, request: Request, session: SessionDep) -> TokenPair:
    """Exchange a username and password for an access token (JWT) and a refresh token."""
    return await AuthService(session, get_state(request)).login(
        body.username, body.password, _client_ip(request)
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
