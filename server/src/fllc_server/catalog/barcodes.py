"""Barcodes as the catalog stores them: GTINs with a correct check digit, normalised.

The stored form is 13 digits for a GTIN-8 (EAN-8), GTIN-12 (UPC-A) or GTIN-13 (EAN-13) — zero-padded
on the left — and the 14 digits of a GTIN-14 whose indicator digit is not 0 (a case code). A GTIN-14
with indicator 0 is the same item as its GTIN-13 and is stored as that.

`normalise_barcode` is for what a person types into a product form (digits only);
`normalise_scan` also reads what a scanner sends: a symbology identifier (`]E0`, `]C1`, ...) and GS1
element strings with AI 01 (raw, with group separators, or in parentheses: `(01)...(10)...`), and an
8-digit UPC-E whose check digit does not fit EAN-8.
"""

from __future__ import annotations

import datetime as dt

from biip import ParseError
from biip.gs1_messages import GS1Message
from biip.symbology import GS1Symbology, SymbologyIdentifier

GTIN_LENGTHS = frozenset({8, 12, 13, 14})
_GS1_GTIN_AIS = ("01", "02")


class InvalidBarcode(ValueError):  # noqa: N818 - reads as what it is: an invalid barcode
    """A code that is not a usable GTIN; the message says why, for a person."""


def gs1_check_digit(payload: str) -> int:
    """The GS1 mod-10 check digit of `payload` (the digits before the check digit)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return (10 - total % 10) % 10


def _require_gtin(code: str) -> None:
    if not code.isascii() or not code.isdigit() or len(code) not in GTIN_LENGTHS:
        raise InvalidBarcode(
            f"A barcode must be 8, 12, 13 or 14 digits (EAN-8, UPC-A, EAN-13, GTIN-14); got {code!r}"
        )
    expected = gs1_check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise InvalidBarcode(f"The barcode {code} has a bad check digit: it should end in {expected}")


def normalise_barcode(code: str) -> str:
    """A typed GTIN in its stored form; raises InvalidBarcode on a bad length or check digit."""
    code = code.strip()
    _require_gtin(code)
    if len(code) == 14 and code[0] != "0":
        return code
    return code.zfill(14)[1:]


def expand_upc_e(code: str) -> str:
    """An 8-digit UPC-E (`04252614`) as its UPC-A (`042100005264`); raises InvalidBarcode."""
    if len(code) != 8 or not code.isdigit() or code[0] not in "01":
        raise InvalidBarcode(f"{code!r} is not a UPC-E code")
    body, last = code[1:7], code[6]
    if last in "012":
        middle = body[0:2] + last + "0000" + body[2:5]
    elif last == "3":
        middle = body[0:3] + "00000" + body[3:5]
    elif last == "4":
        middle = body[0:4] + "00000" + body[4]
    else:
        middle = body[0:5] + "0000" + last
    upc_a = code[0] + middle + code[7]
    _require_gtin(upc_a)
    return upc_a


def normalise_scan(raw: str) -> str:
    """Whatever a scanner or a person sent, as the stored barcode; raises InvalidBarcode."""
    code = raw.strip(" \r\n\t")
    if not code:
        raise InvalidBarcode("The barcode is empty")
    if code.startswith("]"):
        return _with_symbology(code)
    if code.startswith("("):
        return _gs1_hri(code)
    if code.isascii() and code.isdigit() and len(code) in GTIN_LENGTHS:
        return _plain_gtin(code)
    if code[:2] in _GS1_GTIN_AIS and len(code) >= 16:
        return _gs1_message(code)
    raise InvalidBarcode(
        f"{code!r} is neither a GTIN (EAN-8, UPC-A, EAN-13, GTIN-14) nor a GS1 element string"
    )


def scanned_expiry(raw: str) -> dt.date | None:
    """The expiry date (GS1 AI 17) a scanned GS1 element string carries; None for any other code
    (a plain GTIN, no AI 17, or something unreadable: `normalise_scan` refuses that)."""
    code = raw.strip(" \r\n\t")
    try:
        if code.startswith("]"):
            symbology = SymbologyIdentifier.extract(code)
            if symbology.gs1_symbology not in GS1Symbology.with_gs1_messages():
                return None
            message = GS1Message.parse(code[len(symbology.value) :].strip("\x1d"))
        elif code.startswith("("):
            message = GS1Message.parse_hri(code)
        elif code[:2] in _GS1_GTIN_AIS and len(code) >= 16:
            message = GS1Message.parse(code.strip("\x1d"))
        else:
            return None
    except (ParseError, IndexError, ValueError):
        return None
    element = message.element_strings.get(ai="17")
    return element.date if element is not None else None


def _plain_gtin(code: str) -> str:
    try:
        return normalise_barcode(code)
    except InvalidBarcode:
        if len(code) != 8 or code[0] not in "01":
            raise
    try:  # eight digits without a symbology identifier may also be a UPC-E
        return normalise_barcode(expand_upc_e(code))
    except InvalidBarcode:
        raise InvalidBarcode(f"The barcode {code} has a bad check digit") from None


def _with_symbology(code: str) -> str:
    try:
        symbology = SymbologyIdentifier.extract(code)
    except (ParseError, IndexError, ValueError) as exc:
        raise InvalidBarcode(f"Unknown symbology identifier in {code[:3]!r}") from exc
    body = code[len(symbology.value) :]
    if symbology.gs1_symbology in GS1Symbology.with_gs1_messages():
        return _gs1_message(body)
    if symbology.value in ("]E0", "]E3") and len(body) == 8:
        return _plain_gtin(body)
    if symbology.gs1_symbology == GS1Symbology.EAN_13_WITH_ADD_ON:
        body = body[:13]
    return normalise_barcode(body)


def _gs1_message(body: str) -> str:
    try:
        message = GS1Message.parse(body.strip("\x1d"))
    except ParseError as exc:
        raise InvalidBarcode(f"The GS1 barcode could not be read: {exc}") from exc
    return _gtin_of(message)


def _gs1_hri(body: str) -> str:
    try:
        message = GS1Message.parse_hri(body)
    except ParseError as exc:
        raise InvalidBarcode(f"The GS1 barcode could not be read: {exc}") from exc
    return _gtin_of(message)


def _gtin_of(message: GS1Message) -> str:
    for ai in _GS1_GTIN_AIS:
        element = message.element_strings.get(ai=ai)
        if element is not None:
            return normalise_barcode(element.value)
    raise InvalidBarcode("The GS1 barcode carries no GTIN (AI 01)")
