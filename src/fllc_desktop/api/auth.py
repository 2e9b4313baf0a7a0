"""Sign-in, silent resume from the keyring, sign-out and ``/me``."""

from __future__ import annotations

from typing import Any

import jwt

from fllc_desktop.api.connection import LOGIN, LOGOUT, ServerConnection
from fllc_desktop.api.errors import ApiError, UnauthorizedError
from fllc_desktop.api.models import AuthSession, CurrentUser
from fllc_desktop.api.tokens import Tokens

ME = "/api/v1/me"


class AuthApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def login(self, username: str, password: str) -> AuthSession:
        answer = self._connection.call_anonymous(
            "POST", LOGIN, json={"username": username, "password": password}
        )
        session = AuthSession.from_wire(answer)
        tokens = Tokens(session.access_token, session.refresh_token)
        self._connection.tokens.keep(session.user.username, tokens)
        return session

    def resume(self, username: str) -> AuthSession | None:
        """Sign in again with the refresh token remembered in the keyring, if there is one.

        None when nothing is remembered or the server no longer accepts it (the keyring entry is
        then forgotten); an ``OfflineError`` propagates so the caller can retry later."""
        remembered = self._connection.tokens.remembered_refresh_token(username)
        if remembered is None:
            return None
        try:
            return self._connection.refresh_with(remembered, username)
        except UnauthorizedError:
            self._connection.tokens.vault.forget(username)
            return None

    def logout(self) -> bool:
        """Revoke the session on the server and forget it here. Local sign-out always happens;
        the answer says whether the server confirmed the revocation."""
        tokens = self._connection.tokens.tokens
        revoked = False
        if tokens is not None:
            revoked = self._revoke(tokens)
        self._connection.tokens.clear()
        return revoked

    def me(self) -> CurrentUser:
        return CurrentUser.from_wire(self._connection.call("GET", ME))

    def _revoke(self, tokens: Tokens) -> bool:
        try:
            self._connection.call("POST", LOGOUT, json={"refresh_token": tokens.refresh_token})
        except ApiError:  # offline, already expired: the local sign-out still happens
            return False
        return True


def token_claims(access_token: str) -> dict[str, Any]:
    """The access token's claims, unverified: only for showing the role before ``/me`` answers.
    The server verifies every token it receives; the client never trusts these for security."""
    try:
        claims = jwt.decode(access_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return dict(claims) if isinstance(claims, dict) else {}
