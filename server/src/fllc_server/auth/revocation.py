"""The revocation list of access tokens: single tokens (a sign-out that presented its bearer) and
whole sessions (a refresh-token family: reuse detected, a sign-out by refresh token alone, a password
reset, an MFA reset). Every access token names its session (`sid`), so ending a session ends its
access tokens at once instead of when they expire.

An entry lives in the cache (Redis, shared by every process) for as long as a token it covers can
still verify, and in each process's auth cache: this process learns of it synchronously, the others
through the auth cache's pub/sub message; the auth cache's short TTL on "checked, not revoked"
bounds a lost message.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from fllc_server.auth.cache import AuthCache
from fllc_server.auth.tokens import LEEWAY, MAX_ACCESS_SECONDS, AccessClaims
from fllc_server.infra.cache import Cache
from fllc_server.kit.errors import Unauthorized

REVOKED_PREFIX = "auth:revoked-jti:"
SESSION_KEY = "sid:"  # a revoked session's entry: SESSION_KEY + family id, beside plain jtis


def session_key(session_id: str) -> str:
    return SESSION_KEY + session_id


class Revocations:
    def __init__(self, cache: Cache, auth: AuthCache) -> None:
        self.cache = cache
        self.auth = auth

    async def revoke_token(self, jti: str, expires_at: int) -> None:
        ttl = max(1, expires_at - int(time.time()) + LEEWAY)
        await self.cache.set(REVOKED_PREFIX + jti, b"1", ttl)
        await self.auth.revoke(jti, expires_at)

    async def revoke_sessions(self, session_ids: Iterable[str]) -> None:
        """End every access token issued with these sessions: none can outlive the longest
        access-token lifetime, so neither does the entry."""
        expires_at = int(time.time()) + MAX_ACCESS_SECONDS + LEEWAY
        for session_id in sorted(set(session_ids)):
            key = session_key(session_id)
            await self.cache.set(REVOKED_PREFIX + key, b"1", MAX_ACCESS_SECONDS + 2 * LEEWAY)
            await self.auth.revoke(key, expires_at)

    async def ensure_valid(self, claims: AccessClaims) -> None:
        """401 token_revoked when the token or its session was revoked."""
        jti, sid = claims.jti, session_key(claims.session_id) if claims.session_id else ""
        if not self.auth.is_revoked(jti) and not (sid and self.auth.is_revoked(sid)):
            if self.auth.checked(jti):
                return
            keys = [REVOKED_PREFIX + jti] + ([REVOKED_PREFIX + sid] if sid else [])
            found = await self.cache.get_many(keys)
            if all(value is None for value in found):
                self.auth.mark_checked(jti)
                return
            self.auth.revoke_locally(jti, claims.expires_at)
        raise Unauthorized("The session has been signed out", code="token_revoked")
