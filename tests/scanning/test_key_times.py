"""Key times from the window system's stamps: exact when the stamps are usable, receive time otherwise."""

from __future__ import annotations

from fllc_desktop.scanning.key_times import KeyTimes, PlacedKey


def test_stamped_keys_keep_their_spacing_however_late_they_arrive() -> None:
    times = KeyTimes()
    first = times.place(5_000, received=100.000)
    queued = times.place(5_008, received=100.150)  # the GUI thread was busy for 150 ms
    assert first == PlacedKey(100.000, exact=True)
    assert queued.exact
    assert round(queued.at - first.at, 6) == 0.008


def test_the_smallest_delay_anchors_the_stamps_on_the_app_clock() -> None:
    times = KeyTimes()
    times.place(1_000, received=50.200)  # delivered late: the anchor is too high at first
    later = times.place(1_100, received=50.101)
    assert later == PlacedKey(50.101, exact=True)


def test_a_missing_stamp_gives_the_receive_time_marked_inexact() -> None:
    assert KeyTimes().place(0, received=7.5) == PlacedKey(7.5, exact=False)


def test_a_stamp_going_backwards_is_not_trusted_and_starts_a_new_anchor() -> None:
    times = KeyTimes()
    times.place(9_000, received=10.0)
    assert times.place(8_990, received=10.02) == PlacedKey(10.02, exact=False)
    resumed = times.place(8_998, received=10.03)
    assert resumed == PlacedKey(10.03, exact=True)
