"""The keyboard-wedge detector: scans are swallowed and reported, typing is released in order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fllc_desktop.scanning.wedge import ENTER, TAB, Keystroke, Verdict, WedgeDetector, WedgeSettings

RECORDINGS = json.loads((Path(__file__).parent / "data" / "keystrokes.json").read_text())["recordings"]


class Typist:
    """Feeds a detector at given millisecond offsets and collects what the focused field receives."""

    def __init__(self, detector: WedgeDetector) -> None:
        self.detector = detector
        self.field = ""
        self.scans: list[str] = []
        self.fragments: list[str] = []

    def key(self, text: str, at_ms: float, *, exact: bool = True) -> Verdict:
        verdict = self.detector.feed_key(text, at=at_ms / 1000, exact=exact)
        self._deliver(verdict, text)
        return verdict

    def keys(self, text: str, start_ms: float, gap_ms: float) -> float:
        at = start_ms
        for char in text:
            self.key(char, at)
            at += gap_ms
        return at - gap_ms

    def idle(self) -> None:
        self._deliver(self.detector.idle(), "")

    def _deliver(self, verdict: Verdict, text: str) -> None:
        self.field += "".join(k.text for k in verdict.replay)
        if not verdict.swallow:
            self.field += text
        if verdict.scan is not None:
            self.scans.append(verdict.scan)
        if verdict.fragment is not None:
            self.fragments.append(verdict.fragment)


@pytest.fixture
def typist() -> Typist:
    return Typist(WedgeDetector())


def test_a_fast_burst_ended_by_enter_is_a_scan_and_nothing_leaks(typist: Typist) -> None:
    end = typist.keys("4006381333931", 1000, 8)
    verdict = typist.key(ENTER, end + 8)
    assert verdict.scan == "4006381333931"
    assert typist.scans == ["4006381333931"]
    assert typist.field == ""


def test_tab_also_ends_a_scan(typist: Typist) -> None:
    end = typist.keys("SKU-1", 0, 5)
    assert typist.key(TAB, end + 5).scan == "SKU-1"


def test_slow_human_typing_reaches_the_field_in_order(typist: Typist) -> None:
    end = typist.keys("recount", 0, 150)
    typist.key(ENTER, end + 150)
    assert typist.field == "recount\r"
    assert typist.scans == []


def test_the_last_typed_key_is_released_when_nothing_follows(typist: Typist) -> None:
    typist.keys("ab", 0, 200)
    assert typist.field == "a"
    assert typist.detector.holding
    typist.idle()
    assert typist.field == "ab"
    assert not typist.detector.holding


def test_release_if_idle_waits_for_the_gap_to_pass() -> None:
    detector = WedgeDetector()
    detector.feed_key("a", at=1.000)
    assert detector.release_if_idle(now=1.020) == ()
    assert [k.text for k in detector.release_if_idle(now=1.031)] == ["a"]


def test_gap_left_counts_from_the_last_held_key_and_its_kind_of_time() -> None:
    detector = WedgeDetector()
    assert detector.gap_left(now=5.0) == 0.0  # nothing held: nothing to wait for
    detector.feed_key("a", at=1.000)
    detector.feed_key("b", at=1.008)
    assert detector.gap_left(now=1.020) == pytest.approx(0.018)
    assert detector.gap_left(now=1.040) < 0
    detector.feed_key("c", at=1.050, exact=False)  # only its receive time: the wider fallback gap
    assert detector.gap_left(now=1.090) == pytest.approx(0.020)


def test_a_burst_shorter_than_the_minimum_is_typing(typist: Typist) -> None:
    end = typist.keys("abc", 0, 5)
    verdict = typist.key(ENTER, end + 5)
    assert verdict.scan is None
    assert typist.field == "abc\r"


def test_a_slow_terminator_after_a_scanner_speed_burst_is_a_cut_off_scan(typist: Typist) -> None:
    end = typist.keys("abcdef", 0, 5)
    typist.key(ENTER, end + 200)
    assert (typist.field, typist.scans, typist.fragments) == ("", [], ["abcdef"])


def test_a_scan_cut_in_two_is_two_fragments_never_typing_nor_a_scan(typist: Typist) -> None:
    end = typist.keys("21000", 0, 8)
    end = typist.keys("00210000", end + 150, 8)  # the app stalled 150 ms and stamped on delivery
    typist.key(ENTER, end + 8)
    assert (typist.field, typist.scans, typist.fragments) == ("", [], ["21000", "00210000"])


def test_a_fragment_cut_off_by_the_timer_is_reported_and_its_tail_too(typist: Typist) -> None:
    end = typist.keys("4006381", 0, 8)
    typist.idle()  # the release timer fired first
    end = typist.keys("333931", end + 300, 8)
    typist.key(ENTER, end + 8)
    assert (typist.field, typist.scans, typist.fragments) == ("", [], ["4006381", "333931"])


def test_a_lone_terminator_after_a_fragment_is_swallowed(typist: Typist) -> None:
    end = typist.keys("4006381333931", 0, 8)
    typist.idle()
    assert typist.key(ENTER, end + 200).swallow
    assert (typist.field, typist.scans, typist.fragments) == ("", [], ["4006381333931"])


def test_a_scan_well_after_a_fragment_is_a_scan(typist: Typist) -> None:
    end = typist.keys("400638", 0, 8)
    typist.idle()
    end = typist.keys("96385074", end + 1500, 8)
    typist.key(ENTER, end + 8)
    assert (typist.scans, typist.fragments) == (["96385074"], ["400638"])


def test_gaps_between_inexact_times_are_allowed_the_fallback_tolerance(typist: Typist) -> None:
    at = 0.0
    for char in "SKU-77":
        typist.key(char, at, exact=False)
        at += 45  # delivery-time jitter a window-system timestamp would not have
    assert typist.key(ENTER, at, exact=False).scan == "SKU-77"
    end = typist.keys("SKU-78", at + 500, 45)  # exact times: 45 ms is a person
    typist.key(ENTER, end + 45)
    assert typist.scans == ["SKU-77"]


def test_one_slow_gap_inside_a_burst_releases_the_part_before_it(typist: Typist) -> None:
    end = typist.keys("ab", 0, 5)
    end = typist.keys("cdefg", end + 100, 5)
    typist.key(ENTER, end + 5)
    assert typist.field == "ab"
    assert typist.scans == ["cdefg"]


def test_a_key_without_text_releases_held_keys_before_it_passes(typist: Typist) -> None:
    typist.keys("ab", 0, 5)
    verdict = typist.detector.feed_other_key()
    assert [k.text for k in verdict.replay] == ["a", "b"]
    assert verdict.swallow is False


def test_a_scan_right_after_typing_does_not_swallow_the_typing(typist: Typist) -> None:
    end = typist.keys("qty", 0, 120)
    end = typist.keys("96385074", end + 400, 10)
    typist.key(ENTER, end + 10)
    assert typist.field == "qty"
    assert typist.scans == ["96385074"]


def test_the_gap_is_configurable() -> None:
    typist = Typist(WedgeDetector(WedgeSettings(max_gap_ms=60)))
    end = typist.keys("ABCD", 0, 50)
    assert typist.key(ENTER, end + 50).scan == "ABCD"


def test_the_minimum_length_is_configurable() -> None:
    typist = Typist(WedgeDetector(WedgeSettings(min_length=2)))
    end = typist.keys("AB", 0, 5)
    assert typist.key(ENTER, end + 5).scan == "AB"


def test_enter_alone_can_be_the_only_terminator() -> None:
    typist = Typist(WedgeDetector(WedgeSettings(terminators=frozenset({ENTER}))))
    end = typist.keys("ABCD", 0, 5)
    typist.key(TAB, end + 5)
    typist.idle()
    assert typist.scans == []
    assert typist.fragments == ["ABCD\t"]  # scanner speed, never terminated: not typed into the field


def test_prefix_and_suffix_are_required_and_removed() -> None:
    typist = Typist(WedgeDetector(WedgeSettings(prefix="$$", suffix="#")))
    end = typist.keys("$$SKU-9#", 0, 5)
    assert typist.key(ENTER, end + 5).scan == "SKU-9"
    assert typist.field == ""


def test_with_a_prefix_configured_a_fast_burst_without_it_is_typing() -> None:
    typist = Typist(WedgeDetector(WedgeSettings(prefix="$")))
    end = typist.keys("SKU-9", 0, 5)
    typist.key(ENTER, end + 5)
    assert typist.scans == []
    assert typist.field == "SKU-9\r"


def test_a_missing_suffix_is_typing() -> None:
    typist = Typist(WedgeDetector(WedgeSettings(suffix="#")))
    end = typist.keys("SKU-9", 0, 5)
    typist.key(ENTER, end + 5)
    assert typist.scans == []


def test_a_held_down_key_is_not_a_scan() -> None:
    typist = Typist(WedgeDetector(WedgeSettings(max_length=20)))
    end = typist.keys("x" * 25, 0, 25)
    typist.key(ENTER, end + 25)
    assert typist.scans == []
    assert typist.field.startswith("x" * 21)


def test_the_callback_receives_each_scan() -> None:
    scans: list[str] = []
    detector = WedgeDetector(on_scan=scans.append)
    for i, char in enumerate("ABCD\r"):
        detector.feed_key(char, at=i * 0.005)
    assert scans == ["ABCD"]


def test_the_injected_clock_is_used_when_no_time_is_given() -> None:
    now = [0.0]
    detector = WedgeDetector(clock=lambda: now[0])
    for char in "ABCD":
        detector.feed_key(char)
        now[0] += 0.005
    assert detector.feed_key(ENTER).scan == "ABCD"


def test_tokens_come_back_untouched() -> None:
    detector = WedgeDetector()
    detector.feed_key("a", at=0.0, token="receiver-1")
    assert detector.idle().replay == (Keystroke("a", 0.0, "receiver-1"),)


@pytest.mark.parametrize("recording", RECORDINGS, ids=[r["name"] for r in RECORDINGS])
def test_recorded_sessions_are_classified_without_a_single_mistake(recording: dict) -> None:
    typist = Typist(WedgeDetector())
    for text, at_ms in recording["keys"]:
        typist.key(text, at_ms)
    typist.idle()
    assert typist.scans == recording["scans"]
    assert typist.field == recording["typed"]


def test_the_recorded_set_covers_the_boundaries() -> None:
    names = {r["name"].rsplit("-", 1)[0] for r in RECORDINGS}
    assert names == {"human", "human-fast", "scan", "scan-slow", "mixed"}
    gaps = [
        (b[1] - a[1], r["name"]) for r in RECORDINGS for a, b in zip(r["keys"], r["keys"][1:], strict=False)
    ]
    slow_scanner_gaps = [g for g, name in gaps if name.startswith("scan-slow") and g > 1]
    assert max(slow_scanner_gaps) > 28
    assert min(g for g, name in gaps if name.startswith("human-fast")) < 10  # rollover pairs
