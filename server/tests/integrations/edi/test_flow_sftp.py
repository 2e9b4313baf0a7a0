"""The whole exchange with a supplier over SFTP, against a real OpenSSH server process (sshd.py):
PO submitted → 850 put on the server → 997 + 855 + 856 picked up (and a 997 back) → the manager
confirms the 855's changes → cartons received by their SSCC-18 → 810 → three-way match."""

from __future__ import annotations

from pathlib import Path

from fllc_server.integrations.edi import x12

from .sshd import SshServer
from .supplier import (
    CARTON_1,
    CARTON_2,
    Acme,
    Shop,
    accept,
    acknowledgement,
    invoice,
    partner_body,
    ship_notice,
)


async def test_po_to_match_over_sftp(
    client, auth_headers, shop: Shop, sshd: SshServer, tmp_path: Path
) -> None:
    admin, manager, staff = [await auth_headers(role) for role in ("admin", "manager", "staff")]
    ids = await shop.seed()
    drop, pickup = tmp_path / "to-acme", tmp_path / "from-acme"
    drop.mkdir()
    pickup.mkdir()
    acme = Acme(drop, pickup)
    body = partner_body(
        ids["supplier"],
        drop,
        pickup,
        transport="sftp",
        sftp_host=sshd.host,
        sftp_port=sshd.port,
        sftp_user=sshd.user,
        sftp_private_key=sshd.private_key,
        sftp_host_key=sshd.host_key,
    )
    partner = await client.post("/api/v1/edi/partners", json=body, headers=admin)
    assert partner.status_code == 201, partner.text
    partner_id = partner.json()["id"]

    # The manager orders and submits: the 850 goes out over SFTP after the commit.
    order = await client.post(
        "/api/v1/purchase-orders",
        json={
            "supplier_id": ids["supplier"],
            "location_id": ids["location"],
            "lines": [
                {"product_id": ids["tape"], "ordered_quantity": 24},
                {"product_id": ids["box"], "ordered_quantity": 10},
            ],
        },
        headers=manager,
    )
    assert order.status_code == 201, order.text
    order_id, number = order.json()["id"], order.json()["number"]
    submitted = await client.post(f"/api/v1/purchase-orders/{order_id}/submit", headers=manager)
    assert submitted.status_code == 200, submitted.text
    await shop.jobs_done("edi.send", 1)
    (sent,) = acme.new_files()
    (group,) = sent.groups
    po = sent.groups[0].sets[0].document
    assert isinstance(po, x12.PurchaseOrder)
    assert (po.number, [str(line.quantity) for line in po.lines]) == (number, ["24", "10"])
    assert [line.buyer_part for line in po.lines] == ["SKU-1001", "SKU-2002"]
    assert sent.control_number == group.control_number == 1
    edi = (await client.get(f"/api/v1/edi/purchase-orders/{order_id}", headers=manager)).json()
    assert edi["status"] == "sent"

    # Acme answers in one interchange: the 997, its 855 (changes on line 2) and the 856.
    acme.send("acme-5001.edi", acme.interchange(5001, accept(group), acknowledgement(po), ship_notice(po)))
    await shop.poll(partner_id, admin, polls_before=0)
    assert list(pickup.iterdir()) == []  # taken off the server once the inbox held it
    (message,) = await shop.inbox()
    assert message.status == "handled", message.error
    edi = (await client.get(f"/api/v1/edi/purchase-orders/{order_id}", headers=staff)).json()
    assert edi["ack_status"] == "accepted"
    assert edi["status"] == "asn_received"
    assert edi["changes_status"] == "pending"
    (change,) = edi["changes"]
    assert (change["sku"], change["quantity"], change["backordered_quantity"]) == ("SKU-2002", 10, 4)
    assert (change["ordered_unit_cost"], change["unit_cost"], change["date"]) == (
        "41.20",
        "42.10",
        "2026-12-17",
    )
    assert sorted(c["sscc"] for c in edi["cartons"]) == sorted([CARTON_1, CARTON_2])

    po_view = (await client.get(f"/api/v1/purchase-orders/{order_id}", headers=staff)).json()
    assert po_view["edi_status"] == "asn_received"
    carton_contents = {
        c["sscc"]: [(x["sku"], x["quantity"]) for x in c["contents"]] for c in po_view["cartons"]
    }
    assert carton_contents == {CARTON_1: [("SKU-1001", 24)], CARTON_2: [("SKU-2002", 6)]}

    # Our 997 for Acme's three groups went back over SFTP.
    await shop.jobs_done("edi.send", 2)
    (answer,) = acme.new_files()
    acks = [doc for doc in answer.documents if isinstance(doc, x12.FunctionalAck)]
    assert sorted(a.group_functional_id for a in acks) == ["PR", "SH"]  # a 997 is not acknowledged
    assert {a.status for a in acks} == {x12.AckStatus.ACCEPTED}
    assert answer.control_number == 2  # the next of our numbers for this partner

    # Nothing changes on the order until the manager confirms.
    lines = (await client.get(f"/api/v1/purchase-orders/{order_id}", headers=manager)).json()["lines"]
    assert lines[1]["unit_cost"] == "41.20"
    assert (
        await client.post(f"/api/v1/edi/purchase-orders/{order_id}/changes/confirm", headers=staff)
    ).status_code == 403
    confirmed = await client.post(f"/api/v1/edi/purchase-orders/{order_id}/changes/confirm", headers=manager)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["changes_status"] == "confirmed"
    po_now = (await client.get(f"/api/v1/purchase-orders/{order_id}", headers=manager)).json()
    assert [(line["ordered_quantity"], line["unit_cost"]) for line in po_now["lines"]] == [
        (24, "3.75"),
        (10, "42.10"),
    ]
    assert po_now["expected_at"] == "2026-12-17"

    # Staff receive each carton with one scan: its whole contents.
    receipt = await client.post(
        f"/api/v1/purchase-orders/{order_id}/receive", json={"sscc": CARTON_1}, headers=staff
    )
    assert receipt.status_code == 200, receipt.text
    assert [(m["quantity"], m["location_id"]) for m in receipt.json()["movements"]] == [(24, ids["location"])]
    twice = await client.post(
        f"/api/v1/purchase-orders/{order_id}/receive", json={"sscc": CARTON_1}, headers=staff
    )
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "carton_already_received"
    second = await client.post(
        f"/api/v1/purchase-orders/{order_id}/receive", json={"sscc": CARTON_2}, headers=staff
    )
    assert second.status_code == 200, second.text
    po_now = second.json()["purchase_order"]
    assert [line["received_quantity"] for line in po_now["lines"]] == [24, 6]
    assert po_now["status"] == "partially_received"  # 4 boxes are back-ordered

    # The invoice: what was shipped, at the confirmed prices → matched.
    acme.send("acme-5002.edi", acme.interchange(5002, invoice(po)))
    await shop.poll(partner_id, admin, polls_before=1)
    edi = (await client.get(f"/api/v1/edi/purchase-orders/{order_id}", headers=manager)).json()
    assert edi["status"] == "invoiced"
    assert edi["match"]["result"] == "matched", edi["match"]
    assert [
        (line["ordered_quantity"], line["received_quantity"], line["invoiced_quantity"])
        for line in edi["match"]["lines"]
    ] == [
        (24, 24, "24"),
        (10, 6, "6"),
    ]
    listed = (await client.get("/api/v1/purchase-orders", headers=manager)).json()["data"]
    assert [(o["edi_status"], o["edi_match"]) for o in listed] == [("invoiced", "matched")]
    discrepancies = await client.get("/api/v1/edi/discrepancies", headers=manager)
    assert discrepancies.status_code == 200
    assert discrepancies.json() == []
    await shop.jobs_done("edi.send", 3)  # the 997 for the 810
    interchanges = await client.get(f"/api/v1/edi/partners/{partner_id}/interchanges", headers=admin)
    assert [(i["direction"], i["control_number"]) for i in interchanges.json()] == [
        ("out", 3),
        ("in", 5002),
        ("out", 2),
        ("in", 5001),
        ("out", 1),
    ]
