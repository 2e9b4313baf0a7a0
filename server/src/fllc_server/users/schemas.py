from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import EmailStr, Field, StringConstraints

from fllc_server.auth.permissions import Role
from fllc_server.kit.schemas import RequestSchema, ResponseSchema

Username = Annotated[str, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")]
# Spaces are part of a password: never stripped (sign-in does not strip them either).
Password = Annotated[str, StringConstraints(min_length=8, max_length=256, strip_whitespace=False)]
FullName = Annotated[str, StringConstraints(max_length=200)]


class UserOut(ResponseSchema):
    id: int
    username: str
    full_name: str
    email: str | None
    role: Role
    is_active: bool
    created_at: dt.datetime


class UserCreate(RequestSchema):
    username: Username
    password: Password
    role: Role
    full_name: FullName = ""
    email: EmailStr | None = None


class UserUpdate(RequestSchema):
    """What an admin may change on an account (role and activity have their own rules)."""

    full_name: FullName | None = None
    email: EmailStr | None = None
    role: Role | None = None
    is_active: bool | None = None


class RoleChange(RequestSchema):
    role: Role


class PasswordReset(RequestSchema):
    password: Password = Field(description="The new password (never logged)")
