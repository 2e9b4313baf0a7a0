"""Access JWTs (HS256, algorithm pinned) and opaque refresh tokens stored as hashes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

import jwt

from fllc_server.auth.permissions import permission_codes
from fllc_server.kit.errors import Unauthorized

ALGORITHM = "HS256"
ACCESS_TYPE = "access"
CHALLENGE_TYPE = "mfa-challenge"
CHALLENGE_SECONDS = 300  # a password proven, the second factor must follow within this
LEEWAY = 5
MAX_ACCESS_SECONDS = 15 * 60  # the settings' bound on access_token_minutes
VERIFIED_CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    role: str
    permissions: tuple[str, ...]
    jti: str
    expires_at: int
    not_before: int = 0
    session_id: str = ""  # the refresh-token family the token was issued with


@dataclass(frozen=True, slots=True)
class IssuedAccess:
    token: str
    jti: str
    expires_in: int


class TokenService:
    def __init__(self, secret: str, *, issuer: str, audience: str, access_minutes: int) -> None:
        if len(secret) < 32:
            raise ValueError("the signing secret must be at least 32 characters")
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self.access_seconds = access_minutes * 60
        # token string → its verified claims: the signature, algorithm, issuer and audience of that
        # exact string never change, so only the clock checks are redone on a hit.
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()

    def issue_access(self, user_id: int, role: str, session_id: str) -> IssuedAccess:
        """An access token of the session (refresh-token family) `session_id`: revoking the session
        revokes every access token issued with it."""
        now = int(dt.datetime.now(dt.UTC).timestamp())
        jti = uuid.uuid4().hex
        claims = {
            "sub": str(user_id),
            "sid": session_id,
            "role": role,
            "perms": permission_codes(role),
            "jti": jti,
            "typ": ACCESS_TYPE,
            "iat": now,
            "nbf": now,
            "exp": now + self.access_seconds,
            "iss": self._issuer,
            "aud": self._audience,
        }
        token = jwt.encode(claims, self._secret, algorithm=ALGORITHM)
        return IssuedAccess(token=token, jti=jti, expires_in=self.access_seconds)

    def decode_access(self, token: str) -> AccessClaims:
        """Verify signature, algorithm, expiry, not-before, issuer, audience and token type."""
        claims = self._verified.get(token)
        if claims is not None:
            now = time.time()
            if claims.not_before - LEEWAY <= now < claims.expires_at + LEEWAY:
                return claims
            del self._verified[token]  # the full decode below raises the precise error
        claims = self._decode(token)
        self._verified[token] = claims
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return claims

    def _decode(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "nbf", "sub", "jti", "iss", "aud"]},
                leeway=LEEWAY,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The access token has expired", code="token_expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("The access token is invalid", code="invalid_token") from exc
        if claims.get("typ") != ACCESS_TYPE:
            raise Unauthorized("Not an access token", code="invalid_token")
        try:
            user_id = int(claims["sub"])
        except (TypeError, ValueError) as exc:
            raise Unauthorized("The access token is invalid", code="invalid_token") from exc
        return AccessClaims(
            user_id=user_id,
            role=str(claims.get("role", "")),
            permissions=tuple(claims.get("perms", ())),
            jti=str(claims["jti"]),
            expires_at=int(claims["exp"]),
            not_before=int(claims["nbf"]),
            session_id=str(claims.get("sid", "")),
        )

    def issue_challenge(self, user_id: int) -> tuple[str, str]:
        """A short-lived token saying "this user's password was right": (token, its jti). It is no
        access token (another `typ`), so no route but /auth/mfa/verify takes it."""
        now = int(time.time())
        jti = uuid.uuid4().hex
        claims = {
            "sub": str(user_id),
            "jti": jti,
            "typ": CHALLENGE_TYPE,
            "iat": now,
            "nbf": now,
            "exp": now + CHALLENGE_SECONDS,
            "iss": self._issuer,
            "aud": self._audience,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM), jti

    def decode_challenge(self, token: str) -> tuple[int, str, int]:
        """(user id, jti, expiry) of a valid challenge token; 401 mfa_challenge_invalid otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "nbf", "sub", "jti", "iss", "aud"]},
                leeway=LEEWAY,
            )
            if claims.get("typ") != CHALLENGE_TYPE:
                raise jwt.InvalidTokenError("not a challenge")
            return int(claims["sub"]), str(claims["jti"]), int(claims["exp"])
        except (jwt.PyJWTError, TypeError, ValueError) as exc:
            raise Unauthorized(
                "The sign-in step has expired or is invalid: sign in again", code="mfa_challenge_invalid"
            ) from exc

    def peek_subject(self, token: str) -> str | None:
        """The verified subject for rate-limit keys; None when the token does not verify."""
        try:
            return self.decode_access(token).user_id.__str__()
        except Unauthorized:
            return None

    # -- refresh tokens ------------------------------------------------------------------
    @staticmethod
    def new_refresh_token() -> str:
        return secrets.token_urlsafe(32)

    def successor_of(self, refresh_token: str) -> str:
        """The rotated token is derived from its parent, so a retried rotation yields the same one."""
        digest = hmac.new(self._secret.encode(), b"rotate:" + refresh_token.encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()

    @staticmethod
    def hash_refresh(refresh_token: str) -> str:
        return hashlib.sha256(refresh_token.encode()).hexdigest()
