"""The app starts on each backend and answers the basic routes."""

import httpx


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_login_and_me(client: httpx.AsyncClient, make_user, login) -> None:
    user = await make_user("manager")
    tokens = await login(user["username"])
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "manager"
    assert "purchase_orders.create" in body["permissions"]
    assert "users.manage" not in body["permissions"]
