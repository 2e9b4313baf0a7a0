"""The sign-in throttle slows the attacker, not the account's owner: failures from other addresses do
not hold back the owner at their own address until a far higher bar, and never hold back a known
device (the device token of an earlier successful sign-in)."""

from __future__ import annotations

import httpx

PASSWORD = "correct-horse-9"
LOGIN = "/api/v1/auth/login"


async def _fail(http: httpx.AsyncClient, username: str) -> httpx.Response:
    return await http.post(LOGIN, json={"username": username, "password": "wrong-password"})


async def test_ten_failures_from_two_addresses_do_not_lock_out_the_admin(
    app_with, client_of, make_user
) -> None:
    admin = await make_user("admin")
    async with app_with() as app:
        for ip in ("203.0.113.1", "203.0.113.2"):
            async with client_of(app, ip) as attacker:
                for _ in range(5):
                    assert (await _fail(attacker, admin["username"])).status_code == 401
                assert (await _fail(attacker, admin["username"])).status_code == 429  # the attacker is slowed
        async with client_of(app, "198.51.100.7") as owner:
            ok = await owner.post(LOGIN, json={"username": admin["username"], "password": PASSWORD})
        assert ok.status_code == 200, ok.text


async def test_past_the_account_wide_bar_a_known_device_still_gets_in(app_with, client_of, make_user) -> None:
    admin, other = await make_user("admin"), await make_user("staff")
    async with app_with(login_failures_per_account=8) as app:
        async with client_of(app, "198.51.100.7") as owner:
            first = await owner.post(LOGIN, json={"username": admin["username"], "password": PASSWORD})
            device = first.json()["device_token"]
            others = await owner.post(LOGIN, json={"username": other["username"], "password": PASSWORD})
        assert device
        assert others.json()["device_token"] != device
        for n in range(4):  # many addresses, two failures each: the account-wide bar is reached
            async with client_of(app, f"203.0.113.{n + 1}") as attacker:
                for _ in range(2):
                    await _fail(attacker, admin["username"])
        async with client_of(app, "198.51.100.7") as owner:
            without = await owner.post(LOGIN, json={"username": admin["username"], "password": PASSWORD})
            foreign = await owner.post(
                LOGIN,
                json={
                    "username": admin["username"],
                    "password": PASSWORD,
                    "device_token": others.json()["device_token"],
                },
            )
            known = await owner.post(
                LOGIN, json={"username": admin["username"], "password": PASSWORD, "device_token": device}
            )
        assert without.status_code == 429
        assert foreign.status_code == 429  # another user's device is no way in
        assert known.status_code == 200, known.text
        assert known.json()["device_token"] == device


async def test_a_known_device_guessing_is_throttled_on_its_own(app_with, client_of, make_user) -> None:
    user = await make_user("staff")
    async with app_with() as app, client_of(app, "198.51.100.9") as http:
        device = (await http.post(LOGIN, json={"username": user["username"], "password": PASSWORD})).json()[
            "device_token"
        ]
        body = {"username": user["username"], "password": "wrong", "device_token": device}
        for _ in range(5):
            assert (await http.post(LOGIN, json=body)).status_code == 401
        assert (await http.post(LOGIN, json=body)).status_code == 429
        # the device's failures are its own: the same address without it is not held back
        assert (
            await http.post(LOGIN, json={"username": user["username"], "password": PASSWORD})
        ).status_code == 200
