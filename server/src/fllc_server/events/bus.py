"""Publish `{type, seq, data}` pokes to every server instance; subscribe to them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.infra.pubsub import PubSub
from fllc_server.kit.db import after_commit

CHANNEL = "fllc:events"


class EventBus:
    def __init__(self, pubsub: PubSub) -> None:
        self._pubsub = pubsub

    async def publish(self, event_type: str, seq: int, data: dict[str, Any]) -> None:
        message = json.dumps({"type": event_type, "seq": seq, "data": data}, default=str)
        await self._pubsub.publish(CHANNEL, message)

    def publish_after_commit(
        self, session: AsyncSession, event_type: str, seq: int, data: dict[str, Any]
    ) -> None:
        """Events are sent only once the change they announce has committed."""

        async def send() -> None:
            await self.publish(event_type, seq, data)

        after_commit(session, send)

    def subscribe(self) -> AsyncIterator[str]:
        return self._pubsub.subscribe(CHANNEL)
