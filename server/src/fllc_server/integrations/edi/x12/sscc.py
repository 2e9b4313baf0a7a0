"""SSCC-18 (GS1 Serial Shipping Container Code): 17 digits and a GS1 mod-10 check digit."""

from __future__ import annotations

SSCC_LENGTH = 18
_ZERO = ord("0")


def check_digit(body: str) -> str:
    """The GS1 check digit of a digit string: weights 3, 1, 3, ... from the rightmost digit."""
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def is_valid(sscc: str) -> bool:
    if len(sscc) != SSCC_LENGTH or not sscc.isascii() or not sscc.isdigit():
        return False
    # check_digit's weights run 3, 1, 3, ... from index 16 (the digit before the check digit), so
    # the even indices weigh 3; with the check digit added a valid code sums to a multiple of 10.
    # Summed as ASCII codes, each digit carries ord("0") too: 9 * 3 + 8 + 1 of them.
    codes = sscc.encode("ascii")
    total = 3 * sum(codes[0:17:2]) + sum(codes[1:17:2]) + codes[17] - _ZERO * 36
    return total % 10 == 0


def make(extension: int, company_prefix: str, serial: int) -> str:
    """An SSCC from its extension digit, GS1 company prefix and serial reference."""
    serial_width = SSCC_LENGTH - 2 - len(company_prefix)
    body = f"{extension}{company_prefix}{serial:0{serial_width}d}"
    if len(body) != SSCC_LENGTH - 1 or not body.isdigit():
        raise ValueError(f"extension {extension}, prefix {company_prefix!r}, serial {serial} make no SSCC")
    return body + check_digit(body)
