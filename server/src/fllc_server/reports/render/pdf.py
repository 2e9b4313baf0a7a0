"""PDF with reportlab: the company and title, the parameters, generated at / by, notes on how the
figures are made (platypus paragraphs), then the table drawn straight on the canvas, cut into pages
here with the header row repeated on each, and its totals row; "Page x of y" in every footer.

The table is drawn with the canvas rather than platypus' Table: a report of 10,000 rows spent most
of its time in Table's per-cell styling and in one text object per cell; here a page is a few
rectangles, one text object and two rules. It looks as the Table did (same widths, paddings,
colours, stripes and rules).

Text that people typed (product names, notes, parameters) reaches reportlab's Paragraph markup only
escaped; table cells are plain strings, which the canvas draws as they are, cut to their column."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from fllc_server.reports.render import Header
from fllc_server.reports.table import NUMERIC, Column, Report, Row, Totals, display

FONT, BOLD = "FllcSans", "FllcSans-Bold"
FONT_SIZE = 7.5
ROW_HEIGHT = FONT_SIZE * 1.2 + 3
TEXT_RISE = 3.0  # a cell's baseline above its row's bottom: 1.5 padding + leading 9 - size 7.5
PADDING = 3.0  # left and right of a cell's text
MARGIN = 12 * mm
FRAME_PADDING = 6.0  # around the page's text, as in a platypus frame
SPACE_BELOW_FRONT = 4 * mm
HEADER_BACKGROUND = colors.HexColor("#DDE3EA")
HEADER_RULE = colors.HexColor("#55606E")
STRIPE = colors.HexColor("#F4F6F8")
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


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "company": ParagraphStyle("company", fontName=BOLD, fontSize=10, leading=13, textColor=colors.grey),
        "title": ParagraphStyle("title", fontName=BOLD, fontSize=16, leading=20, spaceAfter=4),
        "meta": ParagraphStyle("meta", fontName=FONT, fontSize=8, leading=10.5),
        "note": ParagraphStyle("note", fontName=FONT, fontSize=7.5, leading=10, textColor=colors.dimgrey),
    }


class _Widths(dict[str, float]):
    """Each character's width in one font at the table's size, measured once."""

    def __init__(self, font: str) -> None:
        super().__init__()
        self.font = font

    def __missing__(self, char: str) -> float:
        width = self[char] = float(pdfmetrics.stringWidth(char, self.font, FONT_SIZE))
        return width


_WIDTHS: dict[str, _Widths] = {}


def _widths(font: str) -> _Widths:
    found = _WIDTHS.get(font)
    if found is None:
        found = _WIDTHS[font] = _Widths(font)
    return found


def _run_width(text: str, font: str) -> float:
    widths = _widths(font)
    return sum([widths[char] for char in text])


def _fit(text: str, width: float, font: str) -> str:
    """Cut a cell's text to its column width (with an ellipsis)."""
    widths = _widths(font)
    if _run_width(text, font) <= width:
        return text
    room = width - widths["…"]
    used = 0.0
    for index, char in enumerate(text):
        used += widths[char]
        if used > room:
            return text[:index] + "…"
    return text  # not reached: the whole text is wider than the room


def column_widths(columns: list[Column], width: float) -> list[float]:
    """Widths in proportion to each column's weight, but never narrower than its header's words
    need: those columns get their minimum and the others share what is left."""
    least = [_run_width(column.label, BOLD) + 8 for column in columns]
    fixed: dict[int, float] = {}
    while True:
        free = width - sum(fixed.values())
        weight = sum(c.width for i, c in enumerate(columns) if i not in fixed) or 1.0
        short = [i for i, c in enumerate(columns) if i not in fixed and free * c.width / weight < least[i]]
        if not short:
            return [fixed.get(i, free * c.width / weight) for i, c in enumerate(columns)]
        fixed.update({i: least[i] for i in short})


class _Layout:
    """Where each column sits and how its cells read: text cut to its column, numbers right-aligned."""

    def __init__(self, columns: list[Column], width: float) -> None:
        self.columns = columns
        self.widths = column_widths(columns, width)
        self.lefts = [MARGIN + sum(self.widths[:i]) for i in range(len(columns))]
        self.right_aligned = [column.kind in NUMERIC for column in columns]
        self.width = sum(self.widths)

    def cells(self, row: Row, font: str = FONT) -> list[str]:
        """Text cut to its column; numbers never (a wide total may reach into its neighbour)."""
        return [
            display(value, column.kind) if right else _fit(display(value, column.kind), width - 6, font)
            for value, column, width, right in zip(
                row, self.columns, self.widths, self.right_aligned, strict=True
            )
        ]

    def draw_rows(self, canvas: Canvas, top: float, rows: list[list[str]], *, totals: bool = False) -> float:
        """The header row and `rows` under it from `top` down (the last one the totals row when
        `totals`); returns where the table ends. Backgrounds first, then the text (one text object
        for the whole table: a text object per cell was most of the time of a long report), then
        the rules."""
        header = self.cells([c.label for c in self.columns], BOLD)
        bottom = top - ROW_HEIGHT * (len(rows) + 1)
        canvas.setFillColor(HEADER_BACKGROUND)
        canvas.rect(MARGIN, top - ROW_HEIGHT, self.width, ROW_HEIGHT, stroke=0, fill=1)
        canvas.setFillColor(STRIPE)
        for index in range(1, len(rows), 2):  # every second data row, the first one white
            if not (totals and index == len(rows) - 1):
                canvas.rect(MARGIN, top - ROW_HEIGHT * (index + 2), self.width, ROW_HEIGHT, stroke=0, fill=1)
        text = canvas.beginText()
        text.setFillColor(colors.black)
        for index, cells in enumerate([header, *rows]):
            bold = index == 0 or (totals and index == len(rows))
            text.setFont(BOLD if bold else FONT, FONT_SIZE)
            baseline = top - ROW_HEIGHT * (index + 1) + TEXT_RISE
            for cell, left, width, right in zip(
                cells, self.lefts, self.widths, self.right_aligned, strict=True
            ):
                if not cell:
                    continue
                if right:
                    text.setTextOrigin(
                        left + width - PADDING - _run_width(cell, BOLD if bold else FONT), baseline
                    )
                else:
                    text.setTextOrigin(left + PADDING, baseline)
                text.textLine(cell)
        canvas.drawText(text)
        canvas.setStrokeColor(HEADER_RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, top - ROW_HEIGHT, MARGIN + self.width, top - ROW_HEIGHT)
        if totals and rows:
            canvas.setStrokeColor(colors.black)
            canvas.setLineWidth(0.8)
            above = bottom + ROW_HEIGHT
            canvas.line(MARGIN, above, MARGIN + self.width, above)
        return bottom


