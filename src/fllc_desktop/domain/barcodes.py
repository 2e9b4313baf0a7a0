"""What a scanned code means: check digits, UPC-E expansion, GTIN normalisation, GS1 element strings.

One entry point, :func:`decode_scan`, turns whatever a scanner (or a person typing a damaged label)
produced into a :class:`ScanResult`:

* ``gtin``     — an EAN-13, EAN-8, UPC-A, UPC-E or GTIN-14 with a correct check digit;
* ``internal`` — a GTIN in a restricted-circulation range (in-store codes, variable-weight labels);
* ``gs1``      — a GS1-128 / GS1 DataMatrix / GS1 QR element string: GTIN (AI 01/02), lot (10),
  expiry (17), serial (21), count (30/37);
* ``text``     — SKU-like text: a SKU, a location code, a purchase-order number;
* ``invalid``  — with a :class:`DecodeError` whose message tells a person what to do.

A bad check digit is always an error and never a lookup: looking up a misread code could find the
wrong product. The server stores barcodes as EAN-13 (GTIN-14 only for case codes that have no
13-digit form); :func:`normalize_gtin` produces that form.

GS1 element strings are parsed with ``biip``. Keyboard-wedge scanners turn the group separator
(FNC1, ASCII 29) into different characters depending on the keyboard layout, so the usual
substitutes (and configured ones) are turned back into ``\\x1d`` first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from biip import ParseConfig, ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementStrings
from biip.gs1_messages import GS1Message
from biip.symbology import GS1Symbology, SymbologyIdentifier

GROUP_SEPARATOR = "\x1d"

DEFAULT_GS_SUBSTITUTES: tuple[str, ...] = (
    GROUP_SEPARATOR,
    "<GS>",
    "{GS}",
    "[GS]",
    "<FNC1>",
    "^]",
    "\\x1d",
    "~",
)
"""What wedge scanners commonly type instead of the group separator."""

# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
_GS1_CSET82 = frozenset("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_SKU_LIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._\-/#:+]{0,63}")
_GTIN_LENGTHS = frozenset({8, 12, 13, 14})
_LOOKS_LIKE_GS1 = re.compile(r"^(?:0[12]\d{14}.+|00\d{18}.*)$")  # a bare (00) SSCC too
_TRAILING_DATE_AI = re.compile(r"(1[1-7])\d\d(0[1-9]|1[0-2])\d\d$")
# GS1 prefixes of restricted circulation numbers (in-store and variable-measure codes).
_RCN13_PREFIXES = ("02", "04", "2")
_RCN8_PREFIXES = ("0", "2")


class ScanKind(StrEnum):
    GTIN = "gtin"
    INTERNAL = "internal"
    GS1 = "gs1"
    TEXT = "text"
    INVALID = "invalid"


class DecodeError(ValueError):
    """A code that cannot be used, with a message a person on the warehouse floor can act on."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        """Stable machine name: ``bad_check_digit``, ``unreadable_gs1``, ``unknown_characters``…"""
        self.message = message


@dataclass(frozen=True)
class ScanResult:
    """The meaning of one scan. ``lookup_key`` is what to search the catalog for."""

    raw: str
    kind: ScanKind
    gtin: str | None = None
    text: str | None = None
    lot: str | None = None
    expiry: dt.date | None = None
    serial: str | None = None
    count: int | None = None
    symbology: str | None = None
    error: DecodeError | None = None
    warnings: tuple[str, ...] = field(default=())
    sscc: str | None = None
    """A shipping container's SSCC-18 (GS1 AI 00): a supplier's carton label."""
    read_gtin: str | None = None
    """The GTIN's digits as the label has them (a GTIN-14 keeps its leading zero); ``gtin`` is the
    normalised form the catalog stores."""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def lookup_key(self) -> str | None:
        """The barcode (normalised GTIN) or the SKU-like text to look up; None for an invalid scan."""
        return self.gtin if self.gtin is not None else self.text

    @property
    def shown_code(self) -> str:
        """The code as read, for a person: the label's GTIN digits, the text, or the raw scan."""
        return self.read_gtin or self.lookup_key or self.raw.strip()


# ----------------------------------------------------------------------------------- check digits


def gs1_check_digit(payload: str) -> int:
    """The GS1 mod-10 check digit for ``payload`` (all the digits before the check digit)."""
    if not payload.isdigit():
        raise DecodeError("not_digits", f"{payload!r} is not all digits, so it has no GS1 check digit.")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return (10 - total % 10) % 10


