"""The golden data set's figures, worked out by hand, on both backends.

Stock (conftest): Claw hammer HAM-1 10.00 (Tools, Acme): +10 01-10, +5 03-01, +8 05-20 at MAIN,
-6 sold 06-10, 4 moved MAIN->BACK 06-15 -> 17 (13 MAIN, 4 BACK). Hand saw SAW-1 25.50 (Tools, Acme):
+3 02-01, -1 sold 06-20 -> 2. White paint PNT-1 4.25 (Paint, Brush Co) at BACK: +100 04-15, -40
sold 06-01, -2 adjusted 06-25 -> 58. Brush BRU-1 1.10 (no category, no supplier): +50 2025-11-01.
Today is 2026-06-30.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D  # noqa: N817 - the figures read like the hand computation

from .conftest import Golden


async def test_valuation_by_category_now(golden: Golden) -> None:
    # Tools 17 x 10.00 + 2 x 25.50 = 221.00; Paint 58 x 4.25 = 246.50; none 50 x 1.10 = 55.00
    _, rows = await golden.report("stock_valuation", {"group_by": "category"})
    assert rows == [
        ("Paint", 1, 58, D("246.50"), D("47.18")),
        ("Tools", 2, 19, D("221.00"), D("42.30")),
        ("(none)", 1, 50, D("55.00"), D("10.53")),
    ]


async def test_valuation_by_location_now(golden: Golden) -> None:
    # MAIN: 13 x 10 + 2 x 25.50 + 50 x 1.10 = 236.00; BACK: 4 x 10 + 58 x 4.25 = 286.50
    _, rows = await golden.report("stock_valuation", {"group_by": "location"})
    assert [row[:4] for row in rows] == [("BACK", 2, 62, D("286.50")), ("MAIN", 3, 65, D("236.00"))]


async def test_valuation_by_supplier_and_product(golden: Golden) -> None:
    _, rows = await golden.report("stock_valuation", {"group_by": "supplier"})
    assert [row[:4] for row in rows] == [
        ("Acme", 2, 19, D("221.00")),
        ("Brush Co", 1, 58, D("246.50")),
        ("(none)", 1, 50, D("55.00")),
    ]
    _, rows = await golden.report(
        "stock_valuation", {"group_by": "product", "location_id": golden.ids["back"]}
    )
    assert rows == [
        ("HAM-1", "Claw hammer", "Tools", "Acme", 4, D("10.00"), D("40.00")),
        ("PNT-1", "White paint 1L", "Paint", "Brush Co", 58, D("4.25"), D("246.50")),
    ]


async def test_valuation_as_of_a_past_date_replays_the_log(golden: Golden) -> None:
    # End of 2026-03-31: hammer 15 (150.00), saw 3 (76.50), brush 50 (55.00); paint not yet received.
    _, rows = await golden.report("stock_valuation", {"group_by": "product", "as_of": "2026-03-31"})
    assert [(row[0], row[4], row[6]) for row in rows] == [
        ("BRU-1", 50, D("55.00")),
        ("HAM-1", 15, D("150.00")),
        ("SAW-1", 3, D("76.50")),
    ]
    # The day the hammer moved: 4 at BACK from 06-15 on, none before.
    _, before = await golden.report("stock_valuation", {"group_by": "location", "as_of": "2026-06-14"})
    _, after = await golden.report("stock_valuation", {"group_by": "location", "as_of": "2026-06-15"})
    assert [row[:4] for row in before] == [("BACK", 1, 60, D("255.00")), ("MAIN", 3, 70, D("301.50"))]
    assert [row[:4] for row in after] == [("BACK", 2, 64, D("295.00")), ("MAIN", 3, 66, D("261.50"))]


async def test_valuation_as_of_today_equals_the_levels(golden: Golden) -> None:
    _, now = await golden.report("stock_valuation", {"group_by": "product"})
    _, replayed = await golden.report(
        "stock_valuation",
        {"group_by": "product", "as_of": "2026-06-30"},
        now=dt.datetime(2026, 7, 5, tzinfo=dt.UTC),
    )
    assert now == replayed
    assert sum(row[6] for row in now) == D("522.50")


async def test_ageing_by_receipt_date_first_in_first_out(golden: Golden) -> None:
    # Hammer 17 on hand = the newest receipts: 8 of 05-20 (41 days), 5 of 03-01 (121), 4 of 01-10
    # (171). The 4 moved to BACK on 06-15 keep their receipt age (a transfer is no receipt).
    # Saw 2 of 02-01 (149 days); paint 58 of 04-15 (76); brush 50 of 2025-11-01 (241).
    _, rows = await golden.report("stock_ageing", {"measure": "units"})
    assert rows == [
        (
            "BRU-1",
            "Brush <b>&amp;</b> roller",
            50,
            D("1.10"),
            D("55.00"),
            dt.date(2025, 11, 1),
            241,
            241,
            0,
            0,
            0,
            50,
        ),
        ("HAM-1", "Claw hammer", 17, D("10.00"), D("170.00"), dt.date(2026, 6, 15), 15, 171, 0, 8, 9, 0),
        ("PNT-1", "White paint 1L", 58, D("4.25"), D("246.50"), dt.date(2026, 6, 25), 5, 76, 0, 58, 0, 0),
        ("SAW-1", "Hand saw", 2, D("25.50"), D("51.00"), dt.date(2026, 6, 20), 10, 149, 0, 0, 2, 0),
    ]
    _, by_value = await golden.report("stock_ageing", {"measure": "value"})
    assert [row[8:] for row in by_value] == [
        (D("0.00"), D("0.00"), D("0.00"), D("55.00")),
        (D("0.00"), D("80.00"), D("90.00"), D("0.00")),
        (D("0.00"), D("246.50"), D("0.00"), D("0.00")),
        (D("0.00"), D("0.00"), D("51.00"), D("0.00")),
    ]


async def test_dead_stock_is_what_has_not_moved_for_long(golden: Golden) -> None:
    _, rows = await golden.report("stock_ageing", {"min_days_idle": 90})
    assert [row[0] for row in rows] == ["BRU-1"]


async def test_abc_turnover_and_days_of_supply(golden: Golden) -> None:
    # 2026-01-01..06-30, 181 days. Sold at cost: paint 40 x 4.25 = 170.00, hammer 6 x 10 = 60.00,
    # saw 1 x 25.50 = 25.50; total 255.50 -> shares 66.54, 23.48, 9.98. A while the items before hold
    # < 80 %: paint, hammer; B while < 95 %: saw; brush sold nothing: C.
    # Average stock at cost (opening 01-01 + closing) / 2: paint (0 + 58) / 2 x 4.25 = 123.25 ->
    # turnover 170 / 123.25 = 1.38, days of supply 58 / (40 / 181) = 262.45; hammer 85.00 -> 0.71,
    # 17 / (6 / 181) = 512.83; saw 25.50 -> 1.00, 2 / (1 / 181) = 362.00; brush 55.00 -> 0.00, none.
    _, rows = await golden.report("abc_analysis", {"date_from": "2026-01-01", "date_to": "2026-06-30"})
    assert rows == [
        (
            1,
            "PNT-1",
            "White paint 1L",
            40,
            D("170.00"),
            D("66.54"),
            D("66.54"),
            "A",
            D("123.25"),
            D("1.38"),
            D("262.45"),
        ),
        (
            2,
            "HAM-1",
            "Claw hammer",
            6,
            D("60.00"),
            D("23.48"),
            D("90.02"),
            "A",
            D("85.00"),
            D("0.71"),
            D("512.83"),
        ),
        (
            3,
            "SAW-1",
            "Hand saw",
            1,
            D("25.50"),
            D("9.98"),
            D("100.00"),
            "B",
            D("25.50"),
            D("1.00"),
            D("362.00"),
        ),
        (
            4,
            "BRU-1",
            "Brush <b>&amp;</b> roller",
            0,
            D("0.00"),
            D("0.00"),
            D("100.00"),
            "C",
            D("55.00"),
            D("0.00"),
            None,
        ),
    ]


async def test_count_variance(golden: Golden) -> None:
    # Count of MAIN on 06-28: hammer 12 of 13 (-1, -10.00), saw 2 of 2, brush 53 of 50 (+3, +3.30).
    _, rows = await golden.report("count_variance", {"date_from": "2026-06-01", "date_to": "2026-06-30"})
    assert [row[2:] for row in rows] == [
        ("MAIN", "no", "", "HAM-1", "Claw hammer", 13, 12, -1, D("10.00"), D("-10.00")),
        ("MAIN", "no", "", "SAW-1", "Hand saw", 2, 2, 0, D("25.50"), D("0.00")),
        ("MAIN", "no", "", "BRU-1", "Brush <b>&amp;</b> roller", 50, 53, 3, D("1.10"), D("3.30")),
    ]
    assert rows[0][0] == dt.datetime(2026, 6, 28, 10, tzinfo=dt.UTC)
    _, changed = await golden.report(
        "count_variance", {"date_from": "2026-06-01", "date_to": "2026-06-30", "differences_only": True}
    )
    assert sum(row[11] for row in changed) == D("-6.70")
    _, none = await golden.report("count_variance", {"date_from": "2026-06-29", "date_to": "2026-06-30"})
    assert none == []


async def test_movements_carry_a_running_balance(golden: Golden) -> None:
    _, rows = await golden.report(
        "stock_movements",
        {"date_from": "2026-03-01", "date_to": "2026-06-30", "product_id": golden.ids["hammer"]},
    )
    assert [(row[4], row[7], row[8]) for row in rows] == [
        ("opening balance", None, 10),
        ("intake", 5, 15),
        ("intake", 8, 23),
        ("sale", -6, 17),
        ("transfer", -4, 13),
        ("transfer", 4, 17),
    ]
    _, at_back = await golden.report(
        "stock_movements",
        {"date_from": "2026-01-01", "location_id": golden.ids["back"], "date_to": "2026-06-30"},
    )
    assert [(row[1], row[7], row[8]) for row in at_back] == [
        ("HAM-1", None, 0),
        ("HAM-1", 4, 4),
        ("PNT-1", None, 0),
        ("PNT-1", 100, 100),
        ("PNT-1", -40, 60),
        ("PNT-1", -2, 58),
    ]
    # Filtered by reason, the balance still counts every movement.
    _, sales = await golden.report(
        "stock_movements", {"date_from": "2026-01-01", "date_to": "2026-06-30", "reason": "sale"}
    )
    assert [(row[1], row[7], row[8]) for row in sales if row[7] is not None] == [
        ("HAM-1", -6, 17),
        ("SAW-1", -1, 2),
        ("PNT-1", -40, 60),
    ]


async def test_open_purchase_orders(golden: Golden) -> None:
    # PO-1: 14 ordered, 8 received, 6 outstanding: 2 x 9.50 + 4 x 24.00 = 115.00, 53 days late on
    # 06-30 (expected 05-08); PO-3 (draft): 2 x 24.00 = 48.00.
    _, rows = await golden.report("purchasing", {"view": "open_orders"})
    assert rows == [
        (
            "PO-1",
            "Acme",
            "partially received",
            dt.date(2026, 5, 1),
            dt.date(2026, 5, 8),
            53,
            2,
            14,
            8,
            6,
            D("115.00"),
        ),
        ("PO-3", "Acme", "draft", None, None, None, 1, 2, 0, 2, D("48.00")),
    ]


async def test_ordered_vs_received_lines(golden: Golden) -> None:
    _, rows = await golden.report(
        "purchasing", {"view": "lines", "date_from": "2026-01-01", "date_to": "2026-06-30"}
    )
    assert [(row[0], row[3], row[5], row[6], row[7], row[8], row[10]) for row in rows] == [
        ("PO-1", "HAM-1", 10, 8, 2, D("80.00"), D("76.00")),
        ("PO-1", "SAW-1", 4, 0, 4, D("0.00"), D("0.00")),
        ("PO-2", "PNT-1", 100, 100, 0, D("100.00"), D("400.00")),
    ]


async def test_supplier_performance(golden: Golden) -> None:
    # Acme: PO-1 only (PO-3 never submitted): fill 8 / 14 = 57.14 %, first goods 19 days after
    # submission, after the expected 05-08: late. Brush Co: PO-2 100 / 100, 14 days, before 04-20.
    _, rows = await golden.report(
        "purchasing", {"view": "suppliers", "date_from": "2026-01-01", "date_to": "2026-06-30"}
    )
    assert rows == [
        ("Acme", 1, 14, 8, D("57.14"), 7, D("19.00"), D("0.00")),
        ("Brush Co", 1, 100, 100, D("100.00"), 10, D("14.00"), D("100.00")),
    ]


async def test_sales_by_category_and_month(golden: Golden) -> None:
    # Paint: 40 x 9.00 = 360.00 at cost 170.00 -> 190.00 (52.78 %); Tools: 6 x 19.00 + 1 x 40.00 =
    # 154.00 at cost 60.00 + 25.50 -> 68.50 (44.48 %). The cancelled SO-4 counts nowhere.
    period = {"date_from": "2026-06-01", "date_to": "2026-06-30"}
    _, rows = await golden.report("sales", {**period, "group_by": "category"})
    assert rows == [
        ("Paint", 1, 40, D("360.00"), D("170.00"), D("190.00"), D("52.78")),
        ("Tools", 2, 7, D("154.00"), D("85.50"), D("68.50"), D("44.48")),
    ]
    _, months = await golden.report("sales", {**period, "group_by": "month"})
    assert months == [(dt.date(2026, 6, 1), 3, 47, D("514.00"), D("255.50"), D("258.50"), D("50.29"))]
    _, products = await golden.report("sales", {**period, "group_by": "product"})
    assert [(row[0], row[3]) for row in products] == [("HAM-1", 6), ("PNT-1", 40), ("SAW-1", 1)]
