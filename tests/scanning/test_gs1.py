"""GS1 element strings (GS1-128, GS1 DataMatrix, GS1 QR): GTIN, lot, expiry, serial, count — and the
group separators that wedge scanners mangle."""

from __future__ import annotations

import datetime as dt

import pytest

from fllc_desktop.domain.barcodes import DEFAULT_GS_SUBSTITUTES, ScanKind, decode_scan

GS = "\x1d"
GTIN_14 = "09501101530003"
EAN_13 = "9501101530003"


@pytest.mark.parametrize("symbology", ["]C1", "]d2", "]Q3", ""])
def test_a_full_element_string_fills_every_intake_field(symbology: str) -> None:
    raw = f"{symbology}01{GTIN_14}17250131{GS}10LOT-42{GS}21SN0001{GS}3012"
    result = decode_scan(raw)
    assert result.ok, result.error
    assert result.kind is ScanKind.GS1
    assert result.gtin == EAN_13
    assert result.expiry == dt.date(2025, 1, 31)
    assert (result.lot, result.serial, result.count) == ("LOT-42", "SN0001", 12)
    assert result.symbology == (symbology or None)
    assert result.warnings == ()


def test_expiry_day_00_means_the_last_day_of_the_month() -> None:
    assert decode_scan(f"]C101{GTIN_14}17240200").expiry == dt.date(2024, 2, 29)


def test_a_logistic_unit_gives_the_contained_gtin_and_count() -> None:
    result = decode_scan(f"]C102{GTIN_14}3748{GS}10PAL7")
    assert (result.gtin, result.count, result.lot) == (EAN_13, 48, "PAL7")


def test_a_case_gtin_keeps_its_14_digits() -> None:
    assert decode_scan("]C10110012345678902").gtin == "10012345678902"


def test_fixed_length_fields_need_no_separator() -> None:
    result = decode_scan(f"]d201{GTIN_14}1725063010ABC")
    assert (result.expiry, result.lot) == (dt.date(2025, 6, 30), "ABC")


def test_a_leading_fnc1_is_ignored() -> None:
    assert decode_scan(f"]C1{GS}01{GTIN_14}10X1").lot == "X1"


@pytest.mark.parametrize("substitute", [s for s in DEFAULT_GS_SUBSTITUTES if s != GS])
def test_the_usual_group_separator_substitutes_are_accepted(substitute: str) -> None:
    result = decode_scan(f"]C101{GTIN_14}10LOT1{substitute}21SER9{substitute}17251231")
    assert result.ok, result.error
    assert (result.lot, result.serial, result.expiry) == ("LOT1", "SER9", dt.date(2025, 12, 31))


def test_a_configured_substitute_is_accepted() -> None:
    raw = f"]C101{GTIN_14}10LOT1|21SER9"
    assert not decode_scan(raw).ok
    result = decode_scan(raw, gs_substitutes=[*DEFAULT_GS_SUBSTITUTES, "|"])
    assert (result.lot, result.serial) == ("LOT1", "SER9")


def test_without_a_symbology_identifier_a_separator_marks_gs1() -> None:
    assert decode_scan(f"01{GTIN_14}10LOT1<GS>21S").kind is ScanKind.GS1


def test_a_mangled_separator_is_explained_with_the_character_to_configure() -> None:
    result = decode_scan(f"]C101{GTIN_14}10LOT1§21SER9")
    assert result.kind is ScanKind.INVALID
    assert result.error is not None
    assert result.error.reason == "unknown_separator"
    assert "'§'" in result.error.message
    assert "substitutes" in result.error.message


def test_an_unreadable_element_string_is_explained() -> None:
    result = decode_scan(f"]C101{GTIN_14}99")
    assert result.error is not None
    assert result.error.reason == "unreadable_gs1"
    assert "group separator" in result.error.message


def test_a_bad_gtin_check_digit_inside_gs1_is_an_error() -> None:
    result = decode_scan("]C10109501101530004")
    assert result.error is not None
    assert result.error.reason == "bad_check_digit"
    assert result.lookup_key is None


def test_an_invalid_expiry_date_is_an_error() -> None:
    assert not decode_scan(f"]C101{GTIN_14}17251340").ok


def test_a_dropped_separator_before_an_expiry_warns() -> None:
    result = decode_scan(f"]C101{GTIN_14}10ABC17250131")
    assert result.ok
    assert result.lot == "ABC17250131"
    assert result.expiry is None
    assert "(17)" in result.warnings[0]


def test_a_typed_human_readable_form_is_accepted_for_damaged_labels() -> None:
    result = decode_scan(f"(01){GTIN_14}(17)250131(10)LOT7")
    assert (result.gtin, result.expiry, result.lot) == (EAN_13, dt.date(2025, 1, 31), "LOT7")


def test_a_gs1_digital_link_in_a_qr_code_is_read() -> None:
    result = decode_scan(f"]Q1https://id.gs1.org/01/{GTIN_14}/10/ABC/21/S1")
    assert (result.gtin, result.lot, result.serial) == (EAN_13, "ABC", "S1")


def test_a_web_address_that_is_not_a_product_link_is_explained() -> None:
    result = decode_scan("https://example.com/hello")
    assert result.error is not None
    assert result.error.reason == "not_a_product_link"
