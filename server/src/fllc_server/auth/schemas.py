from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints

from fllc_server.auth.permissions import permission_codes
from fllc_server.kit.schemas import RequestSchema, ResponseSchema
from fllc_server.users.schemas import UserOut


class LoginRequest(RequestSchema):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256, strip_whitespace=False)]


class RefreshRequest(RequestSchema):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class Me(UserOut):
    permissions: list[str]

    @classmethod
    def of(cls, user: object) -> Me:
        """From a User row or a Principal: the user's fields and their role's permission codes."""
        fields = UserOut.model_validate(user).model_dump()
        return cls(**fields, permissions=permission_codes(fields["role"]))


class TokenPair(ResponseSchema):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 — the OAuth token type, not a secret
    expires_in: int
    user: Me
