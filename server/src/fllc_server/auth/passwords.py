"""Argon2id hashing, run off the event loop so a burst of logins never stalls other requests."""

from __future__ import annotations

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 8


def default_hasher() -> PasswordHasher:
    """Argon2id, 46 MiB, 2 passes, 1 lane: about 100 ms a verify here, above OWASP's minimum
    (46 MiB, 1 pass). One lane per hash: the concurrency limit already spreads hashes over the
    cores. Hashes made with other parameters are upgraded at the next successful sign-in."""
    return PasswordHasher(time_cost=2, memory_cost=47_104, parallelism=1)


class Passwords:
    def __init__(self, concurrency: int = 2, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or default_hasher()
        self._limiter = anyio.CapacityLimiter(concurrency)
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password, limiter=self._limiter)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Constant work whether or not the user exists: an unknown user checks a dummy hash."""
        if password_hash is None:
            if self._dummy_hash is None:
                self._dummy_hash = await self.hash("not-a-real-password")
            password_hash = self._dummy_hash
            await anyio.to_thread.run_sync(self._check, password_hash, password, limiter=self._limiter)
            return False
        return await anyio.to_thread.run_sync(self._check, password_hash, password, limiter=self._limiter)

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
