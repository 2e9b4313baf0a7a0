"""Sign-in, silent resume from the keyring, sign-out and ``/me``."""

from __future__ import annotations

from typing import Any

import jwt

from fllc_desktop.api.connection import LOGIN, LOGOUT, ServerConnection
from fllc_desktop.api.errors import ApiError, MfaRequiredError, UnauthorizedError
from fllc_desktop.api.models import AuthSession, CurrentUser, MfaEnrolment
from fllc_desktop.api.tokens import Tokens

ME = "/api/v1/me"
MFA_VERIFY = "/api/v1/auth/mfa/verify"
MFA_ENROL = "/api/v1/auth/mfa/enrol"
MFA_CONFIRM = "/api/v1/auth/mfa/confirm"


class AuthApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def login(self, username: str, password: str) -> AuthSession:
        vault = self._connection.tokens.vault
        body: dict[str, Any] = {"username": username, "password": password}
        device = vault.load_device(username)
        if device is not None:
            body["device_token"] = device
        answer = self._connection.call_anonymous("POST", LOGIN, json=body)
        if isinstance(answer, dict) and answer.get("mfa_required") is True:
            raise MfaRequiredError(str(answer.get("challenge_token")), int(answer.get("expires_in") or 0))
        return self._signed_in(answer)

    def verify_mfa(
        self,
        username: str,
        challenge_token: str,
        *,
        code: str | None = None,
        recovery_code: str | None = None,
        trust_device: bool = False,
    ) -> AuthSession:
        """The second step after ``MfaRequiredError``: a code from the authenticator, or one of
        the recovery codes; ``trust_device`` skips this step on this device for a while."""
        body: dict[str, Any] = {"challenge_token": challenge_token, "trust_device": trust_device}
        if code:
            body["code"] = code
        if recovery_code:
            body["recovery_code"] = recovery_code
        device = self._connection.tokens.vault.load_device(username)
        if device is not None:
            body["device_token"] = device
        return self._signed_in(self._connection.call_anonymous("POST", MFA_VERIFY, json=body))

    def mfa_enrol(self) -> MfaEnrolment:
        return MfaEnrolment.from_wire(self._connection.call("POST", MFA_ENROL))

    def mfa_confirm(self, code: str) -> list[str]:
        """Finish the set-up with a first code; the answer is the ten recovery codes (shown once)."""
        answer = self._connection.call("POST", MFA_CONFIRM, json={"code": code})
        return [str(c) for c in answer.get("recovery_codes", [])] if isinstance(answer, dict) else []

    def _signed_in(self, answer: Any) -> AuthSession:
        session = AuthSession.from_wire(answer)
        if isinstance(answer, dict) and isinstance(answer.get("device_token"), str):
            self._connection.tokens.vault.save_device(session.user.username, answer["device_token"])
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
