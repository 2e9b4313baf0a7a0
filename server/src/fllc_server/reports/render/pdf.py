"""PDF through reportlab's platypus: the company and title, the parameters, generated at / by,
notes on how the figures are made, then the table (split across pages, the header row repeated on
each: the rows are cut into one table per page here) with its totals row; "Page x of y" in every
footer.

Text that people typed (product names, notes, parameters) reaches reportlab's Paragraph markup only
escaped; table cells are plain strings, which reportlab draws as they are, cut to their column."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fllc_server.reports.render import Header
from fllc_server.reports.table import NUMERIC, Column, Report, Row, Totals, display

FONT, BOLD = "FllcSans", "FllcSans-Bold"
FONT_SIZE = 7.5
ROW_HEIGHT = FONT_SIZE * 1.2 + 3
MARGIN = 12 * mm
_FONT_FILES = [
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
]


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for regular, bold in _FONT_FILES:
        if Path(regular).exists() and Path(bold).exists():
            pdfmetrics.registerFont(TTFont(FONT, regular))
            pdfmetrics.registerFont(TTFont(BOLD, bold))
            return
    # reportlab ships Bitstream Vera (DejaVu's parent): Latin text everywhere.
    pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
    pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Holds each page until the end, so the footer can say how many pages there are."""

    footer_left = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for page in self._pages:
            self.__dict__.update(page)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        width, _height = self._pagesize
        self.setFont(FONT, 7)
        self.setFillColor(colors.grey)
        self.drawString(MARGIN, 7 * mm, self.footer_left)
        self.drawRightString(width - MARGIN, 7 * mm, f"Page {self._pageNumber} of {total}")


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "company": ParagraphStyle("company", fontName=BOLD, fontSize=10, leading=13, textColor=colors.grey),
        "title": ParagraphStyle("title", fontName=BOLD, fontSize=16, leading=20, spaceAfter=4),
        "meta": ParagraphStyle("meta", fontName=FONT, fontSize=8, leading=10.5),
        "note": ParagraphStyle("note", fontName=FONT, fontSize=7.5, leading=10, textColor=colors.dimgrey),
    }


@functools.cache
def _char_width(char: str, font: str) -> float:
    return float(pdfmetrics.stringWidth(char, font, FONT_SIZE))


def _fit(text: str, width: float, font: str) -> str:
    """Cut a cell's text to its column width (with an ellipsis), in one pass over its characters."""
    room = width - _char_width("…", font)
    used = 0.0
    cut = None
    for index, char in enumerate(text):
        used += _char_width(char, font)
        if cut is None and used > room:
            cut = index
        if used > width:
            return text[:cut] + "…"
    return text


def column_widths(columns: list[Column], width: float) -> list[float]:
    """Widths in proportion to each column's weight, but never narrower than its header's words
    need: those columns get their minimum and the others share what is left."""
    least = [_char_run_width(column.label, BOLD) + 8 for column in columns]
    fixed: dict[int, float] = {}
    while True:
        free = width - sum(fixed.values())
        weight = sum(c.width for i, c in enumerate(columns) if i not in fixed) or 1.0
        short = [i for i, c in enumerate(columns) if i not in fixed and free * c.width / weight < least[i]]
        if not short:
            return [fixed.get(i, free * c.width / weight) for i, c in enumerate(columns)]
        fixed.update({i: least[i] for i in short})


def _char_run_width(text: str, font: str) -> float:
    return sum(_char_width(char, font) for char in text)


class _Layout:
    def __init__(self, columns: list[Column], width: float) -> None:
        self.columns = columns
        self.widths = column_widths(columns, width)
        self.style = TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, FONT_SIZE),
                ("FONT", (0, 0), (-1, 0), BOLD, FONT_SIZE),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE3EA")),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#55606E")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F4F6F8")]),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                *(
                    ("ALIGN", (i, 0), (i, -1), "RIGHT")
                    for i, column in enumerate(columns)
                    if column.kind in NUMERIC
                ),
            ]
        )

    def cells(self, row: Row, font: str = FONT) -> list[str]:
        """Text cut to its column; numbers never (a wide total may reach into its neighbour)."""
        return [
            display(value, column.kind)
            if column.kind in NUMERIC
            else _fit(display(value, column.kind), width - 6, font)
            for value, column, width in zip(row, self.columns, self.widths, strict=True)
        ]

    def table(self, rows: list[list[str]], *, totals: bool = False) -> Table:
        header = self.cells([c.label for c in self.columns], BOLD)
        # Fixed row heights (cells are one line, cut to width): reportlab then never measures a
        # cell again when it splits the table at each page, which made long tables quadratic.
        heights = [ROW_HEIGHT] * (len(rows) + 1)
        table = Table([header, *rows], colWidths=self.widths, rowHeights=heights, repeatRows=1)
        table.setStyle(self.style)
        if totals:
            table.setStyle(
                [
                    ("FONT", (0, -1), (-1, -1), BOLD, FONT_SIZE),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                    ("BACKGROUND", (0, -1), (-1, -1), colors.white),
                ]
            )
        return table


