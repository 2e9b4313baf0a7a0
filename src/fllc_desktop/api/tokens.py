"""Where the session's tokens live.

The access token stays in memory. The refresh token is remembered through ``keyring`` (the OS
keyring: Secret Service, macOS Keychain, Windows Credential Locker), one entry per server and user.
When no keyring backend works (a headless box) the session still works but is not remembered: the
token stays in memory and the user is told once. A plain-text file is never used, so plain-file
backends such as ``keyrings.alt`` are refused even when installed — also when ``keyring`` picks its
chainer (it does whenever two backends are installed), whose first member may be such a file.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keyring
import keyring.backend
import keyring.errors

log = logging.getLogger(__name__)

SERVICE_PREFIX = "fllc-warehouse"
DEVICE_SUFFIX = "#device"  # the keyring entry of a user's device token beside their refresh token
_REFUSED_BACKEND_MODULES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")

MEMORY_ONLY_NOTICE = (
    "No system keyring is available, so this session will not be remembered: "
    "you will be asked to sign in again next time."
)


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str


class RefreshTokenVault:
    """The refresh token of each user of one server, kept in the OS keyring."""

    def __init__(
        self,
        server_url: str,
        *,
        backend: keyring.backend.KeyringBackend | None = None,
        on_memory_only: Callable[[str], None] | None = None,
    ) -> None:
        self.service = f"{SERVICE_PREFIX}:{server_url.rstrip('/')}"
        self._backend = backend
        self._on_memory_only = on_memory_only
        self._memory: dict[str, str] = {}
        self._memory_only = False
        self._lock = threading.Lock()

    @property
    def remembers_sessions(self) -> bool:
        """False once the keyring has failed: tokens are then kept for this run only."""
        return not self._memory_only

    def save(self, username: str, refresh_token: str) -> None:
        with self._lock:
            self._memory[username] = refresh_token
            self._with_keyring(lambda kr: kr.set_password(self.service, username, refresh_token))

    def load(self, username: str) -> str | None:
        with self._lock:
            stored = self._with_keyring(lambda kr: kr.get_password(self.service, username))
            return stored if isinstance(stored, str) else self._memory.get(username)

    def save_device(self, username: str, device_token: str) -> None:
        """This device's sign-in token for the user (kept across sign-outs: it is what lets the
        user past the server's throttle when someone else is guessing their password)."""
        self.save(username + DEVICE_SUFFIX, device_token)

    def load_device(self, username: str) -> str | None:
        return self.load(username + DEVICE_SUFFIX)

    def forget(self, username: str) -> None:
        with self._lock:
            self._memory.pop(username, None)
            self._with_keyring(lambda kr: _delete_quietly(kr, self.service, username))

    def _with_keyring(self, action: Callable[[keyring.backend.KeyringBackend], Any]) -> Any:
        if self._memory_only:
            return None
        backend, refused = _secure(self._backend or keyring.get_keyring())
        if backend is None:
            self._fall_back_to_memory(refused)
            return None
        try:
            return action(backend)
        except Exception as exc:  # any backend can fail in its own way (D-Bus, locked collection)
            self._fall_back_to_memory(f"{type(exc).__name__}: {exc}")
            return None

    def _fall_back_to_memory(self, reason: str) -> None:
        self._memory_only = True
        log.warning("keyring unusable (%s); keeping the refresh token in memory only", reason)
        if self._on_memory_only is not None:
            self._on_memory_only(MEMORY_ONLY_NOTICE)


def _secure(backend: keyring.backend.KeyringBackend) -> tuple[keyring.backend.KeyringBackend | None, str]:
    """The backend to use, or None and why not. A chainer (``keyring``'s pick whenever several
    backends are installed) is replaced by its first member that is a secure store, so a token is
    never written to a plain-file member such as ``keyrings.alt``'s."""
    members = getattr(backend, "backends", None)
    if members is None:
        refused = _refusal(backend)
        return (None, refused) if refused else (backend, "")
    secure = [member for member in members if not _refusal(member)]
    if secure:
        return secure[0], ""
    names = ", ".join(type(member).__module__ for member in members)
    return None, f"no secure keyring backend among: {names}" if names else "no keyring backend found"


def _refusal(backend: keyring.backend.KeyringBackend) -> str | None:
    module = type(backend).__module__
    if module.startswith(_REFUSED_BACKEND_MODULES):
        return f"backend {module} is not a secure store"
    return None


def _delete_quietly(backend: keyring.backend.KeyringBackend, service: str, username: str) -> None:
    with contextlib.suppress(keyring.errors.PasswordDeleteError):
        backend.delete_password(service, username)


class TokenStore:
    """The signed-in user's tokens, shared by worker threads."""

    def __init__(self, vault: RefreshTokenVault) -> None:
        self.vault = vault
        self._lock = threading.Lock()
        self._tokens: Tokens | None = None
        self._username: str | None = None

    @property
    def tokens(self) -> Tokens | None:
        with self._lock:
            return self._tokens

    @property
    def username(self) -> str | None:
        with self._lock:
            return self._username

    def keep(self, username: str, tokens: Tokens) -> None:
        with self._lock:
            self._tokens, self._username = tokens, username
        self.vault.save(username, tokens.refresh_token)

    def remembered_refresh_token(self, username: str) -> str | None:
        return self.vault.load(username)

    def clear(self) -> None:
        """Sign-out: drop the tokens here and the remembered refresh token in the keyring."""
        with self._lock:
            username, self._tokens, self._username = self._username, None, None
        if username is not None:
            self.vault.forget(username)
