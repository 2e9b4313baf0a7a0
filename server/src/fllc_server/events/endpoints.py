"""WebSocket /api/v1/events: live pokes `{type, seq, data}` after commit.

Connect with `Authorization: Bearer <access token>` in the upgrade request. Messages:
- `{"type": "hello", "seq": <newest change seq>, "data": {"user_id", "ping_seconds"}}` first;
- `{"type": "stock.changed" | "product.changed" | "product.deleted" | "po.changed" | ...,
   "seq": n, "data": {"id": entity id, ...}, "entity_type": ...}` for each committed change of an
  entity the user may read (auth.entities: the permission of its REST read route);
- `{"type": "job.progress" | "job.done", "seq": null, "data": {"id", "kind"?, "status", "progress",
   "requested_by", "error"?}, "entity_type": "job"}` for the jobs the signed-in user asked for
  (admins: every job);
- `{"type": "order.allocated", "seq": null, "data": {"id", "number", "status", "product_id",
   "allocated", "backordered_quantity", "pickable"}, "entity_type": "order"}` when back-ordered units
  of an order were allocated (sales.backorders), for those who read orders or pick them;
- `{"type": "ping", "seq": null, "data": null}` every `ping_seconds` when idle.
Events are pokes, not the source of truth: on a gap in the seqs, or after a reconnect, pull
`GET /api/v1/sync/changes?since=<cursor>`.

Close codes: 4401 missing/invalid/revoked/expired token (also when, while connected, the token
expires, its session ends - sign-out, password reset, refresh-token reuse - or the account is
deactivated: checked every RECHECK_SECONDS; reconnect with a fresh token), 4403 no `products.view`
(also when the role loses it); 1001 "going away" when the server stops (a rolling update):
reconnect, and the load balancer sends you to another server.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, WebSocket

from fllc_server.auth.dependencies import CurrentUser, authenticate_token, bearer_token, verify
from fllc_server.auth.entities import may_read
from fllc_server.auth.permissions import Permission
from fllc_server.jobs.events import JOB_ENTITY, may_see_job
from fllc_server.kit.errors import Unauthorized
from fllc_server.kit.shutdown import GOING_AWAY
from fllc_server.sales.backorders import ORDER_ENTITY, may_see_order
from fllc_server.sync.repository import ChangeLogRepository

if TYPE_CHECKING:
    from fllc_server.state import AppState

router = APIRouter(tags=["events"])

PING_SECONDS = 25.0
RECHECK_SECONDS = 5.0  # how soon an open socket learns that its token or session ended
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403


@router.websocket("/api/v1/events")
async def events(websocket: WebSocket) -> None:
    # Accept first: a close code reaches the client only on an open WebSocket.
    await websocket.accept()
    try:
        user = await authenticate_token(websocket, _bearer_token(websocket))
    except Unauthorized as exc:
        await websocket.close(CLOSE_UNAUTHORIZED, exc.code)
        return
    if not user.can(Permission.PRODUCTS_VIEW):
        await websocket.close(CLOSE_FORBIDDEN, "permission_denied")
        return
    await EventStream(websocket, websocket.app.state.fllc, user).run()


def _bearer_token(websocket: WebSocket) -> str:
    token = bearer_token(websocket.scope)
    if token is None:
        raise Unauthorized("Send 'Authorization: Bearer <access token>'", code="unauthorized")
    return token


class EventStream:
    """One connected client: forwards the bus, pings when idle, ends on disconnect or expiry."""

    def __init__(self, websocket: WebSocket, state: AppState, user: CurrentUser) -> None:
        self.websocket = websocket
        self.state = state
        self.user = user

    async def run(self) -> None:
        async with self.state.events.live(accept=self._may_see) as queue:
            await self._send(
                {
                    "type": "hello",
                    "seq": await self._newest_seq(),
                    "data": {"user_id": self.user.id, "ping_seconds": PING_SECONDS},
                }
            )
            await _first_of(
                self._forward(queue), self._until_disconnect(), self._while_valid(), self._until_going_away()
            )

    def _may_see(self, message: dict[str, Any]) -> bool:
        """Only events about entities the user's current role may read (as their REST routes), and
        job events of the user's own jobs (admins: all), as GET /api/v1/jobs/{id}."""
        if message.get("entity_type") == JOB_ENTITY:
            return may_see_job(message, self.user)
        if message.get("entity_type") == ORDER_ENTITY:
            return may_see_order(message, self.user)
        return may_read(self.user.permissions, message.get("entity_type"))

    async def _forward(self, queue: asyncio.Queue[str]) -> None:
        while True:
            try:
                message = await asyncio.wait_for(queue.get(), PING_SECONDS)
            except TimeoutError:
                await self._send({"type": "ping", "seq": None, "data": None})
                continue
            await self.websocket.send_text(message)
            self.state.metrics.events_sent.inc()

    async def _until_disconnect(self) -> None:
        while (await self.websocket.receive())["type"] != "websocket.disconnect":
            pass  # clients have nothing to say; their frames are read and dropped

    async def _while_valid(self) -> None:
        """Until the token expires, is revoked, or its user may no longer read events."""
        while True:
            remaining = self.user.token_expires_at - dt.datetime.now(dt.UTC).timestamp()
            if remaining <= 0:
                await self.websocket.close(CLOSE_UNAUTHORIZED, "token_expired")
                return
            await asyncio.sleep(min(RECHECK_SECONDS, remaining))
            if dt.datetime.now(dt.UTC).timestamp() >= self.user.token_expires_at:
                continue
            try:
                user = await verify(self.state, self.user.token)
            except Unauthorized as exc:
                await self.websocket.close(CLOSE_UNAUTHORIZED, exc.code)
                return
            if not user.can(Permission.PRODUCTS_VIEW):
                await self.websocket.close(CLOSE_FORBIDDEN, "permission_denied")
                return
            self.user = user

    async def _until_going_away(self) -> None:
        await self.state.drain.going_away.wait()
        await self.websocket.close(GOING_AWAY, "going away")

    async def _send(self, message: dict[str, Any]) -> None:
        await self.websocket.send_text(json.dumps(message))

    async def _newest_seq(self) -> int:
        async with self.state.db.sessions() as session:
            return await ChangeLogRepository(session).newest_seq()


async def _first_of(*jobs: Coroutine[Any, Any, None]) -> None:
    """Run until one job ends (or fails: a send to a gone client), then stop the others."""
    tasks = [asyncio.create_task(job) for job in jobs]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
