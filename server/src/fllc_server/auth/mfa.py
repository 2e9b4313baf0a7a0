"""Multi-factor sign-in: TOTP (RFC 6238, pyotp) enrolment confirmed by a first code, ten single-use
recovery codes (stored hashed, shown once), the second step of a sign-in, and an admin's reset.

Rules:
- a code is accepted once: each accepted time step is stored (`last_step`) and only a newer step is
  accepted after it, by one conditional UPDATE (two simultaneous uses of one code: one wins);
- wrong codes are throttled per user (like passwords, per account and per challenge);
- a recovery code is used up by one conditional UPDATE;
- a device the user chose to trust skips the second step until `mfa_trusted_until`
  (`mfa_trust_days`, at most 30); a reset of the user's MFA ends that trust and their sessions.

Requiring MFA for a role (setting `mfa_required_roles`, default admins) takes effect as enrolment at
the next sign-in: a user of such a role without MFA still signs in with their password, and the
answer says `mfa_enrollment_required` - the desktop then opens the enrolment dialog, and from the
first confirmed code on that user always needs the second factor. Nobody is locked out by turning
it on (so the demo admin and test users sign in as before); the dry run lists who must enrol.
Integrations' API keys (auth.api_keys) never sign in interactively, so they are not subject to MFA.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import secrets
import time
from collections.abc import Sequence

import pyotp
import qrcode
import qrcode.image.pure
import qrcode.image.svg
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.infra.cache import Cache
from fllc_server.infra.ratelimit import RateLimiter
from fllc_server.kit.errors import BadRequest, Conflict, RateLimited, Unauthorized
from fllc_server.models import MfaCredential, MfaRecoveryCode, User, utcnow

ISSUER = "FLLC Warehouse"
RECOVERY_CODES = 10
STEP_SECONDS = 30
VALID_WINDOW = 1  # a code of the previous or next time step is accepted too (clock drift)
CODE_FAILURES = "5/300 second"  # wrong codes per user before the second step is throttled
CONSUMED_PREFIX = "auth:mfa-challenge-used:"


def now() -> float:
    """The clock the codes are read by (a function, so that tests can hold it still)."""
    return time.time()


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def new_recovery_code() -> str:
    raw = secrets.token_hex(5)  # 40 bits each; ten of them, each usable once
    return f"{raw[:5]}-{raw[5:]}"


def qr_images(uri: str) -> tuple[str, str]:
    """The enrolment URI as a QR code: (SVG text, PNG as base64)."""
    svg = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")
    png = io.BytesIO()
    qrcode.make(uri, image_factory=qrcode.image.pure.PyPNGImage, box_size=8).save(png)
    return str(svg), base64.b64encode(png.getvalue()).decode()


class MfaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def credential(self, user_id: int) -> MfaCredential | None:
        return await self.session.scalar(select(MfaCredential).where(MfaCredential.user_id == user_id))

    async def confirmed(self, user_id: int) -> MfaCredential | None:
        return await self.session.scalar(
            select(MfaCredential).where(
                MfaCredential.user_id == user_id, MfaCredential.confirmed_at.is_not(None)
            )
        )

    async def enrolled_user_ids(self, user_ids: Sequence[int]) -> set[int]:
        rows = await self.session.scalars(
            select(MfaCredential.user_id).where(
                MfaCredential.user_id.in_(user_ids), MfaCredential.confirmed_at.is_not(None)
            )
        )
        return set(rows)

    async def claim_step(self, credential_id: int, step: int) -> bool:
        """Record `step` as used unless it (or a newer one) was used: atomic on both databases."""
        result = await self.session.execute(
            update(MfaCredential)
            .where(MfaCredential.id == credential_id, MfaCredential.last_step < step)
            .values(last_step=step)
        )
        return bool(getattr(result, "rowcount", 0))

    async def use_recovery_code(self, user_id: int, code: str) -> bool:
        result = await self.session.execute(
            update(MfaRecoveryCode)
            .where(
                MfaRecoveryCode.user_id == user_id,
                MfaRecoveryCode.code_hash == _hash(code),
                MfaRecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
        )
        return bool(getattr(result, "rowcount", 0))

    async def recovery_codes_left(self, user_id: int) -> int:
        rows = await self.session.scalars(
            select(MfaRecoveryCode.id).where(
                MfaRecoveryCode.user_id == user_id, MfaRecoveryCode.used_at.is_(None)
            )
        )
        return len(list(rows))

    async def replace_recovery_codes(self, user_id: int, codes: Sequence[str]) -> None:
        await self.session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user_id))
        self.session.add_all(MfaRecoveryCode(user_id=user_id, code_hash=_hash(code)) for code in codes)
        await self.session.flush()

    async def remove(self, user_id: int) -> bool:
        gone = await self.session.execute(delete(MfaCredential).where(MfaCredential.user_id == user_id))
        await self.session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user_id))
        return bool(getattr(gone, "rowcount", 0))


class Mfa:
    """The rules above, in the request's transaction."""

    def __init__(self, session: AsyncSession, cache: Cache, limiter: RateLimiter) -> None:
        self.session = session
        self.cache = cache  # the challenge tokens used already
        self.limiter = limiter  # wrong codes per user
        self.repo = MfaRepository(session)

    async def begin_enrolment(self, user: User | int, username: str) -> tuple[str, str]:
        """A new, unconfirmed secret (replacing an unconfirmed one): (secret, otpauth URI)."""
        user_id = user if isinstance(user, int) else user.id
        existing = await self.repo.credential(user_id)
        if existing is not None and existing.confirmed_at is not None:
            raise Conflict(
                "Two-step sign-in is already set up; an admin can reset it", code="mfa_already_enrolled"
            )
        secret = pyotp.random_base32()
        if existing is None:
            self.session.add(MfaCredential(user_id=user_id, secret=secret, last_step=0))
        else:
            existing.secret, existing.last_step, existing.created_at = secret, 0, utcnow()
        await self.session.flush()
        return secret, pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)

    async def confirm_enrolment(self, user_id: int, code: str) -> list[str]:
        """The first code proves the authenticator holds the secret: MFA is on, and the ten
        recovery codes are made (returned once, kept only as hashes)."""
        credential = await self.repo.credential(user_id)
        if credential is None or credential.confirmed_at is not None:
            raise Conflict("Start the set-up first", code="mfa_not_enrolling")
        await self._throttle(user_id)
        if not await self._accept_code(credential, code):
            await self._failed(user_id)
            raise BadRequest(
                "That code is not right; try the current one",
                code="mfa_code_invalid",
                details=[{"field": "code", "message": "not the authenticator's current code"}],
            )
        credential.confirmed_at = utcnow()
        codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
        await self.repo.replace_recovery_codes(user_id, codes)
        await audit.record(
            self.session, actor_id=user_id, action="user.mfa_enrol", entity_type="user", entity_id=user_id
        )
        return codes

    async def check_second_factor(self, user_id: int, code: str | None, recovery_code: str | None) -> str:
        """Accept a TOTP code or a recovery code of the user (each once); returns which."""
        credential = await self.repo.confirmed(user_id)
        if credential is None:
            raise Unauthorized("Two-step sign-in is not set up for this account", code="mfa_not_enrolled")
        await self._throttle(user_id)
        if code is not None and await self._accept_code(credential, code):
            return "totp"
        if recovery_code is not None and await self.repo.use_recovery_code(user_id, recovery_code):
            return "recovery_code"
        await self._failed(user_id)
        raise Unauthorized("That code is not right, or it was used already", code="mfa_code_invalid")

    async def ensure_unused(self, jti: str) -> None:
        """A challenge token opens one sign-in: once used, it is refused."""
        if await self.cache.get(CONSUMED_PREFIX + jti) is not None:
            raise Unauthorized(
                "This sign-in step was used already: sign in again", code="mfa_challenge_invalid"
            )

    async def mark_used(self, jti: str, expires_at: int) -> None:
        await self.cache.set(CONSUMED_PREFIX + jti, b"1", max(1, expires_at - int(time.time()) + 10))

    async def _accept_code(self, credential: MfaCredential, code: str) -> bool:
        code = code.strip().replace(" ", "")
        if not (code.isdigit() and len(code) == 6):
            return False
        totp = pyotp.TOTP(credential.secret)
        now_step = int(now()) // STEP_SECONDS
        for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
            if secrets.compare_digest(totp.at(step * STEP_SECONDS), code):
                # used once: this step, or one after it, must not have been accepted already
                if step > credential.last_step and await self.repo.claim_step(credential.id, step):
                    credential.last_step = step
                    return True
                return False
        return False

    async def _throttle(self, user_id: int) -> None:
        verdict = await self.limiter.test(CODE_FAILURES, "mfa", str(user_id))
        if not verdict.allowed:
            raise RateLimited(
                f"Too many wrong codes; try again in {verdict.retry_after} s",
                verdict.retry_after,
                code="mfa_throttled",
            )

    async def _failed(self, user_id: int) -> None:
        await self.limiter.hit(CODE_FAILURES, "mfa", str(user_id))


def trusted_until(trust_days: int) -> dt.datetime:
    """Until when a device trusted now skips the code (`mfa_trust_days` from now)."""
    return utcnow() + dt.timedelta(days=trust_days)
