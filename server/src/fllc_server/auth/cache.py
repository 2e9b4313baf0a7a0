"""The auth fast path: who a user is (their principal), which access tokens were checked against
the revocation list and which integration API keys were verified, kept in-process for a few
seconds so that a signed-in request (or an integration's call) needs no database or Redis round trip.

The same channel carries other processes' news that this process must act on at once (a change
of the system settings): `on(key, handler)` registers what to do with a message holding `key`,
`announce(message)` sends one.

The guarantees stay: a change to a user (role, deactivation) and a sign-out take effect at once —
in this process synchronously after commit, in the others through a pub/sub message — and the short
TTL bounds any lost message. A read that raced a change (it began before the change committed) is
never stored: every invalidation bumps the user's generation, and a principal read under an older
generation is dropped. API keys work the same way: revoking a key or disabling its service account
drops every verified key (in this process at once, in the others by message) and bumps one key
generation, so a verification that raced the revocation is never stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from fllc_server.infra.pubsub import PubSub
from fllc_server.models import User
from fllc_server.observability.logging import get_logger

AUTH_CHANNEL = "fllc:auth"
PRINCIPAL_TTL = 5.0
MAX_ENTRIES = 50_000

log = get_logger("fllc.auth")


@dataclass(frozen=True, slots=True)
class Principal:
    """The columns of a user that authorization and /me need; immutable, safe to share."""

    id: int
    username: str
    full_name: str
    email: str | None
    role: str
    is_active: bool
    created_at: dt.datetime
    me_json: bytes = b""  # the /me answer, rendered once per principal

    @classmethod
    def of(cls, user: User, render: Callable[[Principal], bytes] | None = None) -> Principal:
        principal = cls(
            user.id, user.username, user.full_name, user.email, user.role, user.is_active, user.created_at
        )
        return dataclasses.replace(principal, me_json=render(principal)) if render else principal


@dataclass(frozen=True, slots=True)
class VerifiedKey:
    """An API key that was found valid (not revoked, its account enabled), with what its caller is."""

    key_id: int
    key_hash: str
    service_account_id: int
    name: str
    integration: str
    scopes: frozenset[str]


class AuthCache:
    def __init__(
        self, pubsub: PubSub, *, ttl: float = PRINCIPAL_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._pubsub = pubsub
        self._origin = uuid.uuid4().hex  # this process, so that it ignores its own announcements
        self._ttl = ttl
        self._clock = clock
        self._principals: dict[int, tuple[float, Principal]] = {}
        self._generations: dict[int, int] = {}
        self._checked: dict[str, float] = {}  # jti → until when "not revoked" is known
        self._revoked: dict[str, float] = {}  # jti → its expiry (epoch seconds)
        self._keys: dict[str, tuple[float, VerifiedKey]] = {}  # key prefix → (until, the key)
        self._key_generation = 0
        self._listener: asyncio.Task[None] | None = None
        self._stopping = False
        self._handlers: dict[str, Callable[[dict[str, object]], None]] = {}
        self._on_gap: list[Callable[[], None]] = []

    def on(self, key: str, handler: Callable[[dict[str, object]], None], *, on_gap: bool = True) -> None:
        """Call `handler(message)` for each message holding `key` from another process; with
        `on_gap`, also (with an empty message) after the listener lost its subscription, when
        messages may have been missed."""
        self._handlers[key] = handler
        if on_gap:
            self._on_gap.append(lambda: handler({}))

    async def announce(self, message: dict[str, object]) -> None:
        """Tell the other processes (and not this one: it acted already)."""
        await self._publish({**message, "from": self._origin})

    # -- principals ------------------------------------------------------------------------------
    def principal(self, user_id: int) -> Principal | None:
        entry = self._principals.get(user_id)
        if entry is None or entry[0] < self._clock():
            return None
        return entry[1]

    def generation(self, user_id: int) -> int:
        return self._generations.get(user_id, 0)

    def remember(self, principal: Principal, generation: int) -> None:
        """Store a principal read under `generation`, unless the user changed meanwhile."""
        if self.generation(principal.id) != generation:
            return
        if len(self._principals) >= MAX_ENTRIES:
            self._principals.clear()
        self._principals[principal.id] = (self._clock() + self._ttl, principal)

    def forget_user_locally(self, user_id: int) -> None:
        self._generations[user_id] = self.generation(user_id) + 1
        self._principals.pop(user_id, None)

    async def forget_user(self, user_id: int) -> None:
        """After a committed change to the user: here at once, elsewhere by message."""
        self.forget_user_locally(user_id)
        await self._publish({"user": user_id})

    # -- access-token revocation -------------------------------------------------------------------
    def is_revoked(self, jti: str) -> bool:
        return jti in self._revoked

    def checked(self, jti: str) -> bool:
        until = self._checked.get(jti)
        return until is not None and until >= self._clock()

    def mark_checked(self, jti: str) -> None:
        if len(self._checked) >= MAX_ENTRIES:
            self._checked.clear()
        self._checked[jti] = self._clock() + self._ttl

    def revoke_locally(self, jti: str, expires_at: float) -> None:
        now = time.time()
        if len(self._revoked) >= MAX_ENTRIES:
            self._revoked = {k: v for k, v in self._revoked.items() if v > now}
        self._revoked[jti] = expires_at
        self._checked.pop(jti, None)

    async def revoke(self, jti: str, expires_at: float) -> None:
        self.revoke_locally(jti, expires_at)
        await self._publish({"jti": jti, "exp": expires_at})

    # -- integration API keys ------------------------------------------------------------------------
    def verified_key(self, prefix: str) -> VerifiedKey | None:
        entry = self._keys.get(prefix)
        if entry is None or entry[0] < self._clock():
            return None
        return entry[1]

    @property
    def key_generation(self) -> int:
        return self._key_generation

    def remember_key(self, prefix: str, key: VerifiedKey, generation: int) -> None:
        """Store a key verified under `generation`, unless a key was revoked meanwhile."""
        if self._key_generation != generation:
            return
        if len(self._keys) >= MAX_ENTRIES:
            self._keys.clear()
        self._keys[prefix] = (self._clock() + self._ttl, key)

    def forget_keys_locally(self) -> None:
        self._key_generation += 1
        self._keys.clear()

    async def forget_keys(self) -> None:
        """After a committed revocation (a key, a service account): here at once, elsewhere by message."""
        self.forget_keys_locally()
        await self._publish({"api_keys": True})

    # -- messages between processes ----------------------------------------------------------------
    async def _publish(self, message: dict[str, object]) -> None:
        try:
            await self._pubsub.publish(AUTH_CHANNEL, json.dumps(message))
        except Exception as exc:  # other processes fall back on the TTL; this one is already right
            log.warning("auth invalidation not published", error=type(exc).__name__)

    def apply(self, raw: str) -> None:
        message = json.loads(raw)
        if message.get("from") != self._origin:
            for key, handler in self._handlers.items():
                if key in message:
                    handler(message)
        if "user" in message:
            self.forget_user_locally(int(message["user"]))
        if "api_keys" in message:
            self.forget_keys_locally()
        if "jti" in message:
            self.revoke_locally(str(message["jti"]), float(message.get("exp", time.time() + 900)))

    async def _listen(self) -> None:
        while not self._stopping:
            try:
                async for raw in self._pubsub.subscribe(AUTH_CHANNEL):
                    self.apply(raw)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._stopping:  # redis-py may turn our cancellation into a connection error
                    return
                # While we are not listening, other processes' changes may be missed: drop
                # everything cached, and resubscribe after a pause.
                log.warning("auth invalidation listener restarting", error=type(exc).__name__)
                self.clear()
                for gap in self._on_gap:
                    gap()
                await asyncio.sleep(1.0)

    def clear(self) -> None:
        for user_id in list(self._principals):
            self.forget_user_locally(user_id)
        self._checked.clear()
        self.forget_keys_locally()

    def start(self) -> None:
        if self._listener is None:
            self._stopping = False
            self._listener = asyncio.get_running_loop().create_task(self._listen())

    async def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        self._stopping = True
        for _ in range(3):  # a cancellation swallowed by the client library is repeated
            listener.cancel()
            done, _pending = await asyncio.wait({listener}, timeout=1.0)
            if done:
                break
        with contextlib.suppress(asyncio.CancelledError, Exception):
            if listener.done():
                listener.result()
