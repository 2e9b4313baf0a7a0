"""People who sign in, and their refresh-token families."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CHAR, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fllc_server.models.base import Base, BigId, IdMixin, TimestampMixin, utcnow


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)


class RefreshToken(IdMixin, Base):
    """An opaque refresh token, stored as its SHA-256; each use rotates it within its family."""

    __tablename__ = "refresh_tokens"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(CHAR(32), index=True)
    token_hash: Mapped[str] = mapped_column(CHAR(64), unique=True)
    parent_id: Mapped[int | None] = mapped_column(BigId, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    rotated_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class KnownDevice(IdMixin, Base):
    """A device a user signed in from: an opaque token (stored as its SHA-256) the client keeps and
    sends with each sign-in. It lets its owner past the account-wide sign-in throttle (an attacker
    elsewhere cannot lock them out) and, while `mfa_trusted_until` lasts, past the second factor."""

    __tablename__ = "known_devices"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(CHAR(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    mfa_trusted_until: Mapped[dt.datetime | None] = mapped_column(default=None)


class MfaCredential(IdMixin, Base):
    """A user's TOTP secret (RFC 6238). Unconfirmed until the user proves it with a first code;
    `last_step` is the newest time step accepted, so a code is never accepted twice."""

    __tablename__ = "mfa_credentials"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)


class MfaRecoveryCode(IdMixin, Base):
    """One single-use recovery code, stored as its SHA-256 (shown to the user once)."""

    __tablename__ = "mfa_recovery_codes"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(CHAR(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(default=None)
