"""X12 codec speed: parse a 10 MB 856, generate 1,000 850s.

Targets (issue 14): parse a 10 MB 856 in <= 1 s; generate 1,000 850s in <= 2 s. Each figure is
also given as a ratio to a floor measured in the same run on the same bytes:
- parse floor: decode the bytes as ISO-8859-1 and split them into segments and elements
  (what any X12 reader must do at the least);
- generate floor: join the finished segment texts of the same 1,000 files into bytes.
Best of 3 rounds each; the machine's load average is printed beside them.

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


def best(call: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


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


def big_ship_notice() -> bytes:
    """One 856 of many orders, cartons and items, grown until it is about 10 MB."""
    items = tuple(
        x12.PackItem(Decimal(12), "EA", str(n), f"AC-{n:05d}", f"SKU-{n:05d}", f"0123456{n:05d}")
        for n in range(1, 5)
    )
    orders, serial = [], 0
    while True:
        packs = []
        for _ in range(20):
            serial += 1
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


def main() -> None:
    print(f"before: {machine_load()}")
    data = big_ship_notice()
    segments = data.count(b"~")
    parsed = x12.decode(data)
    notice = parsed.documents[0]
    assert isinstance(notice, x12.ShipNotice)
    cartons = sum(len(order.packs) for order in notice.orders)
    parse = best(lambda: x12.decode(data))
    floor = best(lambda: split_floor(data))
    print(
        f"parse 856: {len(data) / 1e6:.1f} MB, {segments:,} segments, {cartons:,} cartons: {parse:.3f} s "
        f"(target <= 1 s); floor (split into segments and elements) {floor:.3f} s; ratio {parse / floor:.1f}x"
    )

    orders = purchase_orders()
    files = [x12.encode(order) for order in orders]
    texts = [file.decode("latin-1").split("~") for file in files]
    generate = best(lambda: [x12.encode(order) for order in orders])
    join_floor = best(lambda: [("~".join(parts)).encode("latin-1") for parts in texts])
    print(
        f"generate 1,000 850s (20 lines each, {sum(map(len, files)) / 1e6:.1f} MB): {generate:.3f} s "
        "(target <= 2 s); "
        f"floor (join the finished segments) {join_floor:.4f} s; ratio {generate / join_floor:.0f}x"
    )
    print(f"after: {machine_load()}")


if __name__ == "__main__":
    main()
