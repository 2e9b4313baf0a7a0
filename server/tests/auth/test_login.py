"""Signing in: the token pair, one answer for every bad credential, inactive accounts, throttling."""

from __future__ import annotations

import httpx
import jwt
from fllc_server.config import Settings

PASSWORD = "correct-horse-9"
LOGIN = "/api/v1/auth/login"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_login_returns_an_access_jwt_a_refresh_token_and_the_user(
    client: httpx.AsyncClient, make_user, settings: Settings
) -> None:
    user = await make_user("staff")
    response = await client.post(LOGIN, json={"username": user["username"], "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert 0 < body["expires_in"] <= 15 * 60
    assert body["refresh_token"]
    assert body["refresh_token"] != body["access_token"]
    assert body["user"]["username"] == user["username"]
    assert body["user"]["permissions"] == ["products.view", "stock.intake"]
    assert "password" not in body["user"]
    assert "password_hash" not in body["user"]
    claims = jwt.decode(
        body["access_token"],
        settings.secret_key,
        algorithms=["HS256"],
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
    )
    assert claims["sub"] == str(user["id"])
    assert claims["role"] == "staff"
    assert claims["perms"] == ["products.view", "stock.intake"]
    assert claims["exp"] - claims["iat"] <= 15 * 60
    assert claims["jti"]
    me = await client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == user["id"]


async def test_each_login_gets_its_own_token_identifiers(client: httpx.AsyncClient, make_user, login) -> None:
    user = await make_user("viewer")
    first, second = await login(user["username"]), await login(user["username"])
    assert first["refresh_token"] != second["refresh_token"]
    decode = {"options": {"verify_signature": False}}
    assert (
        jwt.decode(first["access_token"], **decode)["jti"]
        != jwt.decode(second["access_token"], **decode)["jti"]
    )


async def test_wrong_password_and_unknown_user_get_the_same_answer(
    client: httpx.AsyncClient, make_user
) -> None:
    user = await make_user("staff")
    wrong = await client.post(LOGIN, json={"username": user["username"], "password": "nope-nope-1"})
    unknown = await client.post(LOGIN, json={"username": "nobody-here", "password": "nope-nope-1"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"


async def test_login_body_is_validated(client: httpx.AsyncClient) -> None:
    for body in (
        {"username": "a"},
        {"username": "", "password": "x"},
        {"username": "a", "password": 5},
        {"username": "a", "password": "x", "role": "admin"},
    ):
        response = await client.post(LOGIN, json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "validation_error"


async def test_a_deactivated_user_cannot_log_in_and_their_access_token_stops_at_once(
    client: httpx.AsyncClient, make_user, login, auth_headers
) -> None:
    user = await make_user("staff")
    tokens = await login(user["username"])
    assert (await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))).status_code == 200

    admin = await auth_headers("admin")
    deactivated = await client.post(f"/api/v1/users/{user['id']}/deactivate", headers=admin)
    assert deactivated.status_code == 200

    me = await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "account_inactive"
    again = await client.post(LOGIN, json={"username": user["username"], "password": PASSWORD})
    assert again.status_code == 401
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401


async def test_an_inactive_account_cannot_refresh_even_with_a_live_refresh_token(
    client: httpx.AsyncClient, app, make_user, login
) -> None:
    """Deactivation revokes refresh tokens; the refresh path also checks the account itself."""
    from fllc_server.models import User

    user = await make_user("staff")
    tokens = await login(user["username"])
    async with app.state.fllc.db.transaction() as session:
        account = await session.get(User, user["id"])
        account.is_active = False
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    assert refreshed.json()["error"]["code"] == "account_inactive"


async def test_a_role_change_takes_effect_on_the_next_request(
    client: httpx.AsyncClient, make_user, login, auth_headers
) -> None:
    user = await make_user("manager")
    tokens = await login(user["username"])
    admin = await auth_headers("admin")
    changed = await client.put(f"/api/v1/users/{user['id']}/role", json={"role": "viewer"}, headers=admin)
    assert changed.status_code == 200
    me = await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    assert me.json()["role"] == "viewer"
    assert me.json()["permissions"] == ["products.view"]


# -- throttling -------------------------------------------------------------------------------------


async def _fail(client: httpx.AsyncClient, username: str) -> httpx.Response:
    return await client.post(LOGIN, json={"username": username, "password": "wrong-password"})


async def test_five_failures_for_one_account_from_one_ip_are_throttled_with_retry_after(
    app_with, client_of, make_user
) -> None:
    user = await make_user("staff")
    async with app_with(login_lockout_seconds=30) as app, client_of(app, "10.0.0.1") as attacker:
        for _ in range(5):
            assert (await _fail(attacker, user["username"])).status_code == 401
        blocked = await attacker.post(LOGIN, json={"username": user["username"], "password": PASSWORD})
        assert blocked.status_code == 429
        assert blocked.json()["error"]["code"] == "login_throttled"
        assert 1 <= int(blocked.headers["Retry-After"]) <= 30

        async with client_of(app, "10.0.0.2") as owner:
            response = await owner.post(LOGIN, json={"username": user["username"], "password": PASSWORD})
            assert response.status_code == 200


async def test_a_successful_login_clears_the_account_ip_failures(app_with, client_of, make_user) -> None:
    user = await make_user("staff")
    async with app_with() as app, client_of(app, "10.0.0.3") as http:
        for _ in range(4):
            await _fail(http, user["username"])
        ok = await http.post(LOGIN, json={"username": user["username"], "password": PASSWORD})
        assert ok.status_code == 200
        for _ in range(4):
            assert (await _fail(http, user["username"])).status_code == 401


async def test_failures_from_many_ips_throttle_the_account_for_the_short_window(
    app_with, client_of, make_user
) -> None:
    user = await make_user("staff")
    async with app_with(login_failures_per_account=6, login_lockout_seconds=20) as app:
        for ip in ("10.0.1.1", "10.0.1.2", "10.0.1.3"):
            async with client_of(app, ip) as http:
                for _ in range(2):
                    assert (await _fail(http, user["username"])).status_code == 401
        async with client_of(app, "10.0.1.9") as http:
            blocked = await http.post(LOGIN, json={"username": user["username"], "password": PASSWORD})
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) <= 20


async def test_failures_on_one_account_do_not_throttle_another(app_with, client_of, make_user) -> None:
    victim, other = await make_user("staff"), await make_user("staff")
    async with app_with() as app, client_of(app, "10.0.2.1") as http:
        for _ in range(5):
            await _fail(http, victim["username"])
        ok = await http.post(LOGIN, json={"username": other["username"], "password": PASSWORD})
        assert ok.status_code == 200
