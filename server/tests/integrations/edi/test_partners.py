"""Trading partners: the admin API (system.configure, uniform 400s, the SFTP key write-only), and
control numbers per partner that are never handed out twice, even to concurrent senders."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fllc_server.integrations.edi.repository import EdiRepository
from fllc_server.models import EdiPartner, Supplier

from .supplier import Shop, partner_body

BASE = "/api/v1/edi/partners"
KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key-but-long-enough\n-----END OPENSSH PRIVATE KEY-----\n"
)


@pytest.fixture
async def supplier_id(shop: Shop) -> int:
    return await shop.insert(Supplier(name="Acme Supply Co"))


async def test_an_admin_sets_up_a_partner_and_the_sftp_key_never_comes_back(
    client, auth_headers, supplier_id, tmp_path: Path
) -> None:
    admin = await auth_headers("admin")
    body = partner_body(
        supplier_id,
        Path("/in"),
        Path("/out"),
        transport="sftp",
        sftp_host="sftp.acme.example",
        sftp_user="fllc",
        sftp_private_key=KEY,
        sftp_host_key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0=",
        version="005010",
        usage="test",
    )
    created = await client.post(BASE, json=body, headers=admin)
    assert created.status_code == 201, created.text
    partner = created.json()
    assert partner["sftp_key_set"] is True
    assert "sftp_private_key" not in partner
    assert (partner["version"], partner["usage"], partner["last_control_number"]) == ("005010", "test", 0)
    listed = await client.get(BASE, params={"supplier_id": supplier_id}, headers=admin)
    assert [p["id"] for p in listed.json()] == [partner["id"]]
    assert KEY not in listed.text

    changed = await client.patch(f"{BASE}/{partner['id']}", json={"sets": ["850", "997"]}, headers=admin)
    assert changed.status_code == 200, changed.text
    assert changed.json()["sets"] == ["850", "997"]
    assert changed.json()["sftp_key_set"] is True  # kept when not sent again

    again = await client.post(BASE, json=body, headers=admin)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "edi_partner_exists"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"element_separator": "A"}, None),  # a letter cannot be a delimiter
        ({"segment_terminator": "*"}, None),  # the same character twice
        ({"our_qualifier": "zzz"}, "our_qualifier"),
        ({"their_id": "ACME*SUPPLY"}, None),  # an id holding a delimiter
        ({"sets": ["850", "999"]}, "sets.1"),
        ({"version": "003060"}, "version"),
        ({"transport": "as2"}, "transport"),
        ({"transport": "sftp"}, None),  # no host, user, key
        ({"drop_path": "relative/in"}, None),
        ({"surprise": True}, "surprise"),
    ],
)
async def test_bad_settings_are_a_uniform_400(client, auth_headers, supplier_id, change, field) -> None:
    admin = await auth_headers("admin")
    body = {**partner_body(supplier_id, Path("/in"), Path("/out")), **change}
    response = await client.post(BASE, json=body, headers=admin)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    if field is not None:
        assert field in [d["field"] for d in error["details"]]


async def test_an_update_is_checked_as_a_whole(client, auth_headers, supplier_id) -> None:
    admin = await auth_headers("admin")
    created = (
        await client.post(BASE, json=partner_body(supplier_id, Path("/in"), Path("/out")), headers=admin)
    ).json()
    response = await client.patch(f"{BASE}/{created['id']}", json={"transport": "sftp"}, headers=admin)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    missing = await client.patch(f"{BASE}/999999", json={"enabled": False}, headers=admin)
    assert missing.status_code == 404


async def test_partners_need_system_configure(client, auth_headers, supplier_id) -> None:
    manager = await auth_headers("manager")
    body = partner_body(supplier_id, Path("/in"), Path("/out"))
    assert (await client.post(BASE, json=body, headers=manager)).status_code == 403
    assert (await client.get(BASE, headers=manager)).status_code == 403


async def test_control_numbers_are_never_handed_out_twice(app, shop: Shop, supplier_id) -> None:
    state = app.state.fllc
    partner_id = await shop.insert(
        EdiPartner(
            supplier_id=supplier_id,
            our_qualifier="ZZ",
            our_id="US",
            their_qualifier="01",
            their_id="THEM",
            our_gs_id="US",
            their_gs_id="THEM",
            sets=["850"],
            drop_path="/in",
            pickup_path="/out",
        )
    )

    async def take() -> int:
        async with state.db.transaction() as session:
            return await EdiRepository(session).next_control_number(partner_id)

    async def take_and_roll_back() -> None:
        async with state.db.transaction() as session:
            await EdiRepository(session).next_control_number(partner_id)
            raise RuntimeError("the send failed before anything left")

    numbers = await asyncio.gather(*(take() for _ in range(12)))
    assert sorted(numbers) == list(range(1, 13))
    with pytest.raises(RuntimeError):
        await take_and_roll_back()  # a rolled-back number was never used: the next one may take it
    assert await take() == 13
