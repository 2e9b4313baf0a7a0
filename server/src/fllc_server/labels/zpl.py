"""What the server agrees to relay to a label printer: label formats and nothing else.

The desktop lays labels out (its ``labels`` package) and sends the ZPL here; the server checks that
the job is only label formats made of the commands a label needs — no host commands (``~``), nothing
that stores, deletes or reconfigures anything on the printer (``^JU``, ``^ND``, ``^DF``, ``^ID`` …) —
so an allowed printer can be printed on, never taken over.
"""

from __future__ import annotations

import re

from fllc_server.kit.errors import BadRequest

MAX_JOB_BYTES = 512 * 1024
MAX_LABELS = 500
MAX_COPIES = 1000

LABEL_COMMANDS = frozenset(
    {
        "XA",
        "XZ",
        "CI",
        "PW",
        "LL",
        "LH",
        "FO",
        "FT",
        "FB",
        "FH",
        "FD",
        "FS",
        "BY",
        "BE",
        "BC",
        "PQ",
        "FR",
        "GB",
    }
)
"""Format, field and bar code commands; ``^A`` (a font) is checked on its own (``^A0N,…``)."""
_COMMAND = re.compile(r"\^([A-Z@][A-Z0-9@]?)")


def check_label_job(zpl: str) -> int:
    """The number of label formats in ``zpl``; raises BadRequest when it is anything but labels."""
    if len(zpl.encode()) > MAX_JOB_BYTES:
        raise BadRequest(f"a print job is at most {MAX_JOB_BYTES // 1024} KiB", code="label_job_too_large")
    if "~" in zpl:
        raise BadRequest("printer host commands (~) are not sent to printers", code="label_job_refused")
    stripped = zpl.strip()
    if not stripped.startswith("^XA") or not stripped.endswith("^XZ"):
        raise BadRequest("a print job is label formats: ^XA … ^XZ", code="label_job_refused")
    labels = 0
    for segment in stripped.split("^")[1:]:
        command = _command(segment)
        if command == "XA":
            labels += 1
        elif command == "PQ" and not _copies_ok(segment):
            raise BadRequest(f"copies (^PQ) are 1 to {MAX_COPIES}", code="label_job_refused")
    if stripped.count("^XA") != stripped.count("^XZ"):
        raise BadRequest("every label format (^XA) needs its end (^XZ)", code="label_job_refused")
    if labels > MAX_LABELS:
        raise BadRequest(f"a print job is at most {MAX_LABELS} labels", code="label_job_too_large")
    return labels


def _command(segment: str) -> str:
    if segment.startswith("A") and segment[1:2].isalnum():
        return "A"  # ^A0N,30,30: a font and its size
    code = segment[:2]
    if code not in LABEL_COMMANDS:
        raise BadRequest(
            f"^{code} is not a label command; only label formats are sent to printers",
            code="label_job_refused",
        )
    return code


def _copies_ok(segment: str) -> bool:
    first = segment[2:].split(",", 1)[0].strip()
    return first.isdigit() and 1 <= int(first) <= MAX_COPIES
