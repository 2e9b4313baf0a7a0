"""Two refreshes of the same token at the same moment (a client retrying on a flaky network) both
get the one successor; neither sees a server error."""

from __future__ import annotations

import asyncio

import httpx


async def test_simultaneous_refreshes_get_the_same_successor(
    client: httpx.AsyncClient, make_user, login
) -> None:
    user = await make_user("staff")
    tokens = await login(user["username"])
    body = {"refresh_token": tokens["refresh_token"]}
    answers = await asyncio.gather(*(client.post("/api/v1/auth/refresh", json=body) for _ in range(4)))
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    assert len({a.json()["refresh_token"] for a in answers}) == 1
    successor = answers[0].json()["refresh_token"]
    assert (await client.post("/api/v1/auth/refresh", json={"refresh_token": successor})).status_code == 200
