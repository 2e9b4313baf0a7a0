"""The same flows through a local folder pair, for what can go wrong: a rejected 850, a duplicate
interchange, a file that cannot be read, a document about an order we never sent, an invoice
that does not match."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
import pytest
from fllc_server.integrations.edi import x12

from .supplier import Acme, Shop, invoice, partner_body, ship_notice


class Exchange:
    def __init__(self, client: Any, shop: Shop, headers: dict[str, dict[str, str]], acme: Acme) -> None:
        self.client, self.shop, self.headers, self.acme = client, shop, headers, acme
        self.polls = 0

    async def poll(self, partner_id: int) -> None:
        await self.shop.poll(partner_id, self.headers["admin"], polls_before=self.polls)
        self.polls += 1

    async def edi(self, order_id: int) -> dict[str, Any]:
        response = await self.client.get(
            f"/api/v1/edi/purchase-orders/{order_id}", headers=self.headers["manager"]
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def setup(
    client, auth_headers, shop: Shop, tmp_path: Path
) -> tuple[Exchange, int, int, x12.PurchaseOrder]:
    headers = {role: await auth_headers(role) for role in ("admin", "manager")}
    ids = await shop.seed()
    drop, pickup = tmp_path / "drop", tmp_path / "pickup"
    acme = Acme(drop, pickup)
    created = await client.post(
        "/api/v1/edi/partners", json=partner_body(ids["supplier"], drop, pickup), headers=headers["admin"]
    )
    assert created.status_code == 201, created.text
    order = await client.post(
        "/api/v1/purchase-orders",
        json={
            "supplier_id": ids["supplier"],
            "lines": [
                {"product_id": ids["tape"], "ordered_quantity": 24},
                {"product_id": ids["box"], "ordered_quantity": 10},
            ],
        },
        headers=headers["manager"],
    )
    order_id = order.json()["id"]
    assert (
        await client.post(f"/api/v1/purchase-orders/{order_id}/submit", headers=headers["manager"])
    ).status_code == 200
    await shop.jobs_done("edi.send", 1)
    pickup.mkdir(exist_ok=True)
    (sent,) = acme.new_files()
    po = sent.groups[0].sets[0].document
    assert isinstance(po, x12.PurchaseOrder)
    return Exchange(client, shop, headers, acme), created.json()["id"], order_id, po


async def test_a_rejected_850_shows_the_reasons_on_the_order(setup) -> None:
    exchange, partner_id, order_id, _po = setup
    rejection = x12.FunctionalAck(
        group_functional_id="PO",
        group_control_number=1,
        status=x12.AckStatus.REJECTED,
        included=1,
        received=1,
        accepted=0,
        sets=(
            x12.SetAck(
                "850",
                "0001",
                x12.AckStatus.REJECTED,
                codes=(x12.SetCode("5"),),
                segments=(
                    x12.SegmentNote(
                        "CTT",
                        6,
                        x12.SegmentCode("8"),
                        elements=(x12.ElementNote(1, x12.ElementCode("6"), bad_value="Q2"),),
                    ),
                ),
            ),
        ),
    )
    exchange.acme.send("nak.edi", exchange.acme.interchange(7001, rejection))
    await exchange.poll(partner_id)
    edi = await exchange.edi(order_id)
    assert (edi["status"], edi["ack_status"]) == ("rejected", "rejected")
    assert any("CTT" in reason and "'Q2'" in reason for reason in edi["ack_reasons"]), edi["ack_reasons"]
    assert exchange.acme.new_files() == []  # a 997 is not acknowledged


async def test_an_interchange_seen_before_is_answered_as_a_duplicate_and_not_applied_twice(setup) -> None:
    exchange, partner_id, order_id, po = setup
    first = exchange.acme.interchange(7002, ship_notice(po))
    exchange.acme.send("asn.edi", first)
    await exchange.poll(partner_id)
    await exchange.shop.jobs_done("edi.send", 2)
    (answer,) = exchange.acme.new_files()
    # The same ISA13 again, in a file that differs (a later time stamp): a duplicate.
    exchange.acme.send(
        "asn-again.edi", exchange.acme.interchange(7002, ship_notice(po), stamp=dt.time(10, 45))
    )
    exchange.acme.send("asn.edi", first)  # and the very same file: stored once by the inbox
    await exchange.poll(partner_id)
    messages = await exchange.shop.inbox()
    assert [m.status for m in messages] == ["handled", "handled"]
    assert messages[1].error is not None
    assert "duplicate" in messages[1].error
    edi = await exchange.edi(order_id)
    assert len(edi["cartons"]) == 2
    await exchange.shop.jobs_done("edi.send", 4)  # a TA1 R 025, and the first answer sent again
    (refusal,) = exchange.acme.new_files()  # the first answer has its name: it replaced itself
    assert answer.control_number == 2
    assert [(a.control_number, a.status, a.note) for a in refusal.acks] == [
        (7002, x12.Ta1Status.REJECTED, x12.Ta1Note.DUPLICATE_CONTROL_NUMBER)
    ]


async def test_a_file_that_cannot_be_read_is_kept_with_the_reason(setup) -> None:
    exchange, partner_id, _order_id, _po = setup
    exchange.acme.send("garbage.edi", b"ISA*00*this is not an interchange~")
    exchange.acme.send(
        "other.edi",
        exchange.acme.interchange(7003, invoice(_po)).replace(b"ACMESUPPLY     ", b"SOMEONEELSE    ", 1),
    )
    await exchange.poll(partner_id)
    messages = await exchange.shop.inbox()
    assert [m.status for m in messages] == ["failed", "failed"]
    assert all(m.error for m in messages)
    assert "garbage.edi cannot be read" in (messages[0].error or "")
    assert "not from this partner" in (messages[1].error or "")
    assert messages[0].payload["data"].startswith("ISA*00*this")  # kept, never dropped
    assert list(exchange.acme.pickup.iterdir()) == []


async def test_a_document_about_an_order_we_never_sent_is_kept_as_failed(setup) -> None:
    exchange, partner_id, order_id, po = setup
    stranger = x12.Invoice(
        number="INV-1", date=po.date, lines=po.lines, total=po.lines[0].quantity, po_number="PO-NOPE"
    )
    exchange.acme.send("inv.edi", exchange.acme.interchange(7004, stranger))
    await exchange.poll(partner_id)
    (message,) = await exchange.shop.inbox()
    assert message.status == "failed"
    assert "PO-NOPE" in (message.error or "")
    assert (await exchange.edi(order_id))["match"] is None


async def test_an_invoice_that_disagrees_is_listed_with_its_discrepancies(setup) -> None:
    exchange, partner_id, order_id, po = setup
    exchange.acme.send(
        "inv.edi", exchange.acme.interchange(7005, invoice(po, box_price="44.00", box_quantity=10))
    )
    await exchange.poll(partner_id)
    edi = await exchange.edi(order_id)
    assert edi["match"]["result"] == "discrepancies"
    tape, box = edi["match"]["lines"]
    assert tape["discrepancies"] == ["invoiced 24 but received 0"]
    assert box["discrepancies"] == ["invoiced 10 but received 0", "invoiced at 44.00 but ordered at 41.20"]
    listed = await exchange.client.get("/api/v1/edi/discrepancies", headers=exchange.headers["manager"])
    assert [o["purchase_order_id"] for o in listed.json()] == [order_id]


PRICE = "invoiced at 44.00 but ordered at 41.20"


async def _report(exchange: Exchange, fmt: str, params: dict[str, Any]) -> bytes:
    headers = exchange.headers["manager"]
    body = {"kind": "invoice_discrepancies", "format": fmt, "params": params}
    asked = await exchange.client.post("/api/v1/reports", json=body, headers=headers)
    assert asked.status_code == 202, asked.text
    (job,) = [j for j in await exchange.shop.jobs_done("reports.generate", 1) if j.id == asked.json()["id"]]
    assert job.result is not None
    assert job.result["filename"].startswith("invoice_discrepancies-")
    response = await exchange.client.get(f"/api/v1/reports/{job.id}/download", headers=headers)
    assert response.status_code == 200, response.text
    return response.content


async def test_the_discrepancies_are_in_a_report_as_xlsx_and_pdf(setup, tmp_path: Path) -> None:
    exchange, partner_id, order_id, po = setup
    exchange.acme.send(
        "inv.edi", exchange.acme.interchange(7006, invoice(po, box_price="44.00", box_quantity=10))
    )
    await exchange.poll(partner_id)
    number = (
        await exchange.client.get(f"/api/v1/purchase-orders/{order_id}", headers=exchange.headers["manager"])
    ).json()["number"]

    workbook = openpyxl.load_workbook(io.BytesIO(await _report(exchange, "xlsx", {})))
    rows = list(workbook["invoice_discrepancies"].iter_rows(values_only=True))
    header = rows.index(
        ("PO", "Supplier", "Invoice", "Invoice date", "SKU", "Ordered", "Received", "Invoiced", "Unit cost",
         "Invoiced price", "Discrepancy")
    )  # fmt: skip
    lines = rows[header + 1 : -1]
    assert [(r[0], r[2], r[4], r[5], r[6], r[7], r[8], r[9], r[10]) for r in lines] == [
        (number, "INV-40017", "SKU-1001", 24, 0, 24, 3.75, 3.75, "invoiced 24 but received 0"),
        (number, "INV-40017", "SKU-2002", 10, 0, 10, 41.2, 44, "invoiced 10 but received 0"),
        (number, "INV-40017", "SKU-2002", None, None, None, None, None, PRICE),
    ]  # fmt: skip
    assert rows[-1][0] == "Total"
    assert rows[-1][5:8] == (34, 0, 34)

    pdf = await _report(exchange, "pdf", {})
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Invoice discrepancies (three-way match)" in text
    assert PRICE in text
    assert "1 (1 with discrepancies)" in text
    (tmp_path / "discrepancies.pdf").write_bytes(pdf)  # to look at: pytest --basetemp=DIR


def _ta1_file(exchange: Exchange, number: int, ack: x12.InterchangeAck, **envelope: Any) -> bytes:
    """An interchange of Acme's holding only `ack`."""
    acme = x12.decode(exchange.acme.interchange(number))
    return x12.encode(dataclasses.replace(acme, acks=(ack,), **envelope))


