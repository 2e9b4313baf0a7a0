"""The generic sales webhook answered before the framework: the intake's fast path.

`POST /api/v1/integrations/pos/generic/events` does little — check the API key, validate the
event, store it in the inbox — and the framework's routing, dependency solving and its
transaction per request cost several times that. This layer sits where the routes begin (inside
the request gate, so the request id, the rate limit, the body cap (413), the request line, metrics
and security headers are the gate's as for every request) and does what the route does, in the
route's order: the body read and decoded as JSON, the key verified (`auth.api_keys.verify_key_of`,
the same check and verified-key cache as the route's dependency) with the scope `pos.write`, the
event validated with the route's own schema, the message stored through the inbox's group commit
(`inbox.intake`: answered only once its transaction has committed). A refused key is answered here
with the very error the route's dependency raises, rendered as the app's error handler renders it.
Anything else — another content type, a body that is not JSON, an event the schema refuses, the
database failing — goes on to the route with the body as it came, and the route answers (or
explains the error) exactly as without this layer. So this layer never changes what is answered.
"""

from __future__ import annotations

import email.message
import json
from typing import TYPE_CHECKING, Any

import pydantic_core
from pydantic import ValidationError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fllc_server.auth.api_keys import Scope as KeyScope
from fllc_server.auth.api_keys import integration_of
from fllc_server.integrations.inbox.intake import InboxIntake
from fllc_server.integrations.pos.generic import EVENT, GENERIC
from fllc_server.kit.errors import AppError
from fllc_server.observability.logging import get_logger
from fllc_server.observability.middleware import ROUTE_TEMPLATE

if TYPE_CHECKING:
    from fllc_server.state import AppState

log = get_logger("fllc.pos")

ROUTE = "/api/v1/integrations/pos/generic/events"


def _is_json(scope: Scope) -> bool:
    """The route parses the body as JSON for these content types (FastAPI's rule)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            text = value.decode("latin-1")
            if text == "application/json":
                return True
            message = email.message.Message()
            message["content-type"] = text
            subtype = message.get_content_subtype()
            return message.get_content_maintype() == "application" and (
                subtype == "json" or subtype.endswith("+json")
            )
    return False  # without one the route may refuse it (strict content type): it decides


class GenericIntakeFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._intake: InboxIntake | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != ROUTE
            or not _is_json(scope)
        ):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the gate answered 413, or the client left
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        state: AppState = scope["app"].state.fllc
        try:
            answer = await self._answer(state, scope, raw)
        except AppError as exc:  # the key refused: the route's dependency would raise the same
            scope[ROUTE_TEMPLATE] = ROUTE
            await JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)(
                scope, replay, send
            )
            return
        except Exception:  # the database failing: the route tries and answers (or explains)
            log.warning("generic_intake_failed", exc_info=True)
            answer = None
        if answer is None:
            await self.app(scope, replay, send)
            return
        scope[ROUTE_TEMPLATE] = ROUTE
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(answer)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer})

    async def _answer(self, state: AppState, scope: Scope, raw: bytes) -> bytes | None:
        """The answer, or None for the route to give it; raises the key's refusal."""
        if not raw:
            return None
        try:
            body: Any = json.loads(raw)  # as the route decodes it (Starlette's Request.json)
        except ValueError:
            return None
        await integration_of(state, scope, KeyScope.POS_WRITE)
        try:
            event = EVENT.validate_python(body)
        except ValidationError:
            return None
        if self._intake is None:
            self._intake = InboxIntake(state)
        received = await self._intake.store(
            source=GENERIC.name,
            external_id=event.event_id,
            kind=event.type,
            payload=event.model_dump(mode="json"),
        )
        return pydantic_core.to_json(
            {"message_id": received.id, "duplicate": received.duplicate, "status": received.status}
        )
