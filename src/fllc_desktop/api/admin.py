"""Users and system settings (admin screens)."""

from __future__ import annotations

from fllc_desktop.api.connection import ServerConnection
from fllc_desktop.api.models import JsonObject, Page

USERS = "/api/v1/users"
SETTINGS = "/api/v1/settings"


class UsersApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def list(self, *, q: str | None = None, page: int = 1, per_page: int = 50) -> Page:
        params = {"q": q, "page": page, "per_page": per_page}
        return Page.from_wire(self._connection.call("GET", USERS, params=params))

    def create(self, fields: JsonObject) -> JsonObject:
        """``{username, full_name, email, role, password}``"""
        return dict(self._connection.call("POST", USERS, json=fields))

    def change_role(self, user_id: int, role: str) -> JsonObject:
        return dict(self._connection.call("PUT", f"{USERS}/{user_id}/role", json={"role": role}))

    def deactivate(self, user_id: int) -> JsonObject:
        return dict(self._connection.call("POST", f"{USERS}/{user_id}/deactivate"))

    def update(self, user_id: int, changes: JsonObject) -> JsonObject:
        """``{full_name?, email?}``"""
        return dict(self._connection.call("PATCH", f"{USERS}/{user_id}", json=changes))

    def reset_password(self, user_id: int, password: str) -> JsonObject:
        """Set a new password; the server ends the user's sessions."""
        return dict(self._connection.call("POST", f"{USERS}/{user_id}/password", json={"password": password}))

    def reset_mfa(self, user_id: int) -> JsonObject:
        """Turn off the user's two-step sign-in (audited); their sessions end."""
        return dict(self._connection.call("POST", f"{USERS}/{user_id}/mfa/reset"))


class SettingsApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def get(self) -> JsonObject:
        return dict(self._connection.call("GET", SETTINGS))

    def put(self, settings: JsonObject) -> JsonObject:
        return dict(self._connection.call("PUT", SETTINGS, json=settings))
