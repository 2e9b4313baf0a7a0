"""GET /api/v1/products/by-barcode/{code}: every way a scanner sends a GTIN finds the product."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .conftest import EAN8, EAN13, UPC_A

GS1_GTIN = "09501101020917"  # GTIN-13 9501101020917 in a GTIN-14 field


@pytest.fixture
async def products(make_product) -> dict[str, int]:
    ean13 = await make_product(sku="E13", barcode=EAN13)
    ean8 = await make_product(sku="E8", barcode=EAN8)
    upc = await make_product(sku="UPC", barcode=UPC_A)
    gs1 = await make_product(sku="GS1", barcode=GS1_GTIN[1:])
    upc_e = await make_product(sku="UPCE", barcode="042100005264")
    return {"E13": ean13["id"], "E8": ean8["id"], "UPC": upc["id"], "GS1": gs1["id"], "UPCE": upc_e["id"]}


@pytest.mark.parametrize(
    ("code", "sku"),
    [
        (EAN13, "E13"),
        ("0" + EAN13, "E13"),
        (EAN8, "E8"),
        ("00000" + EAN8, "E8"),
        (UPC_A, "UPC"),
        ("0" + UPC_A, "UPC"),
        ("04252614", "UPCE"),  # UPC-E, expanded to its UPC-A
        ("]E0" + EAN13, "E13"),
        ("]C101" + GS1_GTIN + "17190508" + "10ABCD1234", "GS1"),
        ("]C1" + "01" + GS1_GTIN + "10ABC\x1d" + "17191231", "GS1"),
        ("01" + GS1_GTIN + "17190508", "GS1"),
        ("(01)" + GS1_GTIN + "(17)190508(10)ABCD1234", "GS1"),
        ("]d2" + "01" + GS1_GTIN + "21SERIAL1", "GS1"),
        (" " + EAN13 + " ", "E13"),
    ],
)
async def test_every_form_finds_the_product(client, auth_headers, products, code, sku) -> None:
    viewer = await auth_headers("viewer")
    response = await client.get(f"/api/v1/products/by-barcode/{quote(code, safe='')}", headers=viewer)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sku"] == sku
    assert body["id"] == products[sku]
    assert body["stock"] == []


async def test_unknown_barcode_is_404_with_a_code(client, admin, products) -> None:
    response = await client.get("/api/v1/products/by-barcode/5901234123457", headers=admin)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "barcode_not_found"
    assert error["details"] == [{"barcode": "5901234123457"}]


@pytest.mark.parametrize(
    "code",
    [
        "4006381333932",
        "96385075",
        "036000291453",
        "01" + GS1_GTIN[:-1] + "8",
        "(01)" + GS1_GTIN[:-1] + "0",
        "12345",
        "ABC-123",
        "(17)190508",
        "]C1",
        "x" * 201,
        "%00",
        "(((",
        "01",
    ],
)
async def test_bad_codes_are_400_invalid_barcode(client, admin, products, code) -> None:
    response = await client.get(f"/api/v1/products/by-barcode/{quote(code, safe='')}", headers=admin)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] in ("invalid_barcode", "validation_error")


async def test_a_deleted_products_barcode_is_not_found(client, admin, products) -> None:
    await client.delete(f"/api/v1/products/{products['E13']}", headers=admin)
    response = await client.get(f"/api/v1/products/by-barcode/{EAN13}", headers=admin)
    assert response.status_code == 404
