"""What a report is before it becomes a file: a title, the parameters it ran with, typed columns
and rows (streamed), so that the PDF, CSV and XLSX renderers each read the same thing."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

Cell = str | int | Decimal | float | dt.date | dt.datetime | None
Row = Sequence[Cell]


class Kind(StrEnum):
    """How a column's values are typed in every format."""

    TEXT = "text"
    INT = "int"
    MONEY = "money"  # Decimal, two places
    NUMBER = "number"  # Decimal or float, two places (turnover, days of supply)
    PERCENT = "percent"  # Decimal or float, 0-100
    DATE = "date"
    DATETIME = "datetime"


NUMERIC = (Kind.INT, Kind.MONEY, Kind.NUMBER, Kind.PERCENT)


@dataclass(frozen=True)
class Column:
    label: str
    kind: Kind = Kind.TEXT
    total: bool = False  # summed into the totals row
    width: float = 1.0  # relative width in the PDF


@dataclass
class Report:
    kind: str
    title: str
    parameters: list[tuple[str, str]]  # (label, value) as a person reads them
    columns: list[Column]
    rows: AsyncIterable[Row]
    notes: list[str] = field(default_factory=list)  # how the figures are made, printed under the title
    landscape: bool = False


async def rows_of(rows: Iterable[Row]) -> AsyncIterator[Row]:
    for row in rows:
        yield row


class Totals:
    """Sums of the columns marked `total`, kept while rows stream past."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns = columns
        self.sums: list[Decimal | None] = [Decimal(0) if c.total else None for c in columns]
        self.count = 0

    def add(self, row: Row) -> None:
        self.count += 1
        for index, value in enumerate(row):
            current = self.sums[index]
            if current is not None and isinstance(value, int | Decimal | float):
                self.sums[index] = current + Decimal(str(value))

    @property
    def wanted(self) -> bool:
        return any(c.total for c in self.columns)

    def row(self) -> list[Cell]:
        cells: list[Cell] = []
        for column, value in zip(self.columns, self.sums, strict=True):
            if value is None:
                cells.append(None)
            elif column.kind is Kind.INT:
                cells.append(int(value))
            else:
                cells.append(value)
        if cells and cells[0] is None:
            cells[0] = "Total"
        return cells


def display(value: Cell, kind: Kind) -> str:  # noqa: PLR0911 - one answer per type
    """A cell as text: the form the PDF prints and the CSV writes."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind in (Kind.MONEY, Kind.NUMBER) and isinstance(value, int | Decimal | float):
        return f"{Decimal(str(value)):,.2f}"
    if kind is Kind.PERCENT and isinstance(value, int | Decimal | float):
        return f"{Decimal(str(value)):.2f}%"
    if kind is Kind.INT and isinstance(value, int | Decimal):
        return f"{value:,}"
    return str(value)