def _front(report: Report, header: Header) -> list[Any]:
    styles = _styles()
    story: list[Any] = [
        Paragraph(escape(header.company), styles["company"]),
        Paragraph(escape(report.title), styles["title"]),
    ]
    meta = [*report.parameters, ("Generated", f"{header.generated_at} by {header.generated_by}")]
    story.extend(
        Paragraph(f"<b>{escape(label)}:</b> {escape(value)}", styles["meta"]) for label, value in meta
    )
    story.extend(Paragraph(escape(note), styles["note"]) for note in report.notes)
    story.append(Spacer(1, 4 * mm))
    return story


async def write_pdf(report: Report, header: Header, target: Path) -> int:
    _register_fonts()
    pagesize = landscape(A4) if report.landscape else A4
    layout = _Layout(report.columns, pagesize[0] - 2 * MARGIN)
    totals = Totals(report.columns)
    body: list[list[str]] = []
    async for row in report.rows:
        totals.add(row)
        body.append(layout.cells(row))
    story = _front(report, header)
    room = _page_room(pagesize)
    first = room - int(_height(story, pagesize[0] - 2 * MARGIN) // ROW_HEIGHT) - 1
    summed = [layout.cells(totals.row(), BOLD)] if totals.wanted and totals.count else []
    chunks = page_chunks(body, summed, first, room)
    for index, chunk in enumerate(chunks):
        if index:  # a new page unless this one is still (nearly) empty
            story.append(CondPageBreak((room - 2) * ROW_HEIGHT))
        story.append(layout.table(chunk.rows, totals=chunk.totals))
    if not totals.count:  # the header alone, then the reason: no totals row of zeros above it
        story.extend(
            [
                layout.table([]),
                Spacer(1, 2 * mm),
                Paragraph("No rows match these parameters.", _styles()["meta"]),
            ]
        )
    await asyncio.to_thread(_build, story, pagesize, report, header, target)
    return totals.count


@dataclass(frozen=True)
class Chunk:
    rows: list[list[str]]
    totals: bool  # its last row is the totals row


def page_chunks(rows: list[list[str]], totals: list[list[str]], first: int, room: int) -> list[Chunk]:
    """The rows cut into one table per page (each under its own header row): `first` rows fit on the
    first page, `room` on each other. Cutting them here, rather than letting reportlab split one
    long table at each page, keeps long reports linear; the totals row never stands alone."""
    chunks: list[list[list[str]]] = []
    rest = rows + totals
    size = max(first, 1)
    while rest:
        chunks.append(rest[:size])
        rest = rest[size:]
        size = room
    if totals and len(chunks) > 1 and len(chunks[-1]) == 1:
        chunks[-1].insert(0, chunks[-2].pop())  # the last data row goes over with its totals
    return [Chunk(chunk, bool(totals) and index == len(chunks) - 1) for index, chunk in enumerate(chunks)]


def _page_room(pagesize: tuple[float, float]) -> int:
    """Data rows under a header on a page of the document's frame (6 pt padding at top and bottom)."""
    height = pagesize[1] - MARGIN - (MARGIN + 3 * mm) - 12
    return int(height // ROW_HEIGHT) - 2  # the header row and one of spare


def _height(story: list[Any], width: float) -> float:
    used = 0.0
    for flowable in story:
        _w, h = flowable.wrap(width, 10_000)
        used += h + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    return used


def _build(
    story: list[Any], pagesize: tuple[float, float], report: Report, header: Header, target: Path
) -> None:
    document = SimpleDocTemplate(
        str(target),
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 3 * mm,
        title=report.title,
        author=header.company,
    )
    canvas = type("_Canvas", (_NumberedCanvas,), {"footer_left": f"{header.company} · {report.title}"})
    document.build(story, canvasmaker=canvas)
