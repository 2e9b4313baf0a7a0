"""Stripe-compatible payment webhooks: Stripe-Signature verified (t=, every v1=, HMAC-SHA256 of
"{t}.{body}", constant-time, 300 s), fail closed without a secret, events stored once by id and
applied in any order, unknown orders parked."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from fllc_server.integrations.payments.stripe import sign, verify_signature
from fllc_server.integrations.webhooks import SignatureRejected
from fllc_server.models import Order
from fllc_server.sales.service import OrderService, SaleLine

WEBHOOK = "/api/v1/integrations/payments/stripe/webhook"
SECRET = "whsec_test_" + "s" * 32


@pytest.fixture
async def stripe_on(client: httpx.AsyncClient, auth_headers) -> str:
    admin = await auth_headers("admin")
    response = await client.patch(
        "/api/v1/integrations/providers/stripe",
        json={"enabled": True, "secrets": {"signing_secret": SECRET}},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    return SECRET


@pytest.fixture
async def order(app: FastAPI, product) -> Order:
    """A 20.00 order recorded at the till, not paid yet."""
    mug = await product("MUG", stock=5)
    state = app.state.fllc
    async with state.db.transaction() as session:
        made, _ = await OrderService(session, state).record_sale(
            source="manual",
            external_ref="web-1",
            customer_id=None,
            lines=[SaleLine(mug, 2, Decimal("10.00"))],
            total=Decimal("20.00"),
        )
    return made


def event(event_id: str, kind: str, obj: dict) -> dict:
    return {"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}


async def deliver(
    client: httpx.AsyncClient,
    body: dict,
    *,
    secret: str = SECRET,
    at: int | None = None,
    extra_v1: str | None = None,
) -> httpx.Response:
    raw = json.dumps(body).encode()
    t = int(time.time()) if at is None else at
    header = f"t={t},v1={sign(secret, raw, t)}"
    if extra_v1 is not None:
        header = f"t={t},v1={extra_v1},v1={sign(secret, raw, t)}"
    return await client.post(
        WEBHOOK, content=raw, headers={"Stripe-Signature": header, "Content-Type": "application/json"}
    )


async def state_of(app: FastAPI, order_id: int) -> tuple[str, Decimal, Decimal, str]:
    async with app.state.fllc.db.sessions() as session:
        row = await session.get(Order, order_id)
        assert row is not None
        return row.payment_status, row.amount_paid, row.amount_refunded, row.status


def intent(order: Order, amount: int = 2000) -> dict:
    return {
        "id": "pi_1",
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount,
        "metadata": {"order_number": order.number},
    }


def charge(order: Order, captured: int, refunded: int) -> dict:
    return {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_1",
        "amount": captured,
        "amount_captured": captured,
        "amount_refunded": refunded,
        "metadata": {"order_number": order.number},
    }


async def test_paid_then_refunds_in_any_order_and_twice(app, client, pos, stripe_on, order) -> None:
    events = [
        event("evt_3", "charge.refunded", charge(order, 2000, 2000)),
        event("evt_1", "payment_intent.succeeded", intent(order)),
        event("evt_2", "charge.refunded", charge(order, 2000, 500)),
    ]
    for body in [*events, *events]:
        response = await deliver(client, body)
        assert response.status_code == 200, response.text
    await pos.drained()
    assert await state_of(app, order.id) == ("refunded", Decimal("20.00"), Decimal("20.00"), "paid")
    assert [m.status for m in await pos.inbox("stripe")] == ["handled"] * 3


async def test_paid_and_partially_refunded(app, client, pos, stripe_on, order) -> None:
    await deliver(client, event("evt_1", "payment_intent.succeeded", intent(order)))
    await pos.drained()
    assert await state_of(app, order.id) == ("paid", Decimal("20.00"), Decimal("0.00"), "paid")
    await deliver(client, event("evt_2", "charge.refunded", charge(order, 2000, 500)))
    await pos.drained()
    assert (await state_of(app, order.id))[0] == "partially_refunded"


async def test_a_dispute_finds_its_order_by_the_payment_intent_in_any_order(
    app, client, pos, stripe_on, order
) -> None:
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "charge": "ch_1",
        "payment_intent": "pi_1",
        "status": "needs_response",
    }
    await deliver(client, event("evt_d", "charge.dispute.created", dispute))
    await pos.drained()
    [parked] = await pos.inbox("stripe")
    assert (parked.status, parked.waits_for) == ("parked", "payment:pi_1")
    await deliver(client, event("evt_1", "payment_intent.succeeded", intent(order)))
    await pos.drained()
    assert (await state_of(app, order.id))[0] == "disputed"
    assert [m.status for m in await pos.inbox("stripe")] == ["handled", "handled"]


async def test_an_event_for_an_unknown_order_is_parked_not_dropped(app, client, pos, stripe_on) -> None:
    body = event(
        "evt_x",
        "payment_intent.succeeded",
        {"id": "pi_9", "amount_received": 100, "metadata": {"order_number": "SO-2099-999999"}},
    )
    assert (await deliver(client, body)).status_code == 200
    await pos.drained()
    [message] = await pos.inbox("stripe")
    assert message.status == "parked"
    assert "SO-2099-999999" in (message.error or "")


async def _rejected(client: httpx.AsyncClient, reason: str) -> float:
    for line in (await client.get("/metrics")).text.splitlines():
        if (
            line.startswith("fllc_webhooks_rejected_total{")
            and 'provider="stripe"' in line
            and f'reason="{reason}"' in line
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_bad_missing_and_expired_signatures_are_401_and_counted(client, pos, stripe_on, order) -> None:
    body = event("evt_1", "payment_intent.succeeded", intent(order))
    raw = json.dumps(body).encode()
    t = int(time.time())
    cases = {
        "invalid": {"Stripe-Signature": f"t={t},v1={sign('whsec_other', raw, t)}"},
        "missing": {},
        "malformed": {"Stripe-Signature": "v1=abc"},
        "expired": {"Stripe-Signature": f"t={t - 301},v1={sign(SECRET, raw, t - 301)}"},
    }
    for reason, headers in cases.items():
        before = await _rejected(client, reason)
        response = await client.post(
            WEBHOOK, content=raw, headers={**headers, "Content-Type": "application/json"}
        )
        assert response.status_code == 401, reason
        assert response.json()["error"]["code"] == "invalid_signature"
        assert await _rejected(client, reason) == before + 1, reason
    assert await pos.inbox_count() == 0
    # a correct signature among several v1 values (Stripe sends one per active secret) passes
    assert (await deliver(client, body, extra_v1="00" * 32)).status_code == 200


async def test_no_secret_configured_fails_closed(client, pos, order) -> None:
    response = await deliver(client, event("evt_1", "payment_intent.succeeded", intent(order)))
    assert response.status_code == 401
    assert await pos.inbox_count() == 0


async def test_malformed_events_are_400(client, pos, stripe_on) -> None:
    for body in (
        {"type": "x"},
        {"id": "evt_1", "type": "charge.refunded", "data": {}},
        event("evt_2", "charge.refunded", {"id": "ch", "amount_captured": -5}),
    ):
        assert (await deliver(client, body)).status_code == 400, body
    assert await pos.inbox_count() == 0


def test_the_verification_itself() -> None:
    raw = b'{"id": "evt"}'
    now = 1_700_000_000
    verify_signature(f"t={now},v1={sign('k', raw, now)}", raw, "k", now=now + 300)
    with pytest.raises(SignatureRejected):
        verify_signature(f"t={now},v1={sign('k', raw, now)}", raw, "k", now=now + 301)
    with pytest.raises(SignatureRejected):
        verify_signature(f"t={now},v1={sign('k', raw, now)}", raw + b" ", "k", now=now)
    with pytest.raises(SignatureRejected):
        verify_signature(f"t={now},v0={sign('k', raw, now)}", raw, "k", now=now)
