"""Sessions that end take their access tokens with them at once (not when the tokens expire): after an
admin resets the password, after refresh-token reuse revokes the family, after a sign-out that
presented only the refresh token, after deactivation. Other sessions stay."""

from __future__ import annotations

import httpx

PASSWORD = "correct-horse-9"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/v1/me", headers=bearer(token))


def _revoked(response: httpx.Response) -> bool:
    return response.status_code == 401 and response.json()["error"]["code"] == "token_revoked"


async def test_a_password_reset_ends_the_users_access_tokens_at_once(
    client: httpx.AsyncClient, make_user, login, auth_headers
) -> None:
    user, bystander = await make_user("staff"), await make_user("staff")
    desk, phone = await login(user["username"]), await login(user["username"])
    rotated = (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": desk["refresh_token"]})
    ).json()
    other = await login(bystander["username"])
    for tokens in (desk, phone, rotated, other):
        assert (await _me(client, tokens["access_token"])).status_code == 200  # verified and cached

    reset = await client.post(
        f"/api/v1/users/{user['id']}/password",
        json={"password": "a-new-password-1"},
        headers=await auth_headers(),
    )
    assert reset.status_code == 200
    for tokens in (desk, phone, rotated):
        assert _revoked(await _me(client, tokens["access_token"]))
    assert (await _me(client, other["access_token"])).status_code == 200
    fresh = await login(user["username"], "a-new-password-1")
    assert (await _me(client, fresh["access_token"])).status_code == 200


async def test_refresh_token_reuse_ends_the_familys_access_tokens(app_with, client_of, make_user) -> None:
    user = await make_user("staff")
    async with app_with(refresh_grace_seconds=0) as app, client_of(app) as client:
        login = await client.post(
            "/api/v1/auth/login", json={"username": user["username"], "password": PASSWORD}
        )
        tokens = login.json()
        other = (
            await client.post("/api/v1/auth/login", json={"username": user["username"], "password": PASSWORD})
        ).json()
        successor = (
            await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        ).json()
        assert (await _me(client, successor["access_token"])).status_code == 200

        reused = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert reused.json()["error"]["code"] == "refresh_token_reused"
        assert _revoked(await _me(client, tokens["access_token"]))
        assert _revoked(await _me(client, successor["access_token"]))  # the thief's or the owner's
        assert (await _me(client, other["access_token"])).status_code == 200  # another family


async def test_a_sign_out_by_refresh_token_alone_ends_its_access_token(
    client: httpx.AsyncClient, make_user, login
) -> None:
    user = await make_user("staff")
    tokens, other = await login(user["username"]), await login(user["username"])
    assert (await _me(client, tokens["access_token"])).status_code == 200
    out = await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    assert _revoked(await _me(client, tokens["access_token"]))
    assert (await _me(client, other["access_token"])).status_code == 200


async def test_someone_elses_refresh_token_with_my_bearer_ends_nothing_of_theirs(
    client: httpx.AsyncClient, make_user, login
) -> None:
    alice, bob = await make_user("staff"), await make_user("staff")
    mine, theirs = await login(alice["username"]), await login(bob["username"])
    out = await client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": theirs["refresh_token"]},
        headers=bearer(mine["access_token"]),
    )
    assert out.status_code == 204
    assert (await _me(client, theirs["access_token"])).status_code == 200
    assert _revoked(await _me(client, mine["access_token"]))  # the caller's own bearer did end