async def _our_interchange(exchange: Exchange, partner_id: int) -> dict[str, Any]:
    listed = await exchange.client.get(
        f"/api/v1/edi/partners/{partner_id}/interchanges", headers=exchange.headers["admin"]
    )
    (ours,) = [row for row in listed.json() if row["direction"] == "out" and "850" in row["set_ids"]]
    return dict(ours)


async def test_a_ta1_rejecting_our_850_marks_its_interchange_and_the_order(setup) -> None:
    exchange, partner_id, order_id, _po = setup
    ours = await _our_interchange(exchange, partner_id)
    assert ours["status"] == "sent"
    number, day, at = ours["control_number"], dt.date(2026, 12, 3), dt.time(9, 30)
    rejected = x12.InterchangeAck(number, day, at, x12.Ta1Status.REJECTED, x12.Ta1Note.CONTENT_INVALID)
    exchange.acme.send("ta1.edi", _ta1_file(exchange, 7008, rejected))
    await exchange.poll(partner_id)
    (message,) = await exchange.shop.inbox()
    assert message.status == "handled"
    assert message.error == f"TA1 for our interchange {ours['control_number']}: R 024"
    ours = await _our_interchange(exchange, partner_id)
    assert (ours["status"], ours["error"]) == ("rejected", "TA1 R 024 content invalid")
    edi = await exchange.edi(order_id)
    assert edi["status"] == "rejected"
    assert edi["ack_reasons"][-1] == f"interchange {ours['control_number']}: TA1 R 024 content invalid"
    # A TA1 about an interchange we never sent is kept as failed.
    unknown = dataclasses.replace(rejected, control_number=424242)
    exchange.acme.send("ta1-unknown.edi", _ta1_file(exchange, 7009, unknown))
    await exchange.poll(partner_id)
    assert [m.status for m in await exchange.shop.inbox()] == ["handled", "failed"]


