"""The backup file: one gzip'd stream of JSON lines, readable on any backend.

    line 1         the header: format, versions, Alembic revision, creation time, the tables in
                   foreign-key order with their columns (name and value kind) and row counts
    per table      a marker `{"table": name, "rows": n}`, then one JSON array per row
    last line      the trailer: `{"end": FORMAT, "rows": total, "sha256": ..., "tables": {...}}`, the
                   SHA-256 of every uncompressed byte before it, and each table's content checksum
                   (`ContentChecksum`: the source's rows as they were read, in any order) - what a
                   restore drill compares the restored database with; older files have none

Values are written by the column's kind, so nothing depends on a backend's own representation:
Decimal as its string ("12.50"), datetime as ISO 8601 with its UTC offset, date as ISO 8601,
bytes as base64, JSON columns as the JSON itself, None as null. Reading checks everything before a
row reaches a database: the header, every marker and row shape, each table's count and the
checksum in the trailer (gzip's own CRC catches most damage first).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import hashlib
import json
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from sqlalchemy import JSON, Column
from sqlalchemy.types import TypeDecorator, TypeEngine

FORMAT = "fllc-warehouse-backup"
FORMAT_VERSION = 1
SUFFIX = ".fllcbak"
KINDS = ("int", "str", "bool", "float", "decimal", "datetime", "date", "time", "bytes", "json")


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why and what to do."""


class BackupCorruptError(BackupError):
    """The file is not a complete, intact backup."""


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    rows: int

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Header:
    format_version: int
    app_version: str
    alembic_revision: str
    created_at: str
    source_dialect: str
    tables: tuple[TableSpec, ...]

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": self.format_version,
            "app_version": self.app_version,
            "alembic_revision": self.alembic_revision,
            "created_at": self.created_at,
            "source_dialect": self.source_dialect,
            "tables": [
                {
                    "name": t.name,
                    "rows": t.rows,
                    "columns": [{"name": c.name, "kind": c.kind} for c in t.columns],
                }
                for t in self.tables
            ],
        }

    @classmethod
    def from_json(cls, data: object) -> Header:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupCorruptError("This is not an FLLC Warehouse backup (no backup header)")
        version = data.get("format_version")
        if not isinstance(version, int):
            raise BackupCorruptError("The backup header has no format version")
        if version > FORMAT_VERSION:
            raise BackupError(
                f"The backup uses file format {version}; this server reads format {FORMAT_VERSION} "
                "and older. Upgrade the server, then restore."
            )
        try:
            tables = tuple(
                TableSpec(
                    name=str(t["name"]),
                    rows=_count(t["rows"]),
                    columns=tuple(ColumnSpec(str(c["name"]), _kind(c["kind"])) for c in t["columns"]),
                )
                for t in data["tables"]
            )
            return cls(
                format_version=version,
                app_version=str(data["app_version"]),
                alembic_revision=str(data["alembic_revision"]),
                created_at=str(data["created_at"]),
                source_dialect=str(data["source_dialect"]),
                tables=tables,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BackupCorruptError(f"The backup header is malformed ({exc})") from exc


def _count(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"bad row count {value!r}")
    return value


def _kind(value: object) -> str:
    if value not in KINDS:
        raise ValueError(f"unknown value kind {value!r}")
    return str(value)


# -- values ----------------------------------------------------------------------------------------


def column_kind(column: Column[Any]) -> str:
    """How a column's values are written: by its SQLAlchemy type, never by the backend. A type
    without a known kind is an error (a new column type needs a line here), not a guess."""
    sql_type: TypeEngine[Any] = column.type
    if isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl_instance
    if isinstance(sql_type, JSON):
        return "json"
    try:
        python_type = sql_type.python_type
    except NotImplementedError:
        python_type = object
    for kind, cls in (
        ("bool", bool),
        ("int", int),
        ("decimal", Decimal),
        ("float", float),
        ("datetime", dt.datetime),
        ("date", dt.date),
        ("time", dt.time),
        ("bytes", bytes),
        ("str", str),
    ):
        if issubclass(python_type, cls):
            return kind
    raise BackupError(f"No backup encoding for {column.table.name}.{column.name} ({sql_type!r})")


def _encode_bytes(value: Any) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def _isoformat(value: Any) -> str:
    return str(value.isoformat())


_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "decimal": str,
    "datetime": _isoformat,
    "date": _isoformat,
    "time": _isoformat,
    "bytes": _encode_bytes,
}


