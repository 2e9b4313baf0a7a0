"""Generate ``keystrokes.json``: recorded-style keystroke timings of people and wedge scanners.

Run ``python tests/scanning/data/generate_keystrokes.py`` to regenerate (the seed is fixed, so the
file only changes when this script does). The timings follow what we measured on the floor and what
the literature reports:

* people: 80-300 ms between keys with per-person pace and jitter; fast typists 35-90 ms, with the
  occasional key "rollover" pair under 30 ms (never four in a row followed by a fast Enter);
* scanners: 2-20 ms between keys; slow scanners (old Bluetooth and serial-to-USB adapters) 20-29 ms,
  right under the 30 ms default;
* mixed sessions: a person types into a field, a scan arrives, the person goes on typing.

Each recording lists its keys as ``[text, milliseconds]`` and what must come out of the detector: the
scans, and the typed text that must reach the focused widget.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Any

SEED = 20240611
OUT = Path(__file__).with_name("keystrokes.json")
GS = "\x1d"

Key = list[Any]  # [text, ms]


def _ean13(rng: random.Random) -> str:
    payload = "".join(rng.choice(string.digits) for _ in range(12))
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return payload + str((10 - total % 10) % 10)


def _scan_code(rng: random.Random) -> str:
    kind = rng.choice(["ean", "ean", "sku", "gs1", "location"])
    if kind == "ean":
        return _ean13(rng)
    if kind == "sku":
        return f"SKU-{rng.randint(1, 99999):05d}"
    if kind == "location":
        return f"LOC-{rng.choice('ABCDEF')}{rng.randint(1, 40):02d}-{rng.randint(1, 9)}"
    return f"]C101{_ean13(rng).zfill(14)}10L{rng.randint(100, 999)}{GS}17{rng.randint(24, 30)}0131"


def _human_text(rng: random.Random) -> str:
    words = ["pallet", "box", "recount", "damaged", "left", "bay", "qty", "Acme", "return", "note"]
    choice = rng.random()
    if choice < 0.3:
        return f"SKU-{rng.randint(1, 99999):05d}"
    if choice < 0.5:
        return _ean13(rng)  # a person typing a barcode from a damaged label
    return " ".join(rng.choice(words) for _ in range(rng.randint(1, 4)))


def _human_gaps(rng: random.Random, count: int, *, fast: bool) -> list[float]:
    if not fast:
        pace = rng.uniform(110, 220)
        return [min(300.0, max(80.0, rng.gauss(pace, pace * 0.25))) for _ in range(count)]
    pace = rng.uniform(45, 75)
    gaps = [min(90.0, max(35.0, rng.gauss(pace, 12))) for _ in range(count)]
    for i in range(1, count, 3):  # rollover: two keys pressed almost together, never a long run
        if rng.random() < 0.5:
            gaps[i] = rng.uniform(8, 29)
    return gaps


def _scanner_gaps(rng: random.Random, count: int, *, slow: bool) -> list[float]:
    low, high = (20.0, 29.0) if slow else (2.0, 20.0)
    return [rng.uniform(low, high) for _ in range(count)]


def _keys(text: str, gaps: list[float], start: float) -> list[Key]:
    keys: list[Key] = []
    at = start
    for char, gap in zip(text, gaps, strict=True):
        at += gap
        keys.append([char, round(at, 2)])
    return keys


def _human(rng: random.Random, start: float, *, fast: bool) -> tuple[list[Key], str]:
    text = _human_text(rng)
    ending = rng.choice(["\r", "\t", ""])
    gaps = _human_gaps(rng, len(text) + len(ending), fast=fast)
    gaps[0] = rng.uniform(300, 2000)
    return _keys(text + ending, gaps, start), text + ending


def _scan(rng: random.Random, start: float, *, slow: bool) -> tuple[list[Key], str]:
    code = _scan_code(rng)
    gaps = _scanner_gaps(rng, len(code) + 1, slow=slow)
    gaps[0] = rng.uniform(300, 2000)
    return _keys(code + rng.choice(["\r", "\t"]), gaps, start), code


def _recording(rng: random.Random, name: str, parts: list[str]) -> dict[str, Any]:
    keys: list[Key] = []
    scans: list[str] = []
    typed = ""
    for part in parts:
        start = keys[-1][1] if keys else 0.0
        if part.startswith("scan"):
            new_keys, code = _scan(rng, start, slow=part == "scan-slow")
            scans.append(code)
        else:
            new_keys, text = _human(rng, start, fast=part == "human-fast")
            typed += text
        keys += new_keys
    return {"name": name, "keys": keys, "scans": scans, "typed": typed}


def generate() -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    plans = {
        "human": 150,
        "human-fast": 150,
        "scan": 150,
        "scan-slow": 150,
    }
    recordings = [
        _recording(rng, f"{kind}-{i:03d}", [kind]) for kind, count in plans.items() for i in range(count)
    ]
    kinds = list(plans)
    for i in range(100):
        parts = [rng.choice(kinds) for _ in range(rng.randint(2, 5))]
        recordings.append(_recording(rng, f"mixed-{i:03d}", parts))
    return recordings


if __name__ == "__main__":
    lines = ",\n".join(json.dumps(recording, separators=(",", ":")) for recording in generate())
    OUT.write_text(f'{{"seed": {SEED}, "recordings": [\n{lines}\n]}}\n')
