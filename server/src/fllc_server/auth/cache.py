"""The auth fast path: who a user is (their principal) and which access tokens were checked against
the revocation list, kept in-process for a few seconds so that a signed-in request needs no
database or Redis round trip.

The guarantees stay: a change to a user (role, deactivation) and a sign-out take effect at once —
in this process synchronously after commit, in the others through a pub/sub message — and the short
TTL bounds any lost message. A read that raced a change (it began before the change committed) is
never stored: every invalidation bumps the user's generation, and a principal read under an older
generation is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import time
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
        principal = cls(user.id, user.username, user.full_name, user.email, user.role, user.is_active,
                        user.created_at)
        return dataclasses.replace(principal, me_json=render(principal)) if render else principal


class AuthCache:
    def __init__(self, pubsub: PubSub, *, ttl: float = PRINCIPAL_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._pubsub = pubsub
        self._ttl = ttl
        self._clock = clock
        self._principals: dict[int, tuple[float, Principal]] = {}
        self._generations: dict[int, int] = {}
        self._checked: dict[str, float] = {}  # jti → until when "not revoked" is known
        self._revoked: dict[str, float] = {}  # jti → its expiry (epoch seconds)
        self._listener: asyncio.Task[None] | None = None
        self._stopping = False

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

    # -- messages between processes ----------------------------------------------------------------
    async def _publish(self, message: dict[str, object]) -> None:
        try:
            await self._pubsub.publish(AUTH_CHANNEL, json.dumps(message))
        except Exception as exc:  # other processes fall back on the TTL; this one is already right
            log.warning("auth invalidation not published", error=type(exc).__name__)

    def apply(self, raw: str) -> None:
        message = json.loads(raw)
        if "user" in message:
            self.forget_user_locally(int(message["user"]))
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
                await asyncio.sleep(1.0)

    def clear(self) -> None:
        for user_id in list(self._principals):
            self.forget_user_locally(user_id)
        self._checked.clear()

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
