"""Argon2id parameters, constant-work verification, and the upgrade of old hashes at sign-in."""

from __future__ import annotations

import httpx
from argon2 import PasswordHasher
from fastapi import FastAPI
from fllc_server.auth.passwords import Passwords
from fllc_server.models import User

PASSWORD = "correct-horse-9"


async def test_hashes_are_argon2id_with_the_chosen_parameters() -> None:
    passwords = Passwords(1)
    hashed = await passwords.hash("pallet-jack-42")
    assert hashed.startswith("$argon2id$v=19$m=47104,t=2,p=1$")
    assert await passwords.verify(hashed, "pallet-jack-42")
    assert not await passwords.verify(hashed, "pallet-jack-43")
    assert not await passwords.verify("not-a-hash", "pallet-jack-42")
    assert not await passwords.verify(None, "pallet-jack-42")  # unknown user: same work, no match


async def test_a_hash_with_old_parameters_is_upgraded_at_sign_in(
    app: FastAPI, client: httpx.AsyncClient, make_user
) -> None:
    user = await make_user("staff")
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=2).hash(PASSWORD)
    async with app.state.fllc.db.transaction() as session:
        (await session.get(User, user["id"])).password_hash = old
    credentials = {"username": user["username"], "password": PASSWORD}
    response = await client.post("/api/v1/auth/login", json=credentials)
    assert response.status_code == 200
    async with app.state.fllc.db.sessions() as session:
        upgraded = (await session.get(User, user["id"])).password_hash
    assert upgraded != old
    assert "m=1024,t=1,p=1" in upgraded  # the app's current (test) parameters
    again = await client.post("/api/v1/auth/login", json=credentials)
    assert again.status_code == 200
