from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints

from fllc_server.auth.permissions import permission_codes
from fllc_server.kit.schemas import RequestSchema, ResponseSchema
from fllc_server.users.schemas import UserOut

DeviceToken = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class LoginRequest(RequestSchema):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256, strip_whitespace=False)]
    device_token: DeviceToken | None = None  # from an earlier sign-in's answer, kept by the client


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
    device_token: str | None = None  # keep it and send it with every later sign-in of this user
    # the user's role requires two-step sign-in and they have not set it up: do it now
    mfa_enrollment_required: bool = False


class MfaChallenge(ResponseSchema):
    """The password was right; the second factor follows at POST /api/v1/auth/mfa/verify."""

    mfa_required: Literal[True] = True
    challenge_token: str
    expires_in: int


Code = Annotated[str, StringConstraints(min_length=6, max_length=16)]


class MfaVerify(RequestSchema):
    challenge_token: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    code: Code | None = None  # from the authenticator app
    recovery_code: Annotated[str, StringConstraints(min_length=10, max_length=16)] | None = None
    trust_device: bool = False  # skip the second step on this device for mfa_trust_days
    device_token: DeviceToken | None = None


class MfaConfirm(RequestSchema):
    code: Code


class MfaEnrolment(ResponseSchema):
    secret: str  # for typing into an authenticator by hand
    otpauth_uri: str
    qr_svg: str
    qr_png_base64: str


class MfaRecoveryCodes(ResponseSchema):
    recovery_codes: list[str]  # shown once: they are stored only as hashes


class MfaStatus(ResponseSchema):
    enrolled: bool
    required: bool
    recovery_codes_left: int
