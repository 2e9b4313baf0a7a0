"""The event stream's parsing and its reconnect backoff (against a port nobody listens on)."""

from __future__ import annotations

from fllc_desktop.qt.event_stream import EventStream, StreamState, events_url, parse_message

from .server_process import free_port


def test_messages_are_parsed_and_junk_is_ignored():
    assert parse_message('{"type": "stock.changed", "seq": 4, "data": {"product_id": 1}}') == {
        "type": "stock.changed",
        "seq": 4,
        "data": {"product_id": 1},
    }
    assert parse_message('{"type": "ping", "seq": null, "data": null}')["data"] == {}
    assert parse_message("not json") is None
    assert parse_message('{"seq": 1}') is None


def test_the_url_follows_the_servers_scheme():
    assert events_url("http://h:8000/").toString() == "ws://h:8000/api/v1/events"
    assert events_url("https://h").toString() == "wss://h/api/v1/events"


def test_an_unreachable_server_is_retried_with_growing_delays(qtbot):
    stream = EventStream(
        f"http://127.0.0.1:{free_port()}", lambda: "token", first_delay_ms=20, max_delay_ms=160
    )
    drops: list[None] = []
    stream.sig_dropped.connect(lambda: drops.append(None))
    stream.start()
    qtbot.waitUntil(lambda: len(drops) >= 4, timeout=10_000)
    assert stream.state is StreamState.RECONNECTING
    assert stream.next_delay_ms == 160  # 20 → 40 → 80 → 160, capped
    stream.stop()
    assert stream.state is StreamState.STOPPED