async def test_a_ta1_accepting_our_interchange_marks_it_accepted(setup) -> None:
    exchange, partner_id, order_id, _po = setup
    ours = await _our_interchange(exchange, partner_id)
    accepted = x12.InterchangeAck(
        ours["control_number"], dt.date(2026, 12, 3), dt.time(9, 30), x12.Ta1Status.ACCEPTED
    )
    exchange.acme.send("ta1.edi", _ta1_file(exchange, 7010, accepted))
    await exchange.poll(partner_id)
    assert [(m.status, m.error) for m in await exchange.shop.inbox()] == [
        ("handled", f"TA1 for our interchange {ours['control_number']}: A 000")
    ]
    assert (await _our_interchange(exchange, partner_id))["status"] == "accepted"
    assert (await exchange.edi(order_id))["status"] == "sent"
    await exchange.shop.jobs_done("edi.send", 1)  # a TA1 is not answered


async def test_isa14_asks_for_a_ta1_and_gets_it_with_the_997(setup) -> None:
    exchange, partner_id, _order_id, po = setup
    asking = x12.decode(exchange.acme.interchange(7011, ship_notice(po)))
    exchange.acme.send("asn.edi", x12.encode(dataclasses.replace(asking, ack_requested=True)))
    await exchange.poll(partner_id)
    await exchange.shop.jobs_done("edi.send", 2)
    (answer,) = exchange.acme.new_files()
    assert answer.acks == (
        x12.InterchangeAck(
            7011, dt.date(2026, 12, 3), dt.time(9, 30), x12.Ta1Status.ACCEPTED, x12.Ta1Note.NO_ERROR
        ),
    )
    assert [type(d).__name__ for d in answer.documents] == ["FunctionalAck"]


@pytest.mark.parametrize(
    ("fault", "note"),
    [
        (b"IEA*1*000007012", x12.Ta1Note.GROUP_COUNT_INVALID),
        (b"IEA*0*000007099", x12.Ta1Note.CONTROL_NUMBER_MISMATCH),
    ],
)
async def test_an_envelope_error_is_answered_with_a_ta1_rejection(
    setup, fault: bytes, note: x12.Ta1Note
) -> None:
    exchange, partner_id, _order_id, _po = setup
    ack = x12.InterchangeAck(1, dt.date(2026, 12, 3), dt.time(9, 30), x12.Ta1Status.ACCEPTED)
    broken = _ta1_file(exchange, 7012, ack).replace(b"IEA*0*000007012", fault)
    exchange.acme.send("broken.edi", broken)
    await exchange.poll(partner_id)
    (message,) = await exchange.shop.inbox()
    assert message.status == "failed"
    assert message.error is not None
    assert message.error.endswith(f"(answered with TA1 R {note.value})")
    await exchange.shop.jobs_done("edi.send", 2)
    (answer,) = exchange.acme.new_files()
    assert answer.acks == (
        x12.InterchangeAck(7012, dt.date(2026, 12, 3), dt.time(9, 30), x12.Ta1Status.REJECTED, note),
    )
    assert answer.groups == ()
