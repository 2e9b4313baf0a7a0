"""The few wire shapes the client reads into typed values; entities stay JSON objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fllc_desktop.api.errors import UnexpectedResponseError
from fllc_desktop.domain.permissions import Grants

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class CurrentUser:
    id: int
    username: str
    full_name: str
    email: str | None
    role: str
    is_active: bool
    grants: Grants

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> CurrentUser:
        try:
            return cls(
                id=wire["id"],
                username=str(wire["username"]),
                full_name=str(wire.get("full_name") or ""),
                email=wire.get("email"),
                role=str(wire["role"]),
                is_active=bool(wire.get("is_active", True)),
                grants=Grants.from_codes(wire.get("permissions") or []),
            )
        except (KeyError, TypeError) as exc:
            raise UnexpectedResponseError(f"user without {exc}") from exc


@dataclass(frozen=True, slots=True)
class AuthSession:
    access_token: str
    refresh_token: str
    expires_in: int
    user: CurrentUser
    mfa_enrollment_required: bool = False  # the role requires two-step sign-in: set it up now

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> AuthSession:
        try:
            return cls(
                access_token=str(wire["access_token"]),
                refresh_token=str(wire["refresh_token"]),
                expires_in=int(wire.get("expires_in") or 0),
                user=CurrentUser.from_wire(wire["user"]),
                mfa_enrollment_required=wire.get("mfa_enrollment_required") is True,
            )
        except (KeyError, TypeError) as exc:
            raise UnexpectedResponseError(f"login answer without {exc}") from exc


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: ``{"data": [...], "meta": {page, per_page, total, pages}}``."""

    items: list[JsonObject]
    page: int
    per_page: int
    total: int
    pages: int

    @classmethod
    def from_wire(cls, wire: Any) -> Page:
        if not isinstance(wire, dict) or not isinstance(wire.get("data"), list):
            raise UnexpectedResponseError("a list answer without data")
        meta = wire.get("meta") or {}
        items = wire["data"]
        return cls(
            items=items,
            page=int(meta.get("page", 1)),
            per_page=int(meta.get("per_page", len(items))),
            total=int(meta.get("total", len(items))),
            pages=int(meta.get("pages", 1)),
        )


@dataclass(frozen=True, slots=True)
class DeviceReport:
    """What a push says about its device (the admins' Devices view): app version, ops it still
    holds besides the batch, ops waiting for a person."""

    app_version: str
    pending: int = 0
    needs_attention: int = 0

    def to_wire(self) -> JsonObject:
        return {
            "app_version": self.app_version,
            "pending": self.pending,
            "needs_attention": self.needs_attention,
        }


@dataclass(frozen=True, slots=True)
class OpAnswer:
    """The server's answer for one pushed op."""

    op_id: str
    status: str  # applied | duplicate | rejected | conflict
    result: Any = None
    error: JsonObject | None = None
    current: JsonObject | None = None

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> OpAnswer:
        error = wire.get("error")
        if isinstance(error, str):
            error = {"code": error, "message": error}
        return cls(
            op_id=str(wire["op_id"]),
            status=str(wire["status"]),
            result=wire.get("result"),
            error=error if isinstance(error, dict) else None,
            current=wire.get("current") if isinstance(wire.get("current"), dict) else None,
        )


@dataclass(frozen=True, slots=True)
class Change:
    """One catalog change from the server's change feed, in server sequence order."""

    seq: int
    entity: str  # product | category | supplier | location | purchase_order | purchase_order_line
    entity_id: Any
    deleted: bool
    data: JsonObject = field(default_factory=dict)

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> Change:
        op = str(wire.get("op") or wire.get("action") or "upsert")
        data = wire.get("data") or {}
        entity_id = wire.get("entity_id", wire.get("id", data.get("id")))
        return cls(
            seq=int(wire["seq"]),
            entity=str(wire.get("entity") or wire.get("entity_type") or wire.get("type")),
            entity_id=entity_id,
            deleted=bool(wire.get("deleted")) or op in {"delete", "deleted", "tombstone"},
            data=dict(data),
        )


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    changes: list[Change]
    cursor: int | None
    has_more: bool

    @classmethod
    def from_wire(cls, wire: Any, *, since: int | None, limit: int) -> ChangeBatch:
        if not isinstance(wire, dict):
            raise UnexpectedResponseError("a change feed answer that is not an object")
        raw = wire.get("changes", wire.get("data"))
        if not isinstance(raw, list):
            raise UnexpectedResponseError("a change feed answer without changes")
        try:
            changes = [Change.from_wire(item) for item in raw]
        except (KeyError, TypeError, ValueError) as exc:
            raise UnexpectedResponseError(f"a change without {exc}") from exc
        return cls(changes, _cursor_of(wire, changes, since), _has_more(wire, changes, limit))


def _cursor_of(wire: JsonObject, changes: list[Change], since: int | None) -> int | None:
    meta = wire.get("meta")
    sources: list[JsonObject] = [wire, meta] if isinstance(meta, dict) else [wire]
    for source in sources:
        for key in ("cursor", "next_since", "last_seq", "seq"):
            if isinstance(source.get(key), int):
                return int(source[key])
    return max((c.seq for c in changes), default=since)


def _has_more(wire: JsonObject, changes: list[Change], limit: int) -> bool:
    if isinstance(wire.get("has_more"), bool):
        return bool(wire["has_more"])
    return len(changes) >= limit


@dataclass(frozen=True, slots=True)
class MfaEnrolment:
    """A new TOTP secret to put into an authenticator: as text, URI and QR code (PNG bytes)."""

    secret: str
    otpauth_uri: str
    qr_png: bytes

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> MfaEnrolment:
        import base64

        try:
            return cls(
                secret=str(wire["secret"]),
                otpauth_uri=str(wire["otpauth_uri"]),
                qr_png=base64.b64decode(str(wire["qr_png_base64"])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise UnexpectedResponseError(f"MFA set-up answer without {exc}") from exc
