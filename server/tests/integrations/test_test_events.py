""" "Send a test event": signed with the stored secret, taken through the provider's own
verification into the inbox and handled (ignored) there; refused with the reason when a real
delivery would be; admins only."""

from __future__ import annotations

import httpx
import pytest

TEST = "/api/v1/integrations/providers/{}/test-event"


async def test_a_configured_provider_verifies_its_test_event_and_the_inbox_handles_it(
    client: httpx.AsyncClient, auth_headers, pos, shopify_on
) -> None:
    admin = await auth_headers("admin")
    sent = await client.post(TEST.format("shopify"), headers=admin)
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert body["verified"] is True
    assert body["reason"] is None
    await pos.drained()
    [message] = await pos.inbox("shopify")
    assert (message.id, message.kind, message.status) == (body["message_id"], "fllc/test", "handled")
    again = await client.post(TEST.format("shopify"), headers=admin)
    assert again.json()["message_id"] != body["message_id"]  # each test is a new event


async def test_without_its_secret_or_switched_off_the_test_is_refused_with_the_reason(
    client: httpx.AsyncClient, auth_headers, pos
) -> None:
    admin = await auth_headers("admin")
    off = (await client.post(TEST.format("stripe"), headers=admin)).json()
    assert off == {
        "provider": "stripe",
        "verified": False,
        "reason": "Stripe is not enabled here",
        "message_id": None,
        "status": None,
    }
    await client.patch("/api/v1/integrations/providers/stripe", json={"enabled": True}, headers=admin)
    no_secret = (await client.post(TEST.format("stripe"), headers=admin)).json()
    assert no_secret["verified"] is False
    assert "No Stripe signing secret" in no_secret["reason"]
    await client.patch(
        "/api/v1/integrations/providers/stripe",
        json={"secrets": {"signing_secret": "whsec_x"}},
        headers=admin,
    )
    signed = (await client.post(TEST.format("stripe"), headers=admin)).json()
    assert signed["verified"] is True
    await pos.drained()
    assert [m.status for m in await pos.inbox("stripe")] == ["handled"]
    metrics = (await client.get("/metrics")).text
    assert 'fllc_webhooks_rejected_total{provider="stripe",reason="no_secret"} 1.0' in metrics


async def test_unsigned_and_unknown_providers(client: httpx.AsyncClient, auth_headers) -> None:
    admin = await auth_headers("admin")
    generic = await client.post(TEST.format("generic"), headers=admin)
    assert generic.status_code == 400
    assert generic.json()["error"]["code"] == "provider_not_testable"
    assert (await client.post(TEST.format("nope"), headers=admin)).status_code == 404


@pytest.mark.parametrize("role", ["manager", "staff"])
async def test_only_admins_send_test_events(client: httpx.AsyncClient, auth_headers, role: str) -> None:
    headers = await auth_headers(role)
    assert (await client.post(TEST.format("shopify"), headers=headers)).status_code == 403
