"""X12 codec speed: parse a 10 MB 856, generate 1,000 850s.

Targets (issue 14): parse a 10 MB 856 in <= 1 s; generate 1,000 850s in <= 2 s. Each figure is
also given as a ratio to a floor measured in the same run on the same bytes:
- parse floor: decode the bytes as ISO-8859-1 and split them into segments and elements
  (what any X12 reader must do at the least);
- generate floor: join the finished segment texts of the same 1,000 files into bytes.
Best of 3 rounds each, wall and CPU time of this process (on a shared machine the CPU time is
the steadier figure); the machine's load average is printed beside them.

    .venv/bin/python bench/bench_edi.py
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

from _harness import machine_load
from fllc_server.integrations.edi import x12
from fllc_server.integrations.edi.x12 import sscc

TARGET_BYTES = 10 * 1024 * 1024
ROUNDS = 3


def best(call: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process), the best of ROUNDS runs each."""
    walls, cpus = [], []
    for _ in range(ROUNDS):
        start, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def interchange(doc: x12.Document, number: int) -> x12.Interchange:
    group = x12.FunctionalGroup(
        doc.functional_id,
        "ACMESUPPLY",
        "FLLCWAREHOUSE",
        dt.date(2026, 12, 1),
        dt.time(9, 30),
        number,
        "004010",
        (x12.TransactionSet("0001", doc),),
    )
    return x12.Interchange(
        "01",
        "ACMESUPPLY",
        "ZZ",
        "FLLCWAREHOUSE",
        dt.date(2026, 12, 1),
        dt.time(9, 30),
        number,
        groups=(group,),
    )


def big_ship_notice(*, distinct: bool = False) -> bytes:
    """One 856 of many orders, cartons and items, grown until it is about 10 MB.

    Each carton holds the same four items (as cartons of one product line do), or with `distinct`
    four items no other carton holds (other SKUs and quantities: nothing read before repeats)."""
    same = tuple(
        x12.PackItem(Decimal(12), "EA", str(n), f"AC-{n:05d}", f"SKU-{n:05d}", f"0123456{n:05d}")
        for n in range(1, 5)
    )
    orders, serial = [], 0
    while True:
        packs = []
        for _ in range(20):
            serial += 1
            items = same
            if distinct:
                items = tuple(
                    x12.PackItem(
                        Decimal(serial % 997 + n), "EA", str(n), f"AC-{serial:06d}{n}", f"SKU-{serial:06d}{n}"
                    )
                    for n in range(1, 5)
                )
            packs.append(x12.Pack(sscc.make(0, "0614141", serial), items))
        orders.append(x12.ShipmentOrder(f"PO-{len(orders):06d}", tuple(packs)))
        if len(orders) % 50 == 0:
            notice = x12.ShipNotice(
                "ASN-BENCH", dt.date(2026, 12, 1), dt.time(14, 5), tuple(orders), carrier="UPSN"
            )
            data = x12.encode(interchange(notice, 1), line_ending="\n")
            if len(data) >= TARGET_BYTES:
                return data


def purchase_orders() -> list[x12.Interchange]:
    lines = tuple(
        x12.Item(str(n), Decimal(n * 3), "EA", Decimal("4.25"), f"SKU-{n:05d}", f"AC-{n:05d}")
        for n in range(1, 21)
    )
    party = x12.Party(
        "ST", "FLLC Warehouse Dock 2", "92", "DOCK2", ("1200 Harbor Way",), "Oakland", "CA", "94607"
    )
    return [
        interchange(
            x12.PurchaseOrder(f"PO-{n:06d}", dt.date(2026, 12, 1), lines, currency="USD", parties=(party,)), n
        )
        for n in range(1, 1001)
    ]


def split_floor(data: bytes) -> None:
    for segment in data.decode("latin-1").split("~"):
        segment.strip("\r\n").split("*")


def parse_figures(label: str, data: bytes) -> None:
    segments = data.count(b"~")
    parsed = x12.decode(data)
    notice = parsed.documents[0]
    assert isinstance(notice, x12.ShipNotice)
    cartons = sum(len(order.packs) for order in notice.orders)
    wall, cpu = best(lambda: x12.decode(data))
    floor_wall, floor_cpu = best(lambda: split_floor(data))
    print(
        f"parse 856 ({label}): {len(data) / 1e6:.1f} MB, {segments:,} segments, {cartons:,} cartons: "
        f"{wall:.3f} s wall, {cpu:.3f} s CPU (target <= 1 s); floor (split into segments and elements) "
        f"{floor_wall:.3f} s wall, {floor_cpu:.3f} s CPU; ratio {cpu / floor_cpu:.1f}x (CPU)"
    )


def main() -> None:
    print(f"before: {machine_load()}")
    parse_figures("cartons of the same 4 items", big_ship_notice())
    parse_figures("every carton's items distinct", big_ship_notice(distinct=True))

    orders = purchase_orders()
    files = [x12.encode(order) for order in orders]
    texts = [file.decode("latin-1").split("~") for file in files]
    wall, cpu = best(lambda: [x12.encode(order) for order in orders])
    join_wall, join_cpu = best(lambda: [("~".join(parts)).encode("latin-1") for parts in texts])
    print(
        f"generate 1,000 850s (20 lines each, {sum(map(len, files)) / 1e6:.1f} MB): {wall:.3f} s wall, "
        f"{cpu:.3f} s CPU (target <= 2 s); floor (join the finished segments) {join_wall:.4f} s wall, "
        f"{join_cpu:.4f} s CPU; ratio {wall / join_wall:.0f}x (wall)"
    )
    print(f"after: {machine_load()}")


if __name__ == "__main__":
    main()