def _require_check_digit(code: str, name: str, expected: int) -> None:
    actual = int(code[-1])
    if actual != expected:
        raise DecodeError(
            "bad_check_digit",
            f"{name} {code} has a bad check digit: it ends in {actual} but should end in {expected}. "
            "The label was misread or is misprinted. Scan it again; if it keeps failing, "
            "enter the product's SKU instead.",
        )


def _require_digits(code: str, name: str, length: int) -> None:
    if len(code) != length or not code.isdigit():
        raise DecodeError("bad_length", f"{name} must be {length} digits; got {code!r}.")


def validate_gtin(code: str, name: str = "GTIN") -> str:
    """Check an EAN-13, EAN-8, UPC-A (GTIN-12) or GTIN-14; returns it, or raises DecodeError."""
    if not code.isdigit() or len(code) not in _GTIN_LENGTHS:
        raise DecodeError("bad_length", f"{name} must be 8, 12, 13 or 14 digits; got {code!r}.")
    _require_check_digit(code, name, gs1_check_digit(code[:-1]))
    return code


def validate_ean13(code: str) -> str:
    _require_digits(code, "EAN-13", 13)
    return validate_gtin(code, "EAN-13")


def validate_ean8(code: str) -> str:
    _require_digits(code, "EAN-8", 8)
    return validate_gtin(code, "EAN-8")


def validate_upc_a(code: str) -> str:
    _require_digits(code, "UPC-A", 12)
    return validate_gtin(code, "UPC-A")


def validate_upc_e(code: str) -> str:
    """Check an 8-digit UPC-E (number system 0/1, six digits, check digit); returns it."""
    expand_upc_e(code)
    return code


# ------------------------------------------------------------------------------------ UPC-E, GTIN


def _upc_e_body_to_upc_a_payload(number_system: str, body: str) -> str:
    last = body[5]
    if last in "012":
        middle = body[0:2] + last + "0000" + body[2:5]
    elif last == "3":
        middle = body[0:3] + "00000" + body[3:5]
    elif last == "4":
        middle = body[0:4] + "00000" + body[4]
    else:
        middle = body[0:5] + "0000" + last
    return number_system + middle


def expand_upc_e(code: str) -> str:
    """Expand an 8-digit UPC-E (e.g. ``04252614``) to its 12-digit UPC-A (``042100005264``).

    The UPC-E check digit is the check digit of the expanded UPC-A; a wrong one raises DecodeError.
    """
    _require_digits(code, "UPC-E", 8)
    if code[0] not in "01":
        raise DecodeError(
            "bad_number_system",
            f"UPC-E {code} must start with 0 or 1 (its number system); it starts with {code[0]}.",
        )
    payload = _upc_e_body_to_upc_a_payload(code[0], code[1:7])
    _require_check_digit(code, "UPC-E", gs1_check_digit(payload))
    return payload + code[7]


def normalize_gtin(code: str, *, upc_e: bool = False) -> str:
    """The form the server stores: 13 digits where possible, else the GTIN-14.

    EAN-13 stays as is; UPC-A gains a leading zero; EAN-8 is zero-padded (its GTIN-13 form);
    UPC-E (``upc_e=True`` for an 8-digit code) is expanded first; a GTIN-14 with indicator 0 loses it,
    other GTIN-14s (case codes) stay 14 digits. Raises DecodeError on a bad check digit.
    """
    code = code.strip()
    if upc_e:
        code = expand_upc_e(code)
    validate_gtin(code)
    if len(code) == 14 and code[0] != "0":
        return code
    return code.zfill(14)[1:]


def is_restricted_circulation(gtin13: str) -> bool:
    """True for in-store / variable-measure codes (GS1 prefixes 02, 04, 20-29; RCN-8 0 and 2)."""
    if gtin13.startswith("00000"):
        return gtin13[5:].startswith(_RCN8_PREFIXES)
    return len(gtin13) == 13 and gtin13.startswith(_RCN13_PREFIXES)


# ------------------------------------------------------------------------------------ decode_scan


def decode_scan(raw: str, *, gs_substitutes: Iterable[str] = DEFAULT_GS_SUBSTITUTES) -> ScanResult:
    """Decode one scan (or a manually typed code). Never raises: problems come back as INVALID."""
    try:
        return _decode(raw, tuple(gs_substitutes))
    except DecodeError as exc:
        return ScanResult(raw=raw, kind=ScanKind.INVALID, error=exc)


