"""POST /api/v1/labels/print: label ZPL reaches an allow-listed printer over raw TCP — a real TCP
listener on loopback stands in for the printer and checks what it received — and nothing else does:
a host not on the list, ZPL that is more than labels, and a viewer are all refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from fllc_desktop.labels.product_label import ProductLabel
from fllc_desktop.labels.template import STOCKS
from fllc_desktop.labels.zpl import ZplLayout, labels_zpl

PRINT = "/api/v1/labels/print"
SETTINGS = "/api/v1/settings"
WAIT = 10.0


@dataclass
class Printer:
    """A raw-TCP label printer's port: every connection's bytes, one job each."""

    port: int = 0
    jobs: list[bytes] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


@pytest.fixture
async def printer() -> AsyncIterator[Printer]:
    seen = Printer()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.jobs.append(await reader.read())  # until the sender closes: one job
        seen.arrived.set()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    seen.port = server.sockets[0].getsockname()[1]
    async with server:
        yield seen
    server.close()


async def _allow(client, admin, printers: list[dict]) -> None:
    response = await client.patch(SETTINGS, json={"label_printers": printers}, headers=admin)
    assert response.status_code == 200, response.text


def _zpl(name: str = "Widget, blue") -> str:
    label = ProductLabel("SKU-00042", name, barcode="4006381333931", price=Decimal("12.50"))
    return labels_zpl([(label, 2)], ZplLayout(STOCKS["roll-2x1"], 300))


def _uniform(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


async def test_labels_reach_an_allowed_printer_exactly_as_sent(client, auth_headers, printer) -> None:
    admin, staff = await auth_headers("admin"), await auth_headers("staff")
    await _allow(client, admin, [{"name": "Dock 1", "host": "127.0.0.1", "port": printer.port, "dpi": 300}])
    zpl = _zpl("Evil^XZ^XA~JR^FS")  # the template escaped the name: it prints as text
    response = await client.post(PRINT, json={"printer": "dock 1", "zpl": zpl}, headers=staff)
    assert response.status_code == 200, response.text
    assert response.json() == {"printer": "Dock 1", "labels": 1, "bytes": len(zpl.strip()) + 1}
    await asyncio.wait_for(printer.arrived.wait(), WAIT)
    (job,) = printer.jobs
    text = job.decode()
    assert text.startswith("^XA")
    assert text.rstrip().endswith("^XZ")
    assert text.count("^XA") == text.count("^XZ") == 1
    assert "^FDEvil_5EXZ_5EXA_7EJR_5EFS^FS" in text
    assert "^PW600" in text  # 2 x 1 in at 300 dpi
    assert "^PQ2" in text  # two copies
    assert "^BEN," in text
    assert "^FD400638133393^FS" in text
    audit = (await client.get("/api/v1/audit-log", params={"action": "labels.print"}, headers=admin)).json()
    assert [entry["entity_id"] for entry in audit["data"]] == ["Dock 1"]


async def test_a_printer_not_on_the_allow_list_is_refused_and_nothing_is_sent(
    client, auth_headers, printer
) -> None:
    admin, staff = await auth_headers("admin"), await auth_headers("staff")
    refused = await client.post(PRINT, json={"printer": "Dock 1", "zpl": _zpl()}, headers=staff)
    error = _uniform(refused, 400, "printer_not_allowed")
    assert "allow-list" in error["message"]
    assert "admin" in error["message"]
    await _allow(client, admin, [{"name": "Dock 1", "host": "127.0.0.1", "port": printer.port}])
    other = await client.post(PRINT, json={"printer": "127.0.0.1:9100", "zpl": _zpl()}, headers=staff)
    assert _uniform(other, 400, "printer_not_allowed")["details"][0]["allowed"] == ["Dock 1"]
    assert printer.jobs == []


@pytest.mark.parametrize(
    ("zpl", "code"),
    [
        ("^XA^FO10,10^FDhi^FS^XZ~JR", "label_job_refused"),  # a host command: reset the printer
        ("^XA^JUS^XZ", "label_job_refused"),  # save the printer's configuration
        ("^XA^NDx,x^XZ", "label_job_refused"),  # change its network settings
        ("^XA^IDR:*.*^XZ", "label_job_refused"),  # delete its stored objects
        ("^XA^DFR:LABEL.ZPL^FS^XZ", "label_job_refused"),  # store a format
        ("^XA^FO10,10^FDhi^FS", "label_job_refused"),  # a format left open
        ("just text", "label_job_refused"),
        ("^XA^PQ99999^XZ", "label_job_refused"),
        ("^XA^FDx^FS^XZ" * 501, "label_job_too_large"),
    ],
)
async def test_anything_but_label_formats_is_refused(client, auth_headers, printer, zpl, code) -> None:
    admin, staff = await auth_headers("admin"), await auth_headers("staff")
    await _allow(client, admin, [{"name": "Dock 1", "host": "127.0.0.1", "port": printer.port}])
    _uniform(await client.post(PRINT, json={"printer": "Dock 1", "zpl": zpl}, headers=staff), 400, code)
    assert printer.jobs == []


async def test_bad_bodies_are_the_uniform_400(client, auth_headers) -> None:
    staff = await auth_headers("staff")
    for body in (
        {},
        {"printer": "", "zpl": "^XA^XZ"},
        {"printer": "p", "zpl": 5},
        {"printer": "p", "zpl": "^XA^XZ", "x": 1},
    ):
        _uniform(await client.post(PRINT, json=body, headers=staff), 400, "validation_error")


async def test_a_viewer_cannot_print(client, auth_headers) -> None:
    viewer = await auth_headers("viewer")
    response = await client.post(PRINT, json={"printer": "Dock 1", "zpl": _zpl()}, headers=viewer)
    assert response.status_code == 403


async def test_a_printer_that_is_off_is_a_503_and_its_breaker_opens(client, app, auth_headers) -> None:
    admin, staff = await auth_headers("admin"), await auth_headers("staff")
    closed = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = closed.sockets[0].getsockname()[1]
    closed.close()
    await closed.wait_closed()  # nothing listens there now: connection refused
    await _allow(client, admin, [{"name": "Off", "host": "127.0.0.1", "port": port}])
    for _ in range(5):
        _uniform(
            await client.post(PRINT, json={"printer": "Off", "zpl": _zpl()}, headers=staff),
            503,
            "partner_unavailable",
        )
    assert await app.state.fllc.outside.state("printer:Off") == "opened"
    fast = await client.post(PRINT, json={"printer": "Off", "zpl": _zpl()}, headers=staff)
    assert "not called again" in _uniform(fast, 503, "partner_unavailable")["message"]
    assert fast.headers["Retry-After"]


@pytest.mark.parametrize(
    "printers",
    [
        [{"name": "a", "host": "http://evil.example/x"}],
        [{"name": "a", "host": "10.0.0.5:9100"}],
        [{"name": "a", "host": "printer one"}],
        [{"name": "a", "host": "p1", "port": 0}],
        [{"name": "a", "host": "p1", "dpi": 150}],
        [{"name": "a", "host": "p1"}, {"name": "A", "host": "p2"}],
        [{"name": "", "host": "p1"}],
        None,
    ],
)
async def test_the_allow_list_takes_only_plain_hosts_ports_and_resolutions(
    client, auth_headers, printers
) -> None:
    admin = await auth_headers("admin")
    response = await client.patch(SETTINGS, json={"label_printers": printers}, headers=admin)
    _uniform(response, 400, "validation_error")


async def test_only_admins_edit_the_allow_list_and_everyone_reads_it(client, auth_headers) -> None:
    admin, manager, viewer = (
        await auth_headers("admin"),
        await auth_headers("manager"),
        await auth_headers("viewer"),
    )
    entry = {"name": "Dock 1", "host": "zebra-dock1.local", "port": 9100, "dpi": 203}
    forbidden = await client.patch(SETTINGS, json={"label_printers": [entry]}, headers=manager)
    assert forbidden.status_code == 403
    await _allow(client, admin, [entry])
    assert (await client.get(SETTINGS, headers=viewer)).json()["label_printers"] == [entry]
