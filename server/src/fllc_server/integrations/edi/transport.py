"""How files travel to and from a trading partner: one base, one class per way (a local folder pair,
SFTP). Every call goes through OutsideCalls (a timeout and a circuit breaker per partner), so a
partner's server that hangs costs its timeout and then fails fast.

Files are written under a temporary name and renamed when complete, so the other side never picks
up half a file. AS2 is out of scope (docs/edi.md)."""

from __future__ import annotations

import asyncio
import os
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import asyncssh

from fllc_server.integrations.edi.schemas import PartnerSettings, TransportKind

if TYPE_CHECKING:
    from fllc_server.infra.outside import OutsideCalls

T = TypeVar("T")
PART = ".part"
SFTP_SECONDS = 30.0
MAX_FILE_BYTES = 64 * 1024 * 1024


def wanted(name: str) -> bool:
    """Files to pick up: not hidden, not one being written."""
    return not name.startswith(".") and not name.endswith(PART)


class Transport(ABC):
    def __init__(self, partner: str, outside: OutsideCalls) -> None:
        self.partner = partner
        self.outside = outside

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        return await self.outside.call(self.partner, make, seconds=SFTP_SECONDS)

    @abstractmethod
    async def put(self, name: str, data: bytes) -> None:
        """Drop a file for the partner (a second put of the same name replaces it)."""

    @abstractmethod
    async def listing(self) -> list[str]:
        """The names of the partner's files waiting for us, oldest name first."""

    @abstractmethod
    async def fetch(self, name: str) -> bytes: ...

    @abstractmethod
    async def remove(self, name: str) -> None:
        """Take a picked-up file away (once the inbox holds it)."""


class FolderTransport(Transport):
    def __init__(self, partner: str, outside: OutsideCalls, drop: str, pickup: str) -> None:
        super().__init__(partner, outside)
        self.drop = Path(drop)
        self.pickup = Path(pickup)

    async def put(self, name: str, data: bytes) -> None:
        def write() -> None:
            self.drop.mkdir(parents=True, exist_ok=True)
            part = self.drop / (name + PART)
            part.write_bytes(data)
            os.replace(part, self.drop / name)

        await self._call(lambda: asyncio.to_thread(write))

    async def listing(self) -> list[str]:
        def names() -> list[str]:
            if not self.pickup.is_dir():
                return []
            return sorted(p.name for p in self.pickup.iterdir() if p.is_file() and wanted(p.name))

        return await self._call(lambda: asyncio.to_thread(names))

    async def fetch(self, name: str) -> bytes:
        return await self._call(lambda: asyncio.to_thread((self.pickup / name).read_bytes))

    async def remove(self, name: str) -> None:
        await self._call(lambda: asyncio.to_thread((self.pickup / name).unlink, missing_ok=True))


class SftpTransport(Transport):
    """asyncssh with a key pair; the server's host key must be the one configured (no trust on
    first use). One connection per call: polls are a minute apart."""

    def __init__(self, partner: str, outside: OutsideCalls, settings: PartnerSettings) -> None:
        super().__init__(partner, outside)
        assert settings.sftp_host
        assert settings.sftp_user
        assert settings.sftp_private_key
        assert settings.sftp_host_key
        self.host = settings.sftp_host
        self.port = settings.sftp_port
        self.user = settings.sftp_user
        self.key = asyncssh.import_private_key(settings.sftp_private_key)
        self.host_key = asyncssh.import_public_key(settings.sftp_host_key)
        self.drop = settings.drop_path.rstrip("/") or "/"
        self.pickup = settings.pickup_path.rstrip("/") or "/"

    def _connect(self) -> asyncssh.connection._ConnectionContextManager:  # type: ignore[name-defined]
        return asyncssh.connect(
            self.host,
            self.port,
            username=self.user,
            client_keys=[self.key],
            known_hosts=([self.host_key], [], []),
            agent_path=None,
            config=[],
            connect_timeout=SFTP_SECONDS,
        )

    async def _with_sftp(self, work: Callable[[asyncssh.SFTPClient], Awaitable[T]]) -> T:
        async def run() -> T:
            async with self._connect() as connection, connection.start_sftp_client() as sftp:
                return await work(sftp)

        return await self._call(run)

    async def put(self, name: str, data: bytes) -> None:
        async def upload(sftp: asyncssh.SFTPClient) -> None:
            final, part = f"{self.drop}/{name}", f"{self.drop}/{name}{PART}"
            async with sftp.open(part, "wb") as remote:
                await remote.write(data)
            await sftp.posix_rename(part, final)

        await self._with_sftp(upload)

    async def listing(self) -> list[str]:
        async def names(sftp: asyncssh.SFTPClient) -> list[str]:
            entries = await sftp.readdir(self.pickup)
            return sorted(
                str(e.filename)
                for e in entries
                if wanted(str(e.filename)) and e.attrs.type == asyncssh.FILEXFER_TYPE_REGULAR
            )

        return await self._with_sftp(names)

    async def fetch(self, name: str) -> bytes:
        async def download(sftp: asyncssh.SFTPClient) -> bytes:
            async with sftp.open(f"{self.pickup}/{name}", "rb") as remote:
                data = await remote.read(MAX_FILE_BYTES)
            return data if isinstance(data, bytes) else data.encode("latin-1")

        return await self._with_sftp(download)

    async def remove(self, name: str) -> None:
        async def delete(sftp: asyncssh.SFTPClient) -> None:
            await sftp.remove(f"{self.pickup}/{name}")

        await self._with_sftp(delete)


def transport_for(partner_id: int, settings: PartnerSettings, outside: OutsideCalls) -> Transport:
    name = f"edi:{partner_id}"
    if settings.transport is TransportKind.SFTP:
        return SftpTransport(name, outside, settings)
    return FolderTransport(name, outside, settings.drop_path, settings.pickup_path)
