"""Auth fixtures: the app built from a variant of the test settings (short grace window, tight limits)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fllc_server.app import create_app
from fllc_server.auth.passwords import Passwords
from fllc_server.config import Settings

AppFactory = Callable[..., AbstractAsyncContextManager[FastAPI]]
ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def app_with(settings: Settings) -> AppFactory:
    """`async with app_with(refresh_grace_seconds=0) as app:` — the full app on changed settings."""

    @asynccontextmanager
    async def build(**overrides: Any) -> AsyncIterator[FastAPI]:
        application = create_app(settings.model_copy(update=overrides), migrate=False)
        application.state.fllc.passwords = Passwords(
            4, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        async with LifespanManager(application):
            yield application

    return build


@pytest.fixture
def client_of() -> ClientFactory:
    """`async with client_of(app, ip="10.0.0.7") as client:` — a client calling from that address."""

    @asynccontextmanager
    async def build(application: FastAPI, ip: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=application, client=(ip, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http

    return build
