"""Customers with addresses (reports.generate) and reviews (products.view)."""

from __future__ import annotations

import pytest

CUSTOMERS = "/api/v1/customers"
REVIEWS = "/api/v1/reviews"


async def test_customers_with_addresses(client, auth_headers, make_customer) -> None:
    headers = await auth_headers("manager")
    ada = await make_customer("Ada Lovelace", "ada@example.com", cities=("London", "Paris"))
    bob = await make_customer("Bob", None)
    listed = await client.get(CUSTOMERS, headers=headers)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [c["id"] for c in body["data"]] == [ada, bob]
    first = body["data"][0]
    assert set(first) == {"id", "name", "email", "phone", "created_at", "addresses"}
    assert [a["city"] for a in first["addresses"]] == ["London", "Paris"]
    assert set(first["addresses"][0]) == {
        "id",
        "kind",
        "line1",
        "line2",
        "city",
        "region",
        "postal_code",
        "country",
    }
    assert body["data"][1]["addresses"] == []
    found = (await client.get(CUSTOMERS, params={"q": "example.com"}, headers=headers)).json()
    assert [c["id"] for c in found["data"]] == [ada]
    assert (await client.get(CUSTOMERS, params={"q": "%"}, headers=headers)).json()["data"] == []
    one = await client.get(f"{CUSTOMERS}/{ada}", headers=headers)
    assert one.json() == first


async def test_unknown_customer_is_404(client, auth_headers) -> None:
    response = await client.get(f"{CUSTOMERS}/424242", headers=await auth_headers("admin"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "customer_not_found"


@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("manager", 200), ("staff", 403), ("viewer", 403)]
)
async def test_customers_need_reports_generate(client, auth_headers, role, expected) -> None:
    assert (await client.get(CUSTOMERS, headers=await auth_headers(role))).status_code == expected


async def test_reviews_filtered_by_product_and_rating(
    client, auth_headers, make_product, make_customer, make_review
) -> None:
    headers = await auth_headers("viewer")  # products.view is enough
    mug = await make_product()
    cap = await make_product()
    ada = await make_customer("Ada")
    good = await make_review(mug, 5, ada, "Lovely")
    poor = await make_review(mug, 2)
    other = await make_review(cap, 4)
    everything = (await client.get(REVIEWS, headers=headers)).json()
    assert [r["id"] for r in everything["data"]] == [other, poor, good]
    by_product = (await client.get(REVIEWS, params={"product_id": mug}, headers=headers)).json()
    assert [r["id"] for r in by_product["data"]] == [poor, good]
    assert by_product["meta"]["total"] == 2
    liked = (await client.get(REVIEWS, params={"product_id": mug, "min_rating": 4}, headers=headers)).json()
    assert liked["data"] == [
        {
            "id": good,
            "product_id": mug,
            "customer_id": ada,
            "rating": 5,
            "title": "Lovely",
            "body": "",
            "created_at": liked["data"][0]["created_at"],
            "hidden": False,
        }
    ]
    by_customer = (await client.get(REVIEWS, params={"customer_id": ada}, headers=headers)).json()
    assert [r["id"] for r in by_customer["data"]] == [good]


@pytest.mark.parametrize("params", [{"min_rating": 6}, {"product_id": 0}, {"product_id": "mug"}])
async def test_bad_review_filters_are_400(client, auth_headers, params) -> None:
    response = await client.get(REVIEWS, params=params, headers=await auth_headers("viewer"))
    assert response.status_code == 400


async def test_reviews_need_sign_in(client) -> None:
    assert (await client.get(REVIEWS)).status_code == 401
