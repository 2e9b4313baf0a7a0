"""Check digits, UPC-E expansion and GTIN normalisation: a bad check digit is an error, never a lookup."""

from __future__ import annotations

import pytest
from biip.upc import Upc

from fllc_desktop.domain.barcodes import (
    DecodeError,
    ScanKind,
    decode_scan,
    expand_upc_e,
    gs1_check_digit,
    normalize_gtin,
    validate_ean8,
    validate_ean13,
    validate_upc_a,
    validate_upc_e,
)


def with_check_digit(payload: str) -> str:
    return payload + str(gs1_check_digit(payload))


@pytest.mark.parametrize(
    ("payload", "check"),
    [("400638133393", 1), ("9638507", 4), ("03600029145", 2), ("1001234567890", 2), ("0", 0)],
)
def test_gs1_check_digit_matches_published_examples(payload: str, check: int) -> None:
    assert gs1_check_digit(payload) == check


@pytest.mark.parametrize(
    ("validate", "good"),
    [
        (validate_ean13, "4006381333931"),
        (validate_ean8, "96385074"),
        (validate_upc_a, "036000291452"),
        (validate_upc_e, "04252614"),
    ],
)
def test_each_symbology_accepts_a_good_code_and_rejects_its_misread(validate, good: str) -> None:
    assert validate(good) == good
    misread = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(DecodeError) as caught:
        validate(misread)
    assert caught.value.reason == "bad_check_digit"
    assert f"should end in {good[-1]}" in caught.value.message


@pytest.mark.parametrize("validate", [validate_ean13, validate_ean8, validate_upc_a, validate_upc_e])
def test_wrong_lengths_and_letters_are_rejected(validate) -> None:
    with pytest.raises(DecodeError):
        validate("12345")
    with pytest.raises(DecodeError):
        validate("40063813A3931")


@pytest.mark.parametrize("last_digit", "0123456789")
def test_upc_e_expansion_agrees_with_biip_for_every_compression_rule(last_digit: str) -> None:
    for number_system in "01":
        payload = f"{number_system}12345{last_digit}"  # number system + six digits, no check digit
        upc_a_from_biip = Upc.parse(payload).as_upc_a()
        upc_e = payload + upc_a_from_biip[-1]
        assert expand_upc_e(upc_e) == upc_a_from_biip


def test_upc_e_with_a_number_system_other_than_0_or_1_is_rejected() -> None:
    with pytest.raises(DecodeError) as caught:
        expand_upc_e("24252614")
    assert caught.value.reason == "bad_number_system"


@pytest.mark.parametrize(
    ("code", "normalised"),
    [
        ("4006381333931", "4006381333931"),
        ("036000291452", "0036000291452"),
        ("96385074", "0000096385074"),
        ("04006381333931", "4006381333931"),
        ("10012345678902", "10012345678902"),
    ],
)
def test_normalize_gtin_gives_the_13_digit_form_the_server_stores(code: str, normalised: str) -> None:
    assert normalize_gtin(code) == normalised


def test_normalize_gtin_expands_upc_e_on_request() -> None:
    assert normalize_gtin("04252614", upc_e=True) == "0042100005264"


def test_normalize_gtin_refuses_a_bad_check_digit() -> None:
    with pytest.raises(DecodeError):
        normalize_gtin("4006381333932")


@pytest.mark.parametrize(
    ("raw", "gtin"),
    [
        ("4006381333931", "4006381333931"),
        ("036000291452", "0036000291452"),
        ("96385074", "0000096385074"),
        ("04252614", "0042100005264"),  # not a valid EAN-8, valid as UPC-E
        ("10012345678902", "10012345678902"),
        ("4006381333931\r\n", "4006381333931"),
        ("]E04006381333931", "4006381333931"),
        ("]E004252614", "0042100005264"),
        ("]E496385074", "0000096385074"),
        ("]E3400638133393112", "4006381333931"),
    ],
)
def test_decode_scan_reads_retail_barcodes(raw: str, gtin: str) -> None:
    result = decode_scan(raw)
    assert result.ok, result.error
    assert result.kind is ScanKind.GTIN
    assert result.gtin == gtin
    assert result.lookup_key == gtin


@pytest.mark.parametrize(
    "raw", ["4006381333932", "96385075", "036000291453", "]E04006381333932", "10012345678903"]
)
def test_decode_scan_turns_a_bad_check_digit_into_an_error_not_a_lookup(raw: str) -> None:
    result = decode_scan(raw)
    assert result.kind is ScanKind.INVALID
    assert result.lookup_key is None
    assert result.error is not None
    assert result.error.reason == "bad_check_digit"
    assert "Scan it again" in result.error.message


@pytest.mark.parametrize("payload", ["200123400005", "020012345678", "041234567890"])
def test_restricted_circulation_numbers_are_internal_codes(payload: str) -> None:
    code = with_check_digit(payload)
    result = decode_scan(code)
    assert result.kind is ScanKind.INTERNAL
    assert result.gtin == normalize_gtin(code)


@pytest.mark.parametrize("raw", ["SKU-00123", "LOC-A01-03", "PO-2024-0012", "12345", "ab.cd/ef"])
def test_sku_like_text_is_looked_up_as_text(raw: str) -> None:
    result = decode_scan(raw)
    assert result.kind is ScanKind.TEXT
    assert result.text == raw
    assert result.lookup_key == raw


def test_text_from_a_mismatched_keyboard_layout_is_explained() -> None:
    result = decode_scan("SKUß00123")
    assert result.kind is ScanKind.INVALID
    assert result.error is not None
    assert result.error.reason == "unknown_characters"
    assert "'ß'" in result.error.message
    assert "keyboard layout" in result.error.message


def test_an_empty_scan_is_an_error() -> None:
    result = decode_scan("\r\n")
    assert result.error is not None
    assert result.error.reason == "empty"


def test_an_unknown_symbology_identifier_is_explained() -> None:
    result = decode_scan("]!0123")
    assert result.error is not None
    assert result.error.reason == "unknown_symbology"


def test_non_gs1_symbologies_fall_back_to_gtin_or_text() -> None:
    assert decode_scan("]C04006381333931").gtin == "4006381333931"
    assert decode_scan("]A0SKU-1").text == "SKU-1"
