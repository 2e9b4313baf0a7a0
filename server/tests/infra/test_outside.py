"""infra.outside: timeouts and circuit breakers for calls to partners, against real TCP servers on
loopback: one that accepts and never answers (a hung SMTP or POS host), one that greets at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from fllc_server.infra.outside import OutsideCalls, PartnerTimeout, PartnerUnavailable
from fllc_server.kit.errors import NotFound


@dataclass
class Partner:
    port: int
    connections: int = 0
    answering: bool = True


async def _serve(partner: Partner) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        partner.connections += 1
        if partner.answering:
            writer.write(b"220 partner ready\r\n")
            await writer.drain()
        else:
            await reader.read()  # hangs until the caller gives up and closes
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


@pytest.fixture
async def partners() -> AsyncIterator[tuple[Partner, Partner]]:
    dead, alive = Partner(0, answering=False), Partner(0)
    servers = []
    for partner in (dead, alive):
        server = await _serve(partner)
        partner.port = server.sockets[0].getsockname()[1]
        servers.append(server)
    yield dead, alive
    for server in servers:
        server.close()


async def greeting(partner: Partner) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", partner.port)
    try:
        return await reader.readline()
    finally:
        writer.close()


async def test_a_hung_partner_times_out_then_its_breaker_opens(partners) -> None:
    dead, alive = partners
    outside = OutsideCalls(threshold=3, reset_seconds=60, timeout=0.2)
    for _ in range(3):
        with pytest.raises(PartnerTimeout) as caught:
            await outside.call("smtp", lambda: greeting(dead))
        assert caught.value.status_code == 503
    assert dead.connections == 3
    assert await outside.state("smtp") == "opened"

    with pytest.raises(PartnerUnavailable) as caught:
        await outside.call("smtp", lambda: greeting(dead))
    assert caught.value.code == "partner_unavailable"
    assert 1 <= int(caught.value.headers["Retry-After"]) <= 60
    assert dead.connections == 3  # refused without trying: the open breaker costs the caller nothing

    # Another partner is not held up by the dead one.
    assert await outside.call("pos", lambda: greeting(alive)) == b"220 partner ready\r\n"


async def test_after_the_reset_time_one_call_tries_and_a_success_closes_it(partners) -> None:
    dead, _alive = partners
    outside = OutsideCalls(threshold=2, reset_seconds=0.3, timeout=0.2)
    for _ in range(2):
        with pytest.raises(PartnerTimeout):
            await outside.call("printer", lambda: greeting(dead))
    assert await outside.state("printer") == "opened"
    dead.answering = True  # the partner comes back
    await asyncio.sleep(0.4)
    assert await outside.call("printer", lambda: greeting(dead)) == b"220 partner ready\r\n"
    assert await outside.state("printer") == "closed"


async def test_errors_and_blocking_clients(partners) -> None:
    _dead, alive = partners
    outside = OutsideCalls(threshold=2, reset_seconds=60, timeout=1)

    async def refused() -> bytes:
        raise ConnectionRefusedError("connection refused")

    with pytest.raises(PartnerUnavailable, match="ConnectionRefusedError"):
        await outside.call("sftp", refused)

    async def no_such_order() -> bytes:
        raise NotFound("no such order")

    for _ in range(3):  # the partner answered: our own AppError passes through, the breaker stays closed
        with pytest.raises(NotFound):
            await outside.call("pos", no_such_order)
    assert await outside.state("pos") == "closed"

    import socket

    def blocking_greeting() -> bytes:
        with socket.create_connection(("127.0.0.1", alive.port), timeout=1) as connection:
            return connection.recv(100)

    assert await outside.call_blocking("smtp", blocking_greeting) == b"220 partner ready\r\n"