def _decode_int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"not an integer: {value!r}")
    return value


def _decode_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"not a string: {value!r}")
    return value


def _decode_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"not a boolean: {value!r}")
    return value


def _decode_float(value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    return float(value)


def _decode_decimal(value: Any) -> Decimal:
    if not isinstance(value, str):
        raise ValueError(f"not a decimal string: {value!r}")
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal: {value!r}") from exc


def _decode_datetime(value: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(_decode_str(value))


def _decode_date(value: Any) -> dt.date:
    return dt.date.fromisoformat(_decode_str(value))


def _decode_time(value: Any) -> dt.time:
    return dt.time.fromisoformat(_decode_str(value))


def _decode_bytes(value: Any) -> bytes:
    try:
        return base64.b64decode(_decode_str(value), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not base64: {value!r}") from exc


def _decode_json(value: Any) -> Any:
    return value


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "int": _decode_int,
    "str": _decode_str,
    "bool": _decode_bool,
    "float": _decode_float,
    "decimal": _decode_decimal,
    "datetime": _decode_datetime,
    "date": _decode_date,
    "time": _decode_time,
    "bytes": _decode_bytes,
    "json": _decode_json,
}


def row_encoder(columns: tuple[ColumnSpec, ...]) -> Callable[[tuple[Any, ...]], list[Any]]:
    """A function from a database row (in column order) to its JSON array."""
    encoders = [_ENCODERS.get(c.kind) for c in columns]

    def encode(row: tuple[Any, ...]) -> list[Any]:
        return [
            encoder(value) if encoder is not None and value is not None else value
            for value, encoder in zip(row, encoders, strict=True)
        ]

    return encode


def row_decoder(table: TableSpec) -> Callable[[object], dict[str, Any]]:
    """A function from a row's JSON array to {column: value}; ValueError when it does not fit."""
    names = table.column_names
    decoders = [_DECODERS[c.kind] for c in table.columns]
    width = len(names)

    def decode(raw: object) -> dict[str, Any]:
        if not isinstance(raw, list) or len(raw) != width:
            raise ValueError(f"a row of {table.name} does not have its {width} columns")
        return {
            name: None if value is None else decoder(value)
            for name, value, decoder in zip(names, raw, decoders, strict=True)
        }

    return decode


class ContentChecksum:
    """A table's content as one value: the sum (mod 2**256) of each row's SHA-256 over its encoded
    values in canonical JSON, so it does not depend on the order the rows come in (backends sort
    text keys differently) nor on how a backend orders a JSON object's keys."""

    MODULUS = 2**256

    def __init__(self) -> None:
        self._sum = 0
        self.rows = 0

    def add(self, encoded_row: list[Any]) -> None:
        canonical = json.dumps(encoded_row, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        digest = hashlib.sha256(canonical.encode()).digest()
        self._sum = (self._sum + int.from_bytes(digest, "big")) % self.MODULUS
        self.rows += 1

    def hexdigest(self) -> str:
        return f"{self._sum:064x}"


# -- writing ---------------------------------------------------------------------------------------


def _dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode() + b"\n"


class BackupWriter:
    """Writes beside the target (`<name>.partial`, mode 0600) and renames only once complete, so a
    file under the final name is always a whole backup."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.rows = 0
        self._sha = hashlib.sha256()
        self._checksums: dict[str, ContentChecksum] = {}
        self._current: ContentChecksum | None = None
        fd = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._raw: IO[bytes] = os.fdopen(fd, "wb")
        self._gzip = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, compresslevel=6, mtime=0)

    def _write(self, data: bytes) -> None:
        self._sha.update(data)
        self._gzip.write(data)

    def header(self, header: Header) -> None:
        self._write(_dumps(header.to_json()))

    def table(self, table: TableSpec) -> None:
        self._write(_dumps({"table": table.name, "rows": table.rows}))
        self._current = self._checksums[table.name] = ContentChecksum()

    def rows_chunk(self, rows: list[list[Any]]) -> None:
        self._write(b"".join(_dumps(row) for row in rows))
        self.rows += len(rows)
        assert self._current is not None, "rows before their table"
        for row in rows:
            self._current.add(row)

    def finish(self) -> None:
        trailer = {
            "end": FORMAT,
            "rows": self.rows,
            "sha256": self._sha.hexdigest(),
            "tables": {name: checksum.hexdigest() for name, checksum in self._checksums.items()},
        }
        self._gzip.write(_dumps(trailer))
        self._gzip.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        try:
            self._gzip.close()
            self._raw.close()
        finally:
            self.partial.unlink(missing_ok=True)


# -- reading ---------------------------------------------------------------------------------------


class BackupReader:
    """Reads a backup file, checking it as it goes: `header` on open, then `chunks()`.

    Any damage - a truncated or bit-flipped file, a row that does not fit its table, a count or
    checksum that does not match - raises BackupCorruptError; `chunks()` raises it at the latest when
    the trailer is read, so a caller that loads inside a transaction rolls back.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._file: gzip.GzipFile = gzip.open(path, "rb")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            raise BackupError(f"Cannot open {path}: {exc.strerror or exc}") from exc
        self._sha = hashlib.sha256()
        self.checksums: dict[str, str] | None = None  # each table's content checksum, once read
        try:
            self.header = Header.from_json(self._json(self._line("the header")))
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> BackupReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def _damaged(self, detail: str) -> BackupCorruptError:
        return BackupCorruptError(
            f"{self.path} is damaged or incomplete ({detail}); nothing was restored from it. "
            "Use another copy of the backup."
        )

    def _line(self, what: str, *, hashed: bool = True) -> bytes:
        try:
            line = self._file.readline()
        except (OSError, EOFError, zlib.error) as exc:
            raise self._damaged(f"{type(exc).__name__}: {exc}") from exc
        if not line.endswith(b"\n"):
            raise self._damaged(f"the file ends where {what} should be")
        if hashed:
            self._sha.update(line)
        return line

    def _json(self, line: bytes) -> Any:
        try:
            return json.loads(line)
        except ValueError as exc:
            raise self._damaged(f"unreadable line: {exc}") from exc

    def chunks(self, size: int = 1000) -> Iterator[tuple[TableSpec, list[dict[str, Any]]]]:
        """(table, up to `size` decoded rows) in file order; an empty table yields one empty chunk."""
        for table in self.header.tables:
            marker = self._json(self._line(f"the start of table {table.name}"))
            if marker != {"table": table.name, "rows": table.rows}:
                raise self._damaged(f"expected table {table.name} with {table.rows} rows")
            decode = row_decoder(table)
            chunk: list[dict[str, Any]] = []
            yielded = False
            for index in range(table.rows):
                raw = self._json(self._line(f"row {index + 1} of {table.name}"))
                try:
                    chunk.append(decode(raw))
                except ValueError as exc:
                    raise self._damaged(f"{table.name}: {exc}") from exc
                if len(chunk) >= size:
                    yield table, chunk
                    yielded = True
                    chunk = []
            if chunk or not yielded:
                yield table, chunk
        self._check_trailer()

    def _check_trailer(self) -> None:
        digest = self._sha.hexdigest()
        trailer = self._json(self._line("the end marker", hashed=False))
        if not isinstance(trailer, dict) or trailer.get("end") != FORMAT:
            raise self._damaged("more rows than the header lists, or no end marker")
        if trailer.get("rows") != self.header.total_rows:
            raise self._damaged("the row total does not match the header")
        if trailer.get("sha256") != digest:
            raise self._damaged("checksum mismatch")
        checksums = trailer.get("tables")
        if checksums is not None:
            names = {t.name for t in self.header.tables}
            if not isinstance(checksums, dict) or set(checksums) != names:
                raise self._damaged("the table checksums do not list the header's tables")
            self.checksums = {str(k): str(v) for k, v in checksums.items()}
        try:
            rest = self._file.read(1)
        except (OSError, EOFError, zlib.error) as exc:
            raise self._damaged(f"{type(exc).__name__}: {exc}") from exc
        if rest:
            raise self._damaged("data after the end marker")


def verify(path: Path) -> Header:
    """Read the whole file and check it; its header when it is intact, else BackupCorruptError."""
    return verify_with_checksums(path)[0]


def verify_with_checksums(path: Path) -> tuple[Header, dict[str, str] | None]:
    """`verify`, and each table's content checksum at the backup's moment (None: an older file)."""
    with BackupReader(path) as reader:
        for _table, _rows in reader.chunks(5000):
            pass
        return reader.header, reader.checksums
