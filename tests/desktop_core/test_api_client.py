"""Unit tests of the API client's error mapping and token handling.

These run the client against ``httpx.MockTransport``: they check how each HTTP answer is translated
at the client's one boundary, not the server. End-to-end tests against a real server process live
with the GUI tests.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import keyring
import keyring.backend
import keyring.errors
import pytest

from fllc_desktop.api import (
    ApiClient,
    ApiError,
    ConflictError,
    ForbiddenError,
    GoneError,
    NotFoundError,
    OfflineError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    ValidationError,
)
from fllc_desktop.api.auth import token_claims
from fllc_desktop.api.errors import parse_retry_after
from fllc_desktop.api.tokens import MEMORY_ONLY_NOTICE, RefreshTokenVault, Tokens, TokenStore
from fllc_desktop.domain.commands import Command, CommandKind
from fllc_desktop.domain.permissions import Permission

SERVER = "http://warehouse.test"
Handler = Callable[[httpx.Request], httpx.Response]


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise keyring.errors.PasswordDeleteError(username)
        del self.entries[(service, username)]


class BrokenKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringError("no D-Bus session")

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringError("no D-Bus session")


def error_body(code: str, message: str, details: list[object] | None = None) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def user_wire(username: str = "sam", permissions: list[str] | None = None) -> dict[str, object]:
    return {
        "id": 7,
        "username": username,
        "full_name": "Sam Stock",
        "email": "sam@example.com",
        "role": "staff",
        "is_active": True,
        "created_at": "2024-01-01T00:00:00Z",
        "permissions": permissions if permissions is not None else ["products.view", "stock.intake"],
    }


def session_wire(access: str, refresh: str) -> dict[str, object]:
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": 900,
        "user": user_wire(),
    }


def make_client(handler: Handler, backend: keyring.backend.KeyringBackend | None = None) -> ApiClient:
    return ApiClient.for_server(
        SERVER, keyring_backend=backend or MemoryKeyring(), transport=httpx.MockTransport(handler)
    )


def answering(status: int, body: object = None, headers: dict[str, str] | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body, headers=headers)

    return handler


# ------------------------------------------------------------------ error mapping


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, UnauthorizedError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (410, GoneError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
    ],
)
def test_each_error_status_becomes_its_typed_error(status: int, expected: type[ApiError]) -> None:
    client = make_client(answering(status, error_body("some_code", "Something precise")))
    with pytest.raises(expected) as caught:
        client.products.get(1)
    assert caught.value.status == status
    assert caught.value.code == "some_code"
    assert caught.value.message == "Something precise"
    assert caught.value.title


def test_all_errors_share_one_base_with_a_title_and_message() -> None:
    for cls in (OfflineError, UnauthorizedError, ForbiddenError, NotFoundError, ServerError):
        error = cls("why")
        assert isinstance(error, ApiError)
        assert error.title
        assert error.message == "why"


def test_validation_error_carries_the_details_per_field() -> None:
    details = [
        {"field": "sku", "message": "already used"},
        {"field": "price", "message": "must be positive"},
        {"loc": ["body", "reorder_point"], "msg": "not a number"},
    ]
    client = make_client(answering(400, error_body("validation_error", "Invalid product", details)))
    with pytest.raises(ValidationError) as caught:
        client.products.create({"sku": "X"})
    assert caught.value.field_errors == {
        "sku": ["already used"],
        "price": ["must be positive"],
        "reorder_point": ["not a number"],
    }


def test_conflict_carries_the_servers_current_entity() -> None:
    current = {"id": 3, "name": "Bolt M6", "version": 5}
    client = make_client(answering(409, error_body("conflict", "Changed", [{"current": current}])))
    with pytest.raises(ConflictError) as caught:
        client.products.update(3, {"name": "Bolt"}, version=4)
    assert caught.value.current == current


def test_rate_limited_carries_retry_after_seconds() -> None:
    client = make_client(answering(429, error_body("rate_limited", "Slow down"), {"Retry-After": "17"}))
    with pytest.raises(RateLimitedError) as caught:
        client.products.list()
    assert caught.value.retry_after == 17.0
    assert caught.value.retryable


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 01 May 2024 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after(None) > 0
    assert parse_retry_after("soon") > 0


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("cut")],
)
def test_connection_failures_become_offline_error(failure: httpx.TransportError) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    client = make_client(handler)
    with pytest.raises(OfflineError) as caught:
        client.products.list()
    assert caught.value.retryable


def test_a_body_that_is_not_the_error_shape_still_maps_by_status() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>Bad gateway</html>")

    with pytest.raises(ServerError) as caught:
        make_client(handler).products.list()
    assert "502" in caught.value.message


# ------------------------------------------------------------------ requests on the wire


def test_list_sends_filters_and_reads_the_envelope() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"data": [{"id": 1}], "meta": {"page": 2, "per_page": 1, "total": 9, "pages": 9}}
        return httpx.Response(200, json=body)

    page = make_client(handler).products.list(q="bolt", low_stock=True, sort="-name", page=2, per_page=1)
    params = seen[0].url.params
    assert params["q"] == "bolt"
    assert params["below_reorder"] == "true"
    assert params["sort"] == "-name"
    assert "category_id" not in params
    assert (page.items, page.page, page.total, page.pages) == ([{"id": 1}], 2, 9, 9)


def test_writes_carry_an_idempotency_key_and_commands_use_their_op_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": 1})

    client = make_client(handler)
    command = Command.new(CommandKind.STOCK_INTAKE, {"product_id": 4, "quantity": 12})
    client.commands.send(command)
    client.stock.adjust({"product_id": 4, "quantity": -1, "reason": "damaged"})
    assert seen[0].url.path == "/api/v1/stock/intake"
    assert seen[0].headers["Idempotency-Key"] == str(command.op_id)
    assert json.loads(seen[0].content) == {"product_id": 4, "quantity": 12}
    assert seen[1].url.path == "/api/v1/stock/adjustments"
    assert seen[1].headers["Idempotency-Key"]


def test_product_update_sends_its_base_version() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": 3, "version": 5})

    make_client(handler).products.update(3, {"name": "Bolt"}, version=4)
    assert seen[0].method == "PATCH"
    assert json.loads(seen[0].content) == {"name": "Bolt", "version": 4}


def test_a_product_update_command_sent_online_carries_its_base_version() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": 3, "version": 5})

    command = Command.new(CommandKind.PRODUCT_UPDATE, {"product_id": 3, "price": "2.50"}, base_version=4)
    make_client(handler).commands.send(command)
    assert seen[0].url.path == "/api/v1/products/3"
    assert json.loads(seen[0].content) == {"price": "2.50", "version": 4}


def test_user_administration_uses_the_servers_routes() -> None:
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        return httpx.Response(200, json={"id": 5})

    client = make_client(handler)
    client.users.change_role(5, "manager")
    client.users.deactivate(5)
    client.users.reset_password(5, "a long new password")
    assert seen == [
        ("PUT", "/api/v1/users/5/role"),
        ("POST", "/api/v1/users/5/deactivate"),
        ("POST", "/api/v1/users/5/password"),
    ]


def test_push_reads_per_op_answers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        ops = json.loads(request.content)["ops"]
        results = [{"op_id": op["op_id"], "status": "applied", "result": {"ok": 1}} for op in ops]
        results[-1] = {"op_id": ops[-1]["op_id"], "status": "rejected", "error": {"code": "forbidden"}}
        return httpx.Response(200, json={"results": results})

    commands = [Command.new(CommandKind.STOCK_INTAKE, {"product_id": i, "quantity": 1}) for i in (1, 2)]
    answers = make_client(handler).sync.push("tablet-1", commands)
    assert [a.status for a in answers] == ["applied", "rejected"]
    assert answers[1].error == {"code": "forbidden"}


def test_changes_reads_the_feed_and_410_is_gone() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["since"] == "1":
            return httpx.Response(410, json=error_body("cursor_expired", "Too old"))
        changes = [
            {"seq": 5, "entity": "product", "op": "upsert", "data": {"id": 1, "sku": "A"}},
            {"seq": 6, "entity": "product", "op": "delete", "id": 2},
        ]
        return httpx.Response(200, json={"changes": changes, "has_more": False})

    client = make_client(handler)
    batch = client.sync.changes(since=4, limit=100)
    assert batch.cursor == 6
    assert not batch.has_more
    assert [(c.entity_id, c.deleted) for c in batch.changes] == [(1, False), (2, True)]
    with pytest.raises(GoneError):
        client.sync.changes(since=1, limit=100)


# ------------------------------------------------------------------ sign-in and tokens


class AuthServer:
    """A scripted server: access tokens expire when told to; refresh rotates tokens."""

    def __init__(self) -> None:
        self.valid_access = "access-1"
        self.valid_refresh = "refresh-1"
        self.refreshes = 0
        self.revoked: list[str] = []
        self.lock = threading.Lock()

    def expire_access(self) -> None:
        self.valid_access = "nobody-has-this"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/auth/login":
            return httpx.Response(200, json=session_wire(self.valid_access, self.valid_refresh))
        if path == "/api/v1/auth/refresh":
            return self._refresh(json.loads(request.content)["refresh_token"])
        if path == "/api/v1/auth/logout":
            self.revoked.append(json.loads(request.content)["refresh_token"])
            return httpx.Response(204)
        if request.headers.get("Authorization") != f"Bearer {self.valid_access}":
            return httpx.Response(401, json=error_body("unauthorized", "Token expired"))
        return httpx.Response(200, json=user_wire())

    def _refresh(self, token: str) -> httpx.Response:
        with self.lock:
            if token != self.valid_refresh:
                return httpx.Response(401, json=error_body("unauthorized", "Refresh token revoked"))
            self.refreshes += 1
            self.valid_access = f"access-{self.refreshes + 1}"
            self.valid_refresh = f"refresh-{self.refreshes + 1}"
            return httpx.Response(200, json=session_wire(self.valid_access, self.valid_refresh))


def test_login_keeps_the_refresh_token_in_the_keyring_per_server_and_user() -> None:
    backend = MemoryKeyring()
    client = make_client(AuthServer(), backend)
    session = client.auth.login("sam", "secret")
    assert session.user.grants.allows(Permission.STOCK_INTAKE)
    assert not session.user.grants.allows(Permission.USERS_MANAGE)
    assert backend.entries == {(f"fllc-warehouse:{SERVER}", "sam"): "refresh-1"}


def test_an_expired_access_token_is_refreshed_silently_once() -> None:
    server = AuthServer()
    client = make_client(server)
    client.auth.login("sam", "secret")
    server.expire_access()
    assert client.auth.me().username == "sam"
    assert server.refreshes == 1
    assert client.tokens.tokens == Tokens("access-2", "refresh-2")


def test_concurrent_401s_refresh_only_once() -> None:
    server = AuthServer()
    client = make_client(server)
    client.auth.login("sam", "secret")
    server.expire_access()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            client.auth.me()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert server.refreshes == 1


def test_a_refused_refresh_signs_out_with_unauthorized() -> None:
    server = AuthServer()
    backend = MemoryKeyring()
    client = make_client(server, backend)
    client.auth.login("sam", "secret")
    server.expire_access()
    server.valid_refresh = "revoked-elsewhere"
    with pytest.raises(UnauthorizedError, match="expired"):
        client.auth.me()
    assert client.tokens.tokens is None
    assert backend.entries == {}


def test_resume_uses_the_remembered_refresh_token() -> None:
    server = AuthServer()
    backend = MemoryKeyring()
    make_client(server, backend).auth.login("sam", "secret")
    fresh_start = make_client(server, backend)
    session = fresh_start.auth.resume("sam")
    assert session is not None
    assert session.user.username == "sam"
    assert fresh_start.auth.resume("someone-else") is None


def test_logout_revokes_on_the_server_and_forgets_the_keyring_entry() -> None:
    server = AuthServer()
    backend = MemoryKeyring()
    client = make_client(server, backend)
    client.auth.login("sam", "secret")
    assert client.auth.logout() is True
    assert server.revoked == ["refresh-1"]
    assert backend.entries == {}
    assert client.tokens.tokens is None


def test_logout_while_offline_still_signs_out_locally() -> None:
    server = AuthServer()
    backend = MemoryKeyring()
    client = make_client(server, backend)
    client.auth.login("sam", "secret")
    client.connection._http._transport = httpx.MockTransport(_refuse)  # the network goes away
    assert client.auth.logout() is False
    assert backend.entries == {}


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused")


def test_without_a_working_keyring_the_token_stays_in_memory_and_we_say_so_once() -> None:
    notices: list[str] = []
    vault = RefreshTokenVault(SERVER, backend=BrokenKeyring(), on_memory_only=notices.append)
    store = TokenStore(vault)
    store.keep("sam", Tokens("a", "r1"))
    store.keep("sam", Tokens("a", "r2"))
    assert store.remembered_refresh_token("sam") == "r2"
    assert notices == [MEMORY_ONLY_NOTICE]
    assert vault.remembers_sessions is False


def test_a_plain_text_keyring_backend_is_refused() -> None:
    class PlaintextKeyring(MemoryKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    backend = PlaintextKeyring()
    notices: list[str] = []
    vault = RefreshTokenVault(SERVER, backend=backend, on_memory_only=notices.append)
    vault.save("sam", "secret-refresh")
    assert backend.entries == {}
    assert len(notices) == 1


def test_token_claims_are_read_without_trusting_them() -> None:
    import jwt

    token = jwt.encode({"sub": "7", "role": "manager"}, "k" * 32, algorithm="HS256")
    assert token_claims(token)["role"] == "manager"
    assert token_claims("not-a-token") == {}


def test_keyrings_chainer_never_writes_to_a_plain_file_member(monkeypatch: pytest.MonkeyPatch) -> None:
    """With keyrings.alt installed and no Secret Service, ``keyring`` picks its chainer (priority 10
    whenever two backends are viable), whose members are plain files: still refused."""
    from keyring.backends.chainer import ChainerBackend

    class PlaintextKeyring(MemoryKeyring):
        priority = 0.5  # type: ignore[assignment]

    class EncryptedKeyring(MemoryKeyring):  # a file too: its password would have to be asked for
        priority = 0.6  # type: ignore[assignment]

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    EncryptedKeyring.__module__ = "keyrings.alt.file"
    installed = [PlaintextKeyring(), EncryptedKeyring()]
    monkeypatch.setattr(keyring.backend, "get_all_keyring", lambda: installed)
    chainer = ChainerBackend()
    assert ChainerBackend.priority == 10  # what keyring.get_keyring() would pick
    monkeypatch.setattr(keyring, "get_keyring", lambda: chainer)
    notices: list[str] = []
    store = TokenStore(RefreshTokenVault(SERVER, on_memory_only=notices.append))
    store.keep("sam", Tokens("a", "secret-refresh"))
    assert [member.entries for member in installed] == [{}, {}]
    assert store.remembered_refresh_token("sam") == "secret-refresh"  # in memory, for this run
    assert notices == [MEMORY_ONLY_NOTICE]


def test_keyrings_chainer_uses_its_secure_member(monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends.chainer import ChainerBackend

    class PlaintextKeyring(MemoryKeyring):
        priority = 0.5  # type: ignore[assignment]

    class SecretServiceKeyring(MemoryKeyring):
        priority = 5  # type: ignore[assignment]

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    SecretServiceKeyring.__module__ = "keyring.backends.SecretService"
    plain, secret = PlaintextKeyring(), SecretServiceKeyring()
    monkeypatch.setattr(keyring.backend, "get_all_keyring", lambda: [plain, secret])
    monkeypatch.setattr(keyring, "get_keyring", ChainerBackend)
    store = TokenStore(RefreshTokenVault(SERVER))
    store.keep("sam", Tokens("a", "secret-refresh"))
    assert plain.entries == {}
    assert list(secret.entries.values()) == ["secret-refresh"]


def test_the_device_token_is_kept_per_user_sent_with_each_sign_in_and_outlives_sign_out() -> None:
    """The server's known-device token (what lets the owner past a throttle an attacker caused)."""
    sent: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/logout":
            return httpx.Response(204)
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={**session_wire("access-1", "refresh-1"), "device_token": "dev-1"})

    backend = MemoryKeyring()
    client = make_client(handler, backend)
    client.auth.login("sam", "secret")
    client.auth.logout()
    make_client(handler, backend).auth.login("sam", "secret")
    assert "device_token" not in sent[0]
    assert sent[1]["device_token"] == "dev-1"
    assert backend.entries[(f"fllc-warehouse:{SERVER}", "sam#device")] == "dev-1"
