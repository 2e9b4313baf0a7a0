"""Refresh-token rotation, the grace window, reuse detection and sign-out."""

from __future__ import annotations

import httpx

REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
PASSWORD = "correct-horse-9"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(REFRESH, json={"refresh_token": token})


async def _login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200
    body: dict[str, str] = response.json()
    return body


async def test_refresh_rotates_the_token_and_the_successor_works(
    client: httpx.AsyncClient, make_user, login
) -> None:
    user = await make_user("staff")
    tokens = await login(user["username"])
    rotated = await _refresh(client, tokens["refresh_token"])
    assert rotated.status_code == 200
    body = rotated.json()
    assert body["refresh_token"] != tokens["refresh_token"]
    assert body["user"]["id"] == user["id"]
    assert (await client.get("/api/v1/me", headers=bearer(body["access_token"]))).status_code == 200
    again = await _refresh(client, body["refresh_token"])
    assert again.status_code == 200
    assert again.json()["refresh_token"] not in (body["refresh_token"], tokens["refresh_token"])


async def test_a_repeat_within_the_grace_window_returns_the_same_successor(
    client: httpx.AsyncClient, make_user, login
) -> None:
    """A client killed before saving the rotated token retries with the old one and is not logged out."""
    user = await make_user("staff")
    tokens = await login(user["username"])
    first = await _refresh(client, tokens["refresh_token"])
    repeat = await _refresh(client, tokens["refresh_token"])
    assert first.status_code == repeat.status_code == 200
    assert repeat.json()["refresh_token"] == first.json()["refresh_token"]
    assert (await _refresh(client, first.json()["refresh_token"])).status_code == 200


async def test_reuse_after_the_grace_window_revokes_the_whole_family(app_with, client_of, make_user) -> None:
    user = await make_user("staff")
    async with app_with(refresh_grace_seconds=0) as app, client_of(app) as client:
        tokens = await _login(client, user["username"])
        successor = (await _refresh(client, tokens["refresh_token"])).json()["refresh_token"]

        reused = await _refresh(client, tokens["refresh_token"])
        assert reused.status_code == 401
        assert reused.json()["error"]["code"] == "refresh_token_reused"
        stolen = await _refresh(client, successor)
        assert stolen.status_code == 401
        assert stolen.json()["error"]["code"] == "invalid_refresh_token"

        other_session = await _login(client, user["username"])  # another family is untouched
        assert (await _refresh(client, other_session["refresh_token"])).status_code == 200


async def test_repeating_a_token_whose_successor_was_already_used_counts_as_reuse(
    client: httpx.AsyncClient, make_user, login
) -> None:
    user = await make_user("staff")
    tokens = await login(user["username"])
    second = (await _refresh(client, tokens["refresh_token"])).json()["refresh_token"]
    third = (await _refresh(client, second)).json()["refresh_token"]
    reused = await _refresh(client, tokens["refresh_token"])
    assert reused.status_code == 401
    assert (await _refresh(client, third)).status_code == 401


async def test_unknown_and_malformed_refresh_tokens_are_401(client: httpx.AsyncClient) -> None:
    response = await _refresh(client, "not-a-token")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_refresh_token"
    assert (await client.post(REFRESH, json={"refresh_token": ""})).status_code == 400


async def test_logout_revokes_the_family_and_the_access_token(
    client: httpx.AsyncClient, make_user, login
) -> None:
    user = await make_user("staff")
    tokens = await login(user["username"])
    successor = (await _refresh(client, tokens["refresh_token"])).json()
    out = await client.post(
        LOGOUT, json={"refresh_token": successor["refresh_token"]}, headers=bearer(successor["access_token"])
    )
    assert out.status_code == 204
    me = await client.get("/api/v1/me", headers=bearer(successor["access_token"]))
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "token_revoked"
    assert (await _refresh(client, successor["refresh_token"])).status_code == 401
    assert (await _refresh(client, tokens["refresh_token"])).status_code == 401
    # idempotent: a second sign-out of the same session is still 204
    again = await client.post(LOGOUT, json={"refresh_token": successor["refresh_token"]})
    assert again.status_code == 204


async def test_logout_leaves_other_sessions_alone(client: httpx.AsyncClient, make_user, login) -> None:
    user = await make_user("staff")
    phone, desk = await login(user["username"]), await login(user["username"])
    out = await client.post(
        LOGOUT, json={"refresh_token": phone["refresh_token"]}, headers=bearer(phone["access_token"])
    )
    assert out.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(desk["access_token"]))).status_code == 200
    assert (await _refresh(client, desk["refresh_token"])).status_code == 200


async def test_a_user_cannot_log_out_someone_elses_session(
    client: httpx.AsyncClient, make_user, login
) -> None:
    alice, bob = await make_user("staff"), await make_user("staff")
    alice_tokens, bob_tokens = await login(alice["username"]), await login(bob["username"])
    out = await client.post(
        LOGOUT,
        json={"refresh_token": bob_tokens["refresh_token"]},
        headers=bearer(alice_tokens["access_token"]),
    )
    assert out.status_code == 204
    assert (await _refresh(client, bob_tokens["refresh_token"])).status_code == 200


async def test_a_password_reset_ends_the_users_refresh_sessions(
    client: httpx.AsyncClient, make_user, login, auth_headers
) -> None:
    user = await make_user("staff")
    tokens = await login(user["username"])
    admin = await auth_headers("admin")
    reset = await client.post(
        f"/api/v1/users/{user['id']}/password", json={"password": "a-new-password-1"}, headers=admin
    )
    assert reset.status_code == 200
    assert (await _refresh(client, tokens["refresh_token"])).status_code == 401
    assert (await login(user["username"], "a-new-password-1"))["access_token"]