def _decode(raw: str, substitutes: tuple[str, ...]) -> ScanResult:
    code = raw.strip("\r\n\t ")
    if not code:
        raise DecodeError("empty", "The scan was empty. Scan the barcode again.")
    if code.startswith("]"):
        return _decode_with_symbology(raw, code, substitutes)
    return _decode_unmarked(raw, code, substitutes, None)


def _decode_unmarked(raw: str, code: str, substitutes: tuple[str, ...], symbology: str | None) -> ScanResult:
    """A code whose symbology does not say GS1 or EAN/UPC: guess from its shape."""
    gs1_body = substitute_group_separators(code, substitutes)
    if GROUP_SEPARATOR in gs1_body.strip(GROUP_SEPARATOR) or _LOOKS_LIKE_GS1.match(gs1_body):
        return _decode_gs1(raw, gs1_body, symbology)
    if gs1_body.startswith(("http://", "https://")):
        return _decode_gs1(raw, gs1_body, symbology)
    if gs1_body.startswith("(") and not gs1_body.startswith("()"):
        return _decode_gs1_hri(raw, gs1_body)
    if code.isdigit() and len(code) in _GTIN_LENGTHS:
        return _decode_plain_gtin(raw, code, symbology)
    return _decode_text(raw, code, symbology)


def substitute_group_separators(code: str, substitutes: Iterable[str]) -> str:
    """Replace every configured group-separator substitute (longest first) with ``\\x1d``."""
    for substitute in sorted({s for s in substitutes if s}, key=len, reverse=True):
        code = code.replace(substitute, GROUP_SEPARATOR)
    return code


def _decode_with_symbology(raw: str, code: str, substitutes: tuple[str, ...]) -> ScanResult:
    try:
        symbology = SymbologyIdentifier.extract(code)
    except (ParseError, IndexError) as exc:
        raise DecodeError(
            "unknown_symbology",
            f"The scan starts with {code[:3]!r}, which is not a symbology identifier this app knows. "
            "Turn off 'transmit AIM ID' on the scanner or set it to the standard identifiers.",
        ) from exc
    body = code[len(symbology) :]
    gs1 = symbology.gs1_symbology
    if gs1 in GS1Symbology.with_gs1_messages():
        return _decode_gs1(raw, substitute_group_separators(body, substitutes), symbology.value)
    if gs1 in GS1Symbology.with_gtin():
        return _decode_symbology_gtin(raw, body, symbology.value)
    return _decode_unmarked(raw, body, substitutes, symbology.value)


def _decode_symbology_gtin(raw: str, body: str, symbology: str) -> ScanResult:
    if symbology in ("]E0", "]E3") and len(body) == 8:
        return _gtin_result(raw, normalize_gtin(body, upc_e=True), symbology, body)
    if symbology == "]E3" and len(body) in (15, 18):  # EAN-13 plus a 2- or 5-digit add-on
        body = body[:13]
    if not body.isdigit() or len(body) not in _GTIN_LENGTHS:
        raise DecodeError(
            "bad_length", f"The scanner reported an EAN/UPC barcode but sent {body!r}. Scan it again."
        )
    return _gtin_result(raw, normalize_gtin(body), symbology, body)


def _decode_plain_gtin(raw: str, code: str, symbology: str | None) -> ScanResult:
    if len(code) != 8:
        return _gtin_result(raw, normalize_gtin(code), symbology, code)
    try:
        return _gtin_result(raw, normalize_gtin(code), symbology, code)
    except DecodeError as ean8_error:
        if code[0] not in "01":
            raise
        try:  # without a symbology identifier, 8 digits may also be a UPC-E
            return _gtin_result(raw, normalize_gtin(code, upc_e=True), symbology, code)
        except DecodeError:
            raise ean8_error from None


def _gtin_result(raw: str, gtin: str, symbology: str | None, read: str) -> ScanResult:
    kind = ScanKind.INTERNAL if is_restricted_circulation(gtin) else ScanKind.GTIN
    return ScanResult(raw=raw, kind=kind, gtin=gtin, symbology=symbology, read_gtin=read)


