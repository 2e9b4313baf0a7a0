"""Bursts never drop a scan: every code comes out once, in the order it went in."""

from __future__ import annotations

import threading

from fllc_desktop.scanning.burst import Scan, ScanPump, ScanQueue, ScanSource


def test_ten_scans_while_the_consumer_is_busy_with_the_first_are_ten_scans_in_order() -> None:
    queue = ScanQueue()
    handled: list[str] = []
    first_started = threading.Event()
    screen_may_continue = threading.Event()
    all_done = threading.Event()

    def busy_screen(scan: Scan) -> None:
        if scan.seq == 1:
            first_started.set()
            assert screen_may_continue.wait(10)
        handled.append(scan.code)
        if len(handled) == 10:
            all_done.set()

    pump = ScanPump(queue, busy_screen)
    pump.start()
    queue.put("SCAN-00", ScanSource.WEDGE)
    assert first_started.wait(10)
    for i in range(1, 10):
        queue.put(f"SCAN-{i:02d}", ScanSource.WEDGE)
    assert handled == []
    assert len(queue) == 9
    screen_may_continue.set()
    assert all_done.wait(10)
    pump.stop()
    assert handled == [f"SCAN-{i:02d}" for i in range(10)]


def test_concurrent_producers_lose_nothing_and_keep_each_sources_order() -> None:
    queue = ScanQueue()

    def produce(source: ScanSource) -> None:
        for i in range(500):
            queue.put(f"{source}-{i}", source)

    producers = [threading.Thread(target=produce, args=(s,)) for s in ScanSource]
    for producer in producers:
        producer.start()
    for producer in producers:
        producer.join()
    taken = [queue.take_nowait() for _ in range(len(queue))]
    assert queue.take_nowait() is None
    scans = [scan for scan in taken if scan is not None]
    assert len(scans) == 500 * len(ScanSource)
    assert [scan.seq for scan in scans] == list(range(1, 500 * len(ScanSource) + 1))
    for source in ScanSource:
        assert [s.code for s in scans if s.source is source] == [f"{source}-{i}" for i in range(500)]


def test_take_waits_for_a_scan_from_another_thread() -> None:
    queue = ScanQueue()
    threading.Timer(0.01, queue.put, args=("LATE", ScanSource.SERIAL)).start()
    scan = queue.take(timeout=10)
    assert scan is not None
    assert scan.code == "LATE"


def test_take_gives_up_after_its_timeout_and_close_wakes_it() -> None:
    queue = ScanQueue()
    assert queue.take(timeout=0) is None
    threading.Timer(0.01, queue.close).start()
    assert queue.take() is None


def test_scans_are_numbered_and_stamped_with_the_injected_clock() -> None:
    queue = ScanQueue(clock=lambda: 42.0)
    first = queue.put("A", ScanSource.MANUAL)
    second = queue.put("B", ScanSource.MANUAL)
    assert (first.seq, second.seq, second.received_at) == (1, 2, 42.0)


def test_a_failing_handler_does_not_stop_the_scans_behind_it() -> None:
    queue = ScanQueue()
    handled: list[str] = []
    done = threading.Event()

    def fragile_screen(scan: Scan) -> None:
        if scan.code == "BAD":
            raise RuntimeError("screen bug")
        handled.append(scan.code)
        if scan.code == "LAST":
            done.set()

    pump = ScanPump(queue, fragile_screen)
    pump.start()
    for code in ("A", "BAD", "LAST"):
        queue.put(code, ScanSource.WEDGE)
    assert done.wait(10)
    pump.stop()
    assert handled == ["A", "LAST"]


def test_stopping_the_pump_leaves_unhandled_scans_in_the_queue() -> None:
    queue = ScanQueue()
    pump = ScanPump(queue, lambda scan: None)
    pump.start()
    pump.stop()
    queue.put("KEPT", ScanSource.WEDGE)
    assert len(queue) == 1
