#!/usr/bin/env python3
"""Generate the scan screens' short feedback sounds with the standard library (``wave``).

Run ``python resources/sounds/generate_sounds.py`` to regenerate ``scan_ok.wav`` (one high beep),
``scan_warning.wav`` (two middle beeps), ``scan_error.wav`` (a low buzz) and ``scan_expired.wav``
(a falling three-note run: expired goods, unlike any other answer). 16-bit mono, 22,050 Hz,
each under half a second, faded in and out so they do not click.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22_050
HERE = Path(__file__).resolve().parent

# (frequency Hz, duration s, volume 0..1) per tone; a frequency of 0 is silence.
SOUNDS: dict[str, list[tuple[float, float, float]]] = {
    "scan_ok": [(1760.0, 0.09, 0.5)],
    "scan_warning": [(880.0, 0.08, 0.5), (0.0, 0.05, 0.0), (880.0, 0.08, 0.5)],
    "scan_error": [(220.0, 0.30, 0.6)],
    "scan_expired": [
        (1320.0, 0.07, 0.5),
        (0.0, 0.03, 0.0),
        (990.0, 0.07, 0.5),
        (0.0, 0.03, 0.0),
        (660.0, 0.12, 0.5),
    ],
}


def _tone(frequency: float, seconds: float, volume: float) -> list[int]:
    count = int(RATE * seconds)
    fade = max(1, int(RATE * 0.008))
    samples = []
    for i in range(count):
        envelope = min(1.0, i / fade, (count - i) / fade)
        wave_value = math.sin(2 * math.pi * frequency * i / RATE) if frequency else 0.0
        if frequency and frequency < 400:  # a buzz: add odd harmonics
            wave_value = (wave_value + math.sin(6 * math.pi * frequency * i / RATE) / 3) * 0.75
        samples.append(int(32767 * volume * envelope * wave_value))
    return samples


def write(name: str, parts: list[tuple[float, float, float]]) -> Path:
    samples = [s for part in parts for s in _tone(*part)]
    path = HERE / f"{name}.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


if __name__ == "__main__":
    for sound, tones in SOUNDS.items():
        print(write(sound, tones))
