"""What a search box's text means, turned into full-text expressions that cannot be malformed.

User text never reaches an FTS parser as syntax: it is split into words (letters and digits only,
as FTS5's unicode61 tokenizer splits them), each word is quoted (FTS5) or compared as a value
(MySQL: the products_fts_terms word index, see catalog.repository.mysql_term_hits), and the last
word matches as a prefix so that search-as-you-type works. Every word counts on both backends,
short words and stopwords included ("tv", "the").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fllc_server.catalog.schemas import ProductSort

MAX_WORDS = 8
LIKE_ESCAPE = "!"
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The searchable words of `text`, lower-cased, at most MAX_WORDS."""
    return name_words(text)[:MAX_WORDS]


def name_words(text: str) -> list[str]:
    """Every word of `text`, lower-cased: what a product name is found by (catalog.index)."""
    return _WORD.findall(text.lower())


def escape_like(text: str) -> str:
    """`text` as a literal inside a LIKE pattern (with ESCAPE LIKE_ESCAPE)."""
    for char in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(char, LIKE_ESCAPE + char)
    return text


def fts5_name_query(terms: list[str]) -> str:
    """An FTS5 MATCH expression: every word in the name column, the last one as a prefix."""
    quoted = [f'"{term}"' for term in terms]
    quoted[-1] += "*"
    return "name : (" + " AND ".join(quoted) + ")"


@dataclass(frozen=True, slots=True)
class ProductQuery:
    """One product search: the text, the filters, the order and the page."""

    q: str | None = None
    category_id: int | None = None
    supplier_id: int | None = None
    below_reorder: bool = False
    sort: ProductSort = ProductSort.NAME
    page: int = 1
    per_page: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def count_key(self) -> str:
        """A stable text for what this query matches, whatever its sort and page."""
        return repr((self.q, self.category_id, self.supplier_id, self.below_reorder))
