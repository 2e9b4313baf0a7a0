"""Customers created, edited, given addresses, merged and found; reviews hidden and shown, and a
product's average rating over its visible reviews."""

from __future__ import annotations

import httpx


async def test_create_edit_search_and_addresses(client: httpx.AsyncClient, auth_headers) -> None:
    manager = await auth_headers("manager")
    made = await client.post(
        "/api/v1/customers",
        json={
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "addresses": [
                {"line1": "12 St James's Sq", "city": "London", "postal_code": "SW1", "country": "GB"}
            ],
        },
        headers=manager,
    )
    assert made.status_code == 201, made.text
    customer = made.json()
    assert customer["addresses"][0]["city"] == "London"
    edited = await client.patch(
        f"/api/v1/customers/{customer['id']}", json={"phone": "+44 20 1234"}, headers=manager
    )
    assert edited.json()["phone"] == "+44 20 1234"
    added = await client.post(
        f"/api/v1/customers/{customer['id']}/addresses",
        json={
            "kind": "billing",
            "line1": "1 Main St",
            "city": "Leeds",
            "postal_code": "LS1",
            "country": "GB",
        },
        headers=manager,
    )
    assert len(added.json()["addresses"]) == 2
    for q in ("lovelace", "ada@", "1234"):
        found = await client.get("/api/v1/customers", params={"q": q}, headers=manager)
        assert [c["id"] for c in found.json()["data"]] == [customer["id"]], q
    removed = await client.delete(
        f"/api/v1/customers/{customer['id']}/addresses/{added.json()['addresses'][1]['id']}", headers=manager
    )
    assert len(removed.json()["addresses"]) == 1
    bad = await client.post("/api/v1/customers", json={"name": "", "email": "nope"}, headers=manager)
    assert bad.status_code == 400
    staff = await auth_headers("staff")
    assert (await client.post("/api/v1/customers", json={"name": "X"}, headers=staff)).status_code == 403


async def test_merging_moves_orders_reviews_and_addresses(
    client: httpx.AsyncClient, auth_headers, make_customer, make_product, make_review
) -> None:
    manager = await auth_headers("manager")
    keep = await make_customer("Ada L.", cities=("London",))
    dupe = await make_customer("Ada Lovelace", "ada@example.com", cities=("Leeds",))
    mug = await make_product(stock=5)
    order = await client.post(
        "/api/v1/orders",
        json={"customer_id": dupe, "items": [{"product_id": mug, "quantity": 1}]},
        headers=manager,
    )
    await make_review(mug, 5, dupe)
    merged = await client.post(
        f"/api/v1/customers/{keep}/merge", json={"duplicate_ids": [dupe]}, headers=manager
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["email"] == "ada@example.com"
    assert sorted(a["city"] for a in body["addresses"]) == ["Leeds", "London"]
    assert (await client.get(f"/api/v1/customers/{dupe}", headers=manager)).status_code == 404
    moved = await client.get(f"/api/v1/orders/{order.json()['id']}", headers=manager)
    assert moved.json()["customer_id"] == keep
    reviews = await client.get("/api/v1/reviews", params={"customer_id": keep}, headers=manager)
    assert len(reviews.json()["data"]) == 1
    nothing = await client.post(
        f"/api/v1/customers/{keep}/merge", json={"duplicate_ids": [keep]}, headers=manager
    )
    assert nothing.status_code == 400


async def test_hidden_reviews_leave_the_list_and_the_average(
    client: httpx.AsyncClient, auth_headers, make_product, make_review
) -> None:
    manager = await auth_headers("manager")
    viewer = await auth_headers("viewer")
    mug = await make_product()
    await make_review(mug, 5)
    rude = await make_review(mug, 1)
    await make_review(mug, 4)
    rating = await client.get(f"/api/v1/products/{mug}/rating", headers=viewer)
    assert rating.json() == {"product_id": mug, "average": 3.33, "count": 3}
    hidden = await client.post(f"/api/v1/reviews/{rude}/hide", headers=manager)
    assert hidden.status_code == 200
    assert hidden.json()["hidden"] is True
    assert (await client.get(f"/api/v1/products/{mug}/rating", headers=viewer)).json()["average"] == 4.5
    listed = await client.get("/api/v1/reviews", params={"product_id": mug}, headers=viewer)
    assert rude not in [r["id"] for r in listed.json()["data"]]
    everything = await client.get(
        "/api/v1/reviews", params={"product_id": mug, "include_hidden": True}, headers=manager
    )
    assert rude in [r["id"] for r in everything.json()["data"]]
    assert (await client.post(f"/api/v1/reviews/{rude}/show", headers=manager)).json()["hidden"] is False
    assert (await client.post(f"/api/v1/reviews/{rude}/hide", headers=viewer)).status_code == 403
    empty = await client.get(f"/api/v1/products/{await make_product()}/rating", headers=viewer)
    assert empty.json()["average"] is None