def _decode_text(raw: str, text: str, symbology: str | None) -> ScanResult:
    text = text.strip()
    if not _SKU_LIKE.fullmatch(text):
        strange = sorted({c for c in text if not ((c.isascii() and c.isalnum()) or c in " ._-/#:+")})
        shown = ", ".join(repr(c) for c in strange) or repr(text)
        raise DecodeError(
            "unknown_characters",
            f"The scan {text!r} is not a barcode this app knows: it contains {shown}. "
            "If the label is fine, the scanner's keyboard layout probably differs from this computer's: "
            "set both to the same layout, or type the code in the manual entry field.",
        )
    return ScanResult(raw=raw, kind=ScanKind.TEXT, text=text, symbology=symbology)


# ------------------------------------------------------------------------------------------- GS1


def _decode_gs1(raw: str, body: str, symbology: str | None) -> ScanResult:
    body = body.strip(GROUP_SEPARATOR + " ")
    config = ParseConfig(separator_chars=(GROUP_SEPARATOR,))
    try:
        if body.startswith("http"):
            elements = GS1DigitalLinkURI.parse(body, config=config).element_strings
        else:
            elements = GS1Message.parse(body, config=config).element_strings
    except ParseError as exc:
        raise _explain_gs1_failure(body, str(exc)) from exc
    return _gs1_result(raw, elements, symbology, _missing_separator_warnings(body, elements))


def _decode_gs1_hri(raw: str, body: str) -> ScanResult:
    try:
        elements = GS1Message.parse_hri(body).element_strings
    except ParseError as exc:
        raise _explain_gs1_failure(body, str(exc)) from exc
    return _gs1_result(raw, elements, None, ())


def _gs1_result(
    raw: str, elements: GS1ElementStrings, symbology: str | None, warnings: tuple[str, ...]
) -> ScanResult:
    gtin_element = elements.get(ai="01") or elements.get(ai="02")
    gtin = normalize_gtin(gtin_element.value) if gtin_element else None
    sscc = _value(elements, "00")
    if sscc is not None:
        _require_check_digit(sscc, "The carton label (SSCC)", gs1_check_digit(sscc[:-1]))
    expiry_element = elements.get(ai="17")
    count_element = elements.get(ai="30") or elements.get(ai="37")
    return ScanResult(
        raw=raw,
        kind=ScanKind.GS1,
        gtin=gtin,
        lot=_value(elements, "10"),
        expiry=expiry_element.date if expiry_element else None,
        serial=_value(elements, "21"),
        sscc=sscc,
        count=int(count_element.value) if count_element else None,
        symbology=symbology,
        warnings=warnings,
        read_gtin=gtin_element.value if gtin_element else None,
    )


def _value(elements: GS1ElementStrings, ai: str) -> str | None:
    element = elements.get(ai=ai)
    return element.value if element else None


def _explain_gs1_failure(body: str, detail: str) -> DecodeError:
    if body.startswith("http"):
        return DecodeError(
            "not_a_product_link",
            f"This QR code holds a web address that is not a GS1 product link ({detail}). "
            "Scan the product's EAN or GS1 barcode instead.",
        )
    strange = sorted({c for c in body if c not in _GS1_CSET82 and c != GROUP_SEPARATOR})
    if strange:
        shown = ", ".join(repr(c) for c in strange)
        return DecodeError(
            "unknown_separator",
            f"This GS1 barcode could not be read: it contains {shown}, probably where the group "
            "separator (FNC1) belongs — the scanner's keyboard layout changes it. Add that character "
            "to the group-separator substitutes in the scanner settings, or program the scanner to "
            f"send <GS>. (Details: {detail})",
        )
    if "check digit" in detail.lower():
        return DecodeError(
            "bad_check_digit",
            f"The GTIN inside this GS1 barcode has a bad check digit. Scan it again; if it keeps "
            f"failing, the label is misprinted — enter the product's SKU instead. (Details: {detail})",
        )
    return DecodeError(
        "unreadable_gs1",
        "This GS1 barcode could not be read. If it has a lot or serial number in the middle, the "
        "scanner probably dropped the group separator (FNC1): enable 'transmit FNC1 as <GS>' on the "
        f"scanner, or type the code from the label. (Details: {detail})",
    )


def _missing_separator_warnings(body: str, elements: GS1ElementStrings) -> tuple[str, ...]:
    if GROUP_SEPARATOR in body:
        return ()
    warnings = []
    for element in elements:
        date_tail = _TRAILING_DATE_AI.search(element.value)
        if element.ai.separator_required and date_tail:
            warnings.append(
                f"{element.ai.data_title} {element.value!r} ends in what looks like AI "
                f"({date_tail.group(1)}), a date: the scanner may have dropped the group separator. "
                "Check the lot and expiry against the label."
            )
    return tuple(warnings)
