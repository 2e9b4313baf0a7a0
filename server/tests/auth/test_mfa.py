"""Two-step sign-in (TOTP): set-up confirmed by a first code, recovery codes, the second step, codes
used once and throttled, trusted devices, the admin's reset, the per-role requirement's dry run."""

from __future__ import annotations

import base64
import time

import httpx
import pyotp
import pytest
from fllc_server.auth import mfa as mfa_module

PASSWORD = "correct-horse-9"
LOGIN = "/api/v1/auth/login"
VERIFY = "/api/v1/auth/mfa/verify"
T0 = 1_900_000_020.0  # the codes' clock, held still (a step starts here)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [T0]
    monkeypatch.setattr(mfa_module, "now", lambda: now[0])
    return now


async def _login(client: httpx.AsyncClient, username: str, **extra: object) -> dict:
    response = await client.post(LOGIN, json={"username": username, "password": PASSWORD, **extra})
    assert response.status_code == 200, response.text
    return response.json()


async def _enrolled(
    client: httpx.AsyncClient, make_user, role: str = "staff"
) -> tuple[dict, pyotp.TOTP, list[str]]:
    user = await make_user(role)
    tokens = await _login(client, user["username"])
    enrolment = await client.post("/api/v1/auth/mfa/enrol", headers=bearer(tokens["access_token"]))
    assert enrolment.status_code == 200, enrolment.text
    body = enrolment.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    assert body["qr_svg"].startswith("<svg")
    assert base64.b64decode(body["qr_png_base64"]).startswith(b"\x89PNG")
    totp = pyotp.TOTP(body["secret"])
    wrong = await client.post(
        "/api/v1/auth/mfa/confirm", json={"code": "000000"}, headers=bearer(tokens["access_token"])
    )
    assert wrong.status_code == 400
    confirm = await client.post(
        "/api/v1/auth/mfa/confirm", json={"code": totp.at(T0 - 30)}, headers=bearer(tokens["access_token"])
    )
    assert confirm.status_code == 200, confirm.text
    codes = confirm.json()["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    return user, totp, codes


async def test_sign_in_needs_the_second_step_once_enrolled(client, make_user, clock) -> None:
    user, totp, _codes = await _enrolled(client, make_user)
    first = await _login(client, user["username"])
    assert first["mfa_required"] is True
    assert "access_token" not in first
    challenge = first["challenge_token"]
    assert (
        await client.get("/api/v1/me", headers=bearer(challenge))
    ).status_code == 401  # not an access token

    tokens = await client.post(VERIFY, json={"challenge_token": challenge, "code": totp.at(T0)})
    assert tokens.status_code == 200, tokens.text
    assert (await client.get("/api/v1/me", headers=bearer(tokens.json()["access_token"]))).status_code == 200
    reused = await client.post(VERIFY, json={"challenge_token": challenge, "code": totp.at(T0 + 30)})
    assert reused.json()["error"]["code"] == "mfa_challenge_invalid"  # one sign-in per challenge

    replay = await client.post(
        VERIFY,
        json={
            "challenge_token": (await _login(client, user["username"]))["challenge_token"],
            "code": totp.at(T0),
        },
    )
    assert replay.status_code == 401  # the same code again, inside its window
    assert replay.json()["error"]["code"] == "mfa_code_invalid"
    older = await client.post(
        VERIFY,
        json={
            "challenge_token": (await _login(client, user["username"]))["challenge_token"],
            "code": totp.at(T0 - 30),
        },
    )
    assert older.status_code == 401  # an older step than the newest used
    newer = await client.post(
        VERIFY,
        json={
            "challenge_token": (await _login(client, user["username"]))["challenge_token"],
            "code": totp.at(T0 + 30),
        },
    )
    assert newer.status_code == 200, newer.text


async def test_recovery_codes_work_once_each(client, make_user, clock) -> None:
    user, _totp, codes = await _enrolled(client, make_user)
    for expected in (200, 401):
        challenge = (await _login(client, user["username"]))["challenge_token"]
        answer = await client.post(VERIFY, json={"challenge_token": challenge, "recovery_code": codes[0]})
        assert answer.status_code == expected, answer.text
    tokens = (
        await client.post(
            VERIFY,
            json={
                "challenge_token": (await _login(client, user["username"]))["challenge_token"],
                "recovery_code": codes[1],
            },
        )
    ).json()
    status = await client.get("/api/v1/auth/mfa", headers=bearer(tokens["access_token"]))
    assert status.json() == {"enrolled": True, "required": False, "recovery_codes_left": 8}


async def test_wrong_codes_are_throttled(client, make_user, clock) -> None:
    user, totp, _codes = await _enrolled(client, make_user)
    challenge = (await _login(client, user["username"]))["challenge_token"]
    answers = [
        (await client.post(VERIFY, json={"challenge_token": challenge, "code": "123456"})).status_code
        for _ in range(6)
    ]
    assert answers[:4] == [401] * 4
    assert 429 in answers
    right = await client.post(VERIFY, json={"challenge_token": challenge, "code": totp.at(T0)})
    assert right.status_code == 429  # even the right code waits: guessing stays bounded


async def test_a_trusted_device_skips_the_second_step(client, make_user, clock) -> None:
    user, totp, _codes = await _enrolled(client, make_user)
    challenge = (await _login(client, user["username"]))["challenge_token"]
    tokens = (
        await client.post(
            VERIFY, json={"challenge_token": challenge, "code": totp.at(T0), "trust_device": True}
        )
    ).json()
    device = tokens["device_token"]
    again = await _login(client, user["username"], device_token=device)
    assert "access_token" in again
    assert again["device_token"] == device
    elsewhere = await _login(client, user["username"])
    assert elsewhere["mfa_required"] is True  # another device is not trusted


async def test_an_admin_reset_is_audited_ends_sessions_and_trust(
    client, make_user, auth_headers, clock
) -> None:
    user, totp, _codes = await _enrolled(client, make_user)
    challenge = (await _login(client, user["username"]))["challenge_token"]
    tokens = (
        await client.post(
            VERIFY, json={"challenge_token": challenge, "code": totp.at(T0), "trust_device": True}
        )
    ).json()
    admin = await auth_headers("admin")
    staff = await auth_headers("staff")
    refused = await client.post(f"/api/v1/users/{user['id']}/mfa/reset", headers=staff)
    assert refused.status_code == 403
    reset = await client.post(f"/api/v1/users/{user['id']}/mfa/reset", headers=admin)
    assert reset.status_code == 200, reset.text
    assert (await client.get("/api/v1/me", headers=bearer(tokens["access_token"]))).status_code == 401
    plain = await _login(client, user["username"])
    assert "access_token" in plain  # password alone again
    log = await client.get("/api/v1/audit-log", params={"action": "user.mfa_reset"}, headers=admin)
    assert [e["entity_id"] for e in log.json()["data"]] == [str(user["id"])] or log.json()["data"][0][
        "entity_id"
    ] in (
        user["id"],
        str(user["id"]),
    )


async def test_the_role_requirement_asks_for_enrolment_and_its_dry_run_lists_who(
    client, make_user, auth_headers
) -> None:
    admin_user = await make_user("admin")
    staff_user = await make_user("staff")
    assert (await _login(client, admin_user["username"]))[
        "mfa_enrollment_required"
    ] is True  # default: admins
    assert (await _login(client, staff_user["username"]))["mfa_enrollment_required"] is False
    admin = await auth_headers("admin")
    preview = await client.post(
        "/api/v1/settings/mfa-preview", json={"mfa_required_roles": ["admin", "staff"]}, headers=admin
    )
    assert preview.status_code == 200, preview.text
    names = {u["username"] for u in preview.json()["must_enrol"]}
    assert {admin_user["username"], staff_user["username"]} <= names
    unchanged = await client.get("/api/v1/settings", headers=admin)
    assert unchanged.json()["mfa_required_roles"] == ["admin"]  # a dry run saves nothing
    saved = await client.patch(
        "/api/v1/settings", json={"mfa_required_roles": ["admin", "staff"]}, headers=admin
    )
    assert saved.status_code == 200, saved.text
    assert (await _login(client, staff_user["username"]))["mfa_enrollment_required"] is True


def test_codes_are_read_by_the_real_clock_by_default() -> None:
    assert abs(mfa_module.now() - time.time()) < 60


async def test_a_password_reset_ends_the_trust_of_devices(client, make_user, auth_headers, clock) -> None:
    user, totp, _codes = await _enrolled(client, make_user)
    challenge = (await _login(client, user["username"]))["challenge_token"]
    body = {"challenge_token": challenge, "code": totp.at(T0), "trust_device": True}
    device = (await client.post(VERIFY, json=body)).json()["device_token"]
    assert "access_token" in await _login(client, user["username"], device_token=device)
    admin = await auth_headers("admin")
    reset = await client.post(
        f"/api/v1/users/{user['id']}/password", json={"password": PASSWORD}, headers=admin
    )
    assert reset.status_code == 200
    assert (await _login(client, user["username"], device_token=device))["mfa_required"] is True
