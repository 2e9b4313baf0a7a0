"""The last-admin rule holds when two admins demote or deactivate each other at the same moment."""

from __future__ import annotations

import asyncio

import httpx
import pytest

USERS = "/api/v1/users"


async def _admin(make_user, login) -> tuple[int, dict[str, str]]:
    user = await make_user("admin")
    tokens = await login(str(user["username"]))
    return int(str(user["id"])), {"Authorization": f"Bearer {tokens['access_token']}"}


async def _active_admins(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    page = await client.get(USERS, params={"role": "admin", "active": "true"}, headers=headers)
    total: int = page.json()["meta"]["total"]
    return total


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/{id}/role", {"role": "manager"}),
        ("POST", "/{id}/deactivate", None),
        ("PATCH", "/{id}", {"is_active": False}),
        ("PATCH", "/{id}", {"role": "viewer"}),
    ],
)
async def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    client: httpx.AsyncClient, make_user, login, method: str, path: str, body: object
) -> None:
    survivor = await _admin(make_user, login)
    for _ in range(5):  # the race was lost 3 times out of 5: run it several times
        (first, first_headers), (second, second_headers) = survivor, await _admin(make_user, login)
        answers = await asyncio.gather(
            client.request(method, USERS + path.format(id=second), json=body, headers=first_headers),
            client.request(method, USERS + path.format(id=first), json=body, headers=second_headers),
        )
        statuses = sorted(a.status_code for a in answers)
        # the loser is refused as the last admin, or (demoted first) no longer allowed to ask
        assert statuses in ([200, 409], [200, 401], [200, 403]), [a.text for a in answers]
        refused = next(a for a in answers if a.status_code != 200)
        if refused.status_code == 409:
            assert refused.json()["error"]["code"] == "last_admin"
        survivor = (first, first_headers) if answers[0].status_code == 200 else (second, second_headers)
        assert await _active_admins(client, survivor[1]) == 1