def _front(report: Report, header: Header) -> list[Paragraph]:
    styles = _styles()
    story = [
        Paragraph(escape(header.company), styles["company"]),
        Paragraph(escape(report.title), styles["title"]),
    ]
    meta = [*report.parameters, ("Generated", f"{header.generated_at} by {header.generated_by}")]
    story.extend(
        Paragraph(f"<b>{escape(label)}:</b> {escape(value)}", styles["meta"]) for label, value in meta
    )
    story.extend(Paragraph(escape(note), styles["note"]) for note in report.notes)
    return story


async def write_pdf(report: Report, header: Header, target: Path) -> int:
    totals = Totals(report.columns)
    body: list[Row] = []
    async for row in report.rows:
        totals.add(row)
        body.append(row)
    await asyncio.to_thread(_write, report, header, body, totals, target)
    return totals.count


def _write(report: Report, header: Header, body: list[Row], totals: Totals, target: Path) -> None:
    """Draw the document page by page with reportlab's canvas: the front matter (platypus
    paragraphs, so markup and wrapping stay reportlab's), then the table cut into pages, each
    under its own header row; the footer of every page says how many there are (known up front,
    the rows being cut here)."""
    _register_fonts()
    pagesize = landscape(A4) if report.landscape else A4
    page_width, page_height = pagesize
    layout = _Layout(report.columns, page_width - 2 * MARGIN)
    canvas = Canvas(str(target), pagesize=pagesize)
    canvas.setTitle(report.title)
    canvas.setAuthor(header.company)
    top = page_height - MARGIN - FRAME_PADDING
    front = _front(report, header)
    text_width = page_width - 2 * MARGIN - 2 * FRAME_PADDING
    heights = [paragraph.wrap(text_width, page_height)[1] for paragraph in front]
    front_height = sum(heights) + sum(p.getSpaceAfter() for p in front) + SPACE_BELOW_FRONT
    room = _page_room(pagesize)
    first = room - int(front_height // ROW_HEIGHT) - 1
    rows = [layout.cells(row) for row in body]
    summed = [layout.cells(totals.row(), BOLD)] if totals.wanted and totals.count else []
    chunks = page_chunks(rows, summed, first, room)
    if first < 1 and chunks:  # the front matter fills the first page: the table starts on the next
        chunks = [Chunk([], totals=False), *page_chunks(rows, summed, room, room)]
    pages = max(len(chunks), 1)
    footer = f"{header.company} · {report.title}"

    y = top
    for paragraph, height in zip(front, heights, strict=True):
        paragraph.drawOn(canvas, MARGIN + FRAME_PADDING, y - height)
        y -= height + paragraph.getSpaceAfter()
    y -= SPACE_BELOW_FRONT
    if not totals.count:  # the header alone, then the reason: no totals row of zeros above it
        y = layout.draw_rows(canvas, y, []) - 2 * mm
        reason = Paragraph("No rows match these parameters.", _styles()["meta"])
        _w, height = reason.wrap(text_width, page_height)
        reason.drawOn(canvas, MARGIN + FRAME_PADDING, y - height)
    for number, chunk in enumerate(chunks, start=1):
        if number > 1:
            y = top
        if chunk.rows:
            layout.draw_rows(canvas, y, chunk.rows, totals=chunk.totals)
        _footer(canvas, page_width, footer, number, pages)
        canvas.showPage()
    if not chunks:
        _footer(canvas, page_width, footer, 1, 1)
        canvas.showPage()
    canvas.save()


def _footer(canvas: Canvas, page_width: float, left: str, number: int, pages: int) -> None:
    canvas.setFont(FONT, 7)
    canvas.setFillColor(colors.grey)
    canvas.drawString(MARGIN, 7 * mm, left)
    canvas.drawRightString(page_width - MARGIN, 7 * mm, f"Page {number} of {pages}")


@dataclass(frozen=True)
class Chunk:
    rows: list[list[str]]
    totals: bool  # its last row is the totals row


def page_chunks(rows: list[list[str]], totals: list[list[str]], first: int, room: int) -> list[Chunk]:
    """The rows cut into one table per page (each under its own header row): `first` rows fit on the
    first page, `room` on each other. The totals row never stands alone."""
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
    """Data rows under a header on a page (6 pt padding at top and bottom, as platypus frames have)."""
    height = pagesize[1] - MARGIN - (MARGIN + 3 * mm) - 2 * FRAME_PADDING
    return int(height // ROW_HEIGHT) - 2  # the header row and one of spare
