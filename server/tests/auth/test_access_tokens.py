"""Access-token verification pins the algorithm and every claim: each forgery is a 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest
from fllc_server.config import Settings

ME = "/api/v1/me"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(claims: dict[str, Any], key: str, alg: str = "HS256", header: dict[str, Any] | None = None) -> str:
    """A JWT built by hand, so that any header (alg none, RS256...) can be paired with any signature."""
    head = _b64(json.dumps({"alg": alg, "typ": "JWT", **(header or {})}).encode())
    body = _b64(json.dumps(claims).encode())
    signing_input = f"{head}.{body}".encode()
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512, "RS256": hashlib.sha256}.get(alg)
    signature = b"" if digest is None else hmac.new(key.encode(), signing_input, digest).digest()
    return f"{head}.{body}.{_b64(signature)}"


@pytest.fixture
async def staff(make_user, login) -> dict[str, Any]:
    user = await make_user("staff")
    tokens = await login(user["username"])
    return {**user, "tokens": tokens}


def valid_claims(settings: Settings, user_id: object, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "role": "staff",
        "perms": ["products.view", "stock.intake"],
        "jti": "f" * 32,
        "typ": "access",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(ME, headers={"Authorization": f"Bearer {token}"})


async def test_a_hand_forged_token_with_the_right_key_is_accepted(
    client: httpx.AsyncClient, settings: Settings, staff
) -> None:
    """The control: the forging helper itself makes valid tokens, so each rejection below is real."""
    token = forge(valid_claims(settings, staff["id"]), settings.secret_key or "")
    assert (await _me(client, token)).status_code == 200


CASES = {
    "alg none": lambda s, uid: forge(valid_claims(s, uid), "", alg="none"),
    "alg None spelled oddly": lambda s, uid: forge(valid_claims(s, uid), "", alg="nOnE"),
    "RS256 header, HMAC signature": lambda s, uid: forge(valid_claims(s, uid), s.secret_key, alg="RS256"),
    "HS512 with the right key": lambda s, uid: forge(valid_claims(s, uid), s.secret_key, alg="HS512"),
    "another key": lambda s, uid: forge(valid_claims(s, uid), "another-secret-" + "y" * 40),
    "expired": lambda s, uid: forge(
        valid_claims(
            s, uid, iat=int(time.time()) - 3600, nbf=int(time.time()) - 3600, exp=int(time.time()) - 600
        ),
        s.secret_key,
    ),
    "not yet valid": lambda s, uid: forge(valid_claims(s, uid, nbf=int(time.time()) + 600), s.secret_key),
    "wrong audience": lambda s, uid: forge(valid_claims(s, uid, aud="someone-else"), s.secret_key),
    "wrong issuer": lambda s, uid: forge(valid_claims(s, uid, iss="evil"), s.secret_key),
    "refresh typ": lambda s, uid: forge(valid_claims(s, uid, typ="refresh"), s.secret_key),
    "no typ": lambda s, uid: forge(valid_claims(s, uid, typ=None), s.secret_key),
    "no exp": lambda s, uid: forge(valid_claims(s, uid, exp=None), s.secret_key),
    "no sub": lambda s, uid: forge(valid_claims(s, uid, sub=None), s.secret_key),
    "no jti": lambda s, uid: forge(valid_claims(s, uid, jti=None), s.secret_key),
    "no aud": lambda s, uid: forge(valid_claims(s, uid, aud=None), s.secret_key),
    "no iss": lambda s, uid: forge(valid_claims(s, uid, iss=None), s.secret_key),
    "sub not a number": lambda s, uid: forge(valid_claims(s, uid, sub="admin"), s.secret_key),
    "sub of nobody": lambda s, uid: forge(valid_claims(s, 987654), s.secret_key),
    "garbage": lambda s, uid: "not.a.jwt",
    "empty signature": lambda s, uid: forge(valid_claims(s, uid), s.secret_key).rsplit(".", 1)[0] + ".",
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_forged_access_tokens_are_rejected(
    client: httpx.AsyncClient, settings: Settings, staff, case: str
) -> None:
    token = CASES[case](settings, staff["id"])
    response = await _me(client, token)
    assert response.status_code == 401, case
    assert response.json()["error"]["code"] in {"invalid_token", "token_expired", "account_inactive"}
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_a_tampered_payload_is_rejected(client: httpx.AsyncClient, staff) -> None:
    head, body, signature = staff["tokens"]["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["role"] = "admin"
    claims["sub"] = "1"
    tampered = f"{head}.{_b64(json.dumps(claims).encode())}.{signature}"
    assert (await _me(client, tampered)).status_code == 401


async def test_the_refresh_token_is_not_an_access_token(client: httpx.AsyncClient, staff) -> None:
    assert (await _me(client, staff["tokens"]["refresh_token"])).status_code == 401


async def test_missing_or_non_bearer_authorization_is_401(client: httpx.AsyncClient, staff) -> None:
    assert (await client.get(ME)).status_code == 401
    basic = await client.get(ME, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401
    assert basic.json()["error"]["code"] == "unauthorized"


async def test_role_claims_in_the_token_are_not_trusted(
    client: httpx.AsyncClient, settings: Settings, staff
) -> None:
    """The token says admin, the database says staff: the database wins."""
    token = forge(
        valid_claims(settings, staff["id"], role="admin", perms=["users.manage"]), settings.secret_key or ""
    )
    assert (await _me(client, token)).json()["role"] == "staff"
    users = await client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"})
    assert users.status_code == 403
