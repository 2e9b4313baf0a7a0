"""The file format on its own: every value kind round-trips, a header from a newer format or
another program is refused, and the kinds of every model column are known."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from decimal import Decimal
from pathlib import Path

import pytest
from fllc_server.backup.fileformat import (
    FORMAT,
    BackupCorruptError,
    BackupError,
    BackupReader,
    BackupWriter,
    ColumnSpec,
    Header,
    TableSpec,
    column_kind,
    row_decoder,
    row_encoder,
    verify,
)
from fllc_server.models import Base

KINDS = ("int", "str", "bool", "float", "decimal", "datetime", "date", "time", "bytes", "json")
ROW = (
    2**62,
    'päärynä \n"x"',
    False,
    0.1,
    Decimal("-12345678.90"),
    dt.datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
    dt.date(1999, 12, 31),
    dt.time(23, 59, 59, 999999),
    bytes(range(256)),
    {"$d": "not a tag", "list": [None, 1.5, True]},
)


def _table(rows: int) -> TableSpec:
    return TableSpec("t", tuple(ColumnSpec(f"c_{kind}", kind) for kind in KINDS), rows)


def _header(rows: int) -> Header:
    return Header(1, "0.1.0", "0002", "2025-01-01T00:00:00+00:00", "sqlite", (_table(rows),))


def _write(path: Path, rows: list[tuple[object, ...]]) -> None:
    table = _table(len(rows))
    writer = BackupWriter(path)
    writer.header(_header(len(rows)))
    writer.table(table)
    writer.rows_chunk([row_encoder(table.columns)(row) for row in rows])
    writer.finish()


def test_every_kind_round_trips_exactly(tmp_path: Path) -> None:
    rows = [ROW, tuple(None for _ in KINDS)]
    path = tmp_path / "kinds.fllcbak"
    _write(path, rows)
    with BackupReader(path) as reader:
        chunks = list(reader.chunks())
    assert len(chunks) == 1
    decoded = [tuple(row.values()) for row in chunks[0][1]]
    assert decoded == rows
    assert decoded[0][4].as_tuple() == Decimal("-12345678.90").as_tuple()  # scale kept, not just value
    assert decoded[0][5].tzinfo is not None


def test_decoding_refuses_a_value_of_the_wrong_kind() -> None:
    decode = row_decoder(_table(1))
    raw = row_encoder(_table(1).columns)(ROW)
    with pytest.raises(ValueError, match="not an integer"):
        decode(["12", *raw[1:]])
    with pytest.raises(ValueError, match="not a decimal"):
        decode([*raw[:4], "twelve", *raw[5:]])
    with pytest.raises(ValueError, match="columns"):
        decode(raw[:-1])


def test_a_newer_format_or_a_foreign_file_is_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.fllcbak"
    newer.write_bytes(gzip.compress(json.dumps({"format": FORMAT, "format_version": 99}).encode() + b"\n"))
    with pytest.raises(BackupError, match=r"file format 99.*Upgrade the server"):
        verify(newer)
    foreign = tmp_path / "notes.txt.gz"
    foreign.write_bytes(gzip.compress(b'{"hello": "world"}\n'))
    with pytest.raises(BackupCorruptError, match="not an FLLC Warehouse backup"):
        verify(foreign)
    plain = tmp_path / "plain.fllcbak"
    plain.write_bytes(b"not gzip at all\n")
    with pytest.raises(BackupCorruptError, match="damaged or incomplete"):
        verify(plain)
    with pytest.raises(BackupError, match="Cannot open"):
        verify(tmp_path / "missing.fllcbak")


def test_an_empty_file_after_a_crash_is_never_under_the_final_name(tmp_path: Path) -> None:
    path = tmp_path / "x.fllcbak"
    writer = BackupWriter(path)
    writer.header(_header(0))
    writer.abort()
    assert not path.exists()
    assert not path.with_name("x.fllcbak.partial").exists()


def test_every_model_column_has_a_kind() -> None:
    kinds = {f"{t.name}.{c.name}": column_kind(c) for t in Base.metadata.sorted_tables for c in t.columns}
    assert kinds["products.price"] == "decimal"
    assert kinds["products.created_at"] == "datetime"
    assert kinds["purchase_orders.expected_at"] == "date"
    assert kinds["users.is_active"] == "bool"
    assert kinds["audit_log.after"] == "json"
