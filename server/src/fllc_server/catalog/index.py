"""Product searches answered from an in-process index of the live catalog.

Every server process keeps a `CatalogIndex` of the live products and answers uncached searches from
memory, without a query. The database stays the source of truth, and its search (catalog.repository)
stays as the fallback for what the index declines: searches while the index is being built or is
catching up from a large change, and text the index does not mirror (non-ASCII names, whose
collation rules only the database has — see `Snapshot.page`). Both executors take the same
`ProductQuery` (catalog.search_params), the same tokenisation and barcode normalisation
(catalog.search, catalog.barcodes) and the same reorder rule (catalog.reorder); test_index.py checks
that they give identical answers.

What is indexed — exactly what the database path (catalog.repository) matches and how it orders:

- name words: catalog.search's tokenisation (every word of a name; a query's words all present,
  the last one as a prefix), SKU prefix (ASCII, case-insensitive like LIKE on both backends), the
  normalised barcode (exact); filters category, supplier, below reorder point (catalog.reorder's
  rule); every sort with the SQL's tie-break (id, same direction).
- text sort keys are the database's own: on MySQL/MariaDB the collation's WEIGHT_STRING (trailing
  spaces cut: PAD SPACE), on SQLite NOCASE (ASCII letters folded, then code points).
- each product's ProductOut JSON is rendered once, so a page is a join of bytes (the same bytes
  the database path's Page[ProductOut] dump holds).

Freshness is the catalog cache's: a request passes the catalog generation it read (read after it
arrived); when it is not the index's, the request joins a catch-up that has not started yet, or
starts one (infra.cache.FreshRead's idea). A catch-up reads the generation g first, then, in one
transaction, the change_log rows after its cursor and the touched products' current rows, applies
them (idempotent upserts/removals) and records g. Every write bumps the generation after its
commit, so an index at generation g holds every write whose bump the request could have seen.
Seq gaps (transactions not committed yet, or rolled back): the cursor stays at the highest
contiguous seq, the rows beyond it are read again next time, and a gap counts as permanent after
kit.changes.GAP_SETTLE (the sync pull's rule: `settled_seq`). A cursor below the change log's
floor (a compaction dropped tombstones past it, or a restore opened a new era) rebuilds the index.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from prometheus_client.core import GaugeMetricFamily
from pydantic import TypeAdapter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.catalog.reorder import needs_reorder
from fllc_server.catalog.repository import PRODUCT_COLUMNS, PRODUCT_FIELDS, as_barcode
from fllc_server.catalog.schemas import ProductOut
from fllc_server.catalog.search import ProductQuery, name_words, words
from fllc_server.kit.changes import catalog_generation, settled_seq
from fllc_server.kit.memory import keep_long_lived
from fllc_server.kit.pagination import PageParams
from fllc_server.models import Change, Product
from fllc_server.models.base import utcnow
from fllc_server.sync.repository import ChangeLogRepository

if TYPE_CHECKING:
    from prometheus_client.registry import CollectorRegistry

    from fllc_server.infra.cache import Cache, FreshRead
    from fllc_server.kit.db import Database

logger = logging.getLogger(__name__)

Slots = NDArray[np.int64]

PRODUCT_CHANGES = frozenset({"product", "stock"})  # change_log entity types whose id is a product's
CHANGES_PER_CATCH_UP = 20_000  # more changed rows than this: rebuild (in the background) instead
BUILD_CHUNK = 10_000  # products read per statement while building
SETTLE_WINDOW = 1_000  # a build's cursor: the newest changes searched for a young gap
RETRY_BUILD = 30.0  # seconds after a failed build before a search starts another
WALK_FROM = 1_000  # matches beyond which a page is found by walking the sort order
OVERLAY_LIMIT = 2_000  # renamed/new products kept beside the word postings before these are rebuilt
SPACE_WEIGHT = b"\x02\x09"  # utf8mb4_unicode_ci's weight of " " (PAD SPACE: trailing ones compare equal)
_PRODUCTS = TypeAdapter(list[ProductOut])
_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_SORT_NAMES = ("name", "sku", "price", "quantity_on_hand", "updated_at")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EMPTY: Slots = np.zeros(0, dtype=np.int64)


# -- the rows ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    """One product as the index needs it."""

    id: int
    live: bool
    json: bytes
    name: str
    sku: str
    barcode: str | None
    category_id: int
    supplier_id: int
    below_reorder: bool
    keys: tuple[Any, ...]  # one per _SORT_NAMES
    plain_name: bool  # ASCII name: its words are what both backends' tokenisers make of it
    sure_order: bool  # its name's sort key compares like the database (see _mysql_key)


def _micros(value: dt.datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return (value - _EPOCH) // dt.timedelta(microseconds=1)


def _mysql_key(weights: bytes | None) -> tuple[bytes, bool]:
    """(the sort key, whether comparing keys as bytes is the collation's order). PAD SPACE: trailing
    spaces do not count; then a prefix sorts first, which holds unless a weight below the space's
    follows (control characters): such a key is not sure."""
    key = bytes(weights or b"")
    while key.endswith(SPACE_WEIGHT) and len(key) % 2 == 0:
        key = key[:-2]
    sure = all(key[i : i + 2] >= SPACE_WEIGHT for i in range(0, len(key), 2))
    return key, sure


def _rows(raw: Sequence[Sequence[Any]], *, sqlite: bool) -> list[Row]:
    """Rows of (PRODUCT_FIELDS..., deleted_at[, name weights, sku weights]) to Rows."""
    width = len(PRODUCT_FIELDS)
    dicts = [dict(zip(PRODUCT_FIELDS, row[:width], strict=True)) for row in raw]
    products = _PRODUCTS.validate_python(dicts)
    rows: list[Row] = []
    for record, product in zip(raw, products, strict=True):
        name, sku = product.name, product.sku
        if sqlite:
            name_key: Any = name.translate(_ASCII_FOLD)
            sku_key: Any = sku.translate(_ASCII_FOLD)
            sure = True
        else:
            plain = name.isascii() and name.isprintable()
            name_key, sure = _mysql_key(record[width + 1])
            sure = sure or plain
            sku_key, _ = _mysql_key(record[width + 2])
        keys = (
            name_key,
            sku_key,
            int(product.price * 100),
            product.quantity_on_hand,
            _micros(product.updated_at),
        )
        rows.append(
            Row(
                id=product.id,
                live=record[width] is None,
                json=product.model_dump_json().encode(),
                name=name,
                sku=sku,
                barcode=product.barcode,
                category_id=product.category_id or 0,
                supplier_id=product.supplier_id or 0,
                below_reorder=needs_reorder(
                    reorder_point=product.reorder_point,
                    reorder_quantity=product.reorder_quantity,
                    quantity_on_hand=product.quantity_on_hand,
                ),
                keys=keys,
                plain_name=name.isascii(),
                sure_order=sure,
            )
        )
    return rows


def _columns(sqlite: bool) -> list[Any]:
    columns: list[Any] = [*PRODUCT_COLUMNS, Product.deleted_at]
    if not sqlite:
        columns += [func.weight_string(Product.name), func.weight_string(Product.sku)]
    return columns


async def _load(session: AsyncSession, ids: Sequence[int], *, sqlite: bool) -> list[Row]:
    """The current rows of these products (deleted ones too: `live` says which)."""
    raw: list[Sequence[Any]] = []
    for first in range(0, len(ids), 1000):
        chunk = list(ids[first : first + 1000])
        result = await session.execute(select(*_columns(sqlite)).where(Product.id.in_(chunk)))
        raw += result.all()
    return _rows(raw, sqlite=sqlite)


async def _load_live(session: AsyncSession, *, sqlite: bool) -> list[Sequence[Any]]:
    """Every live product's raw row, read in id ranges (the loop stays responsive)."""
    raw: list[Sequence[Any]] = []
    last = 0
    while True:
        result = await session.execute(
            select(*_columns(sqlite))
            .where(Product.deleted_at.is_(None), Product.id > last)
            .order_by(Product.id)
            .limit(BUILD_CHUNK)
        )
        chunk = result.all()
        raw += chunk
        if len(chunk) < BUILD_CHUNK:
            return raw
        last = int(chunk[-1][0])


def _unique(slots: Slots) -> Slots:
    """Sorted, without repeats (np.unique is 10-50x slower here: numpy 2's hash path)."""
    if len(slots) < 2:
        return slots
    ordered = np.sort(slots)
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


# -- one sort order ------------------------------------------------------------------------------


class _Order:
    """The live slots in (key, id) ascending order, and each slot's rank in it."""

    def __init__(self, keys: list[Any], ids: list[int], live: Iterable[int], *, numeric: bool) -> None:
        self.keys = keys  # by slot (shared with the snapshot)
        self.ids = ids
        slots = list(live)
        if numeric and slots:
            array = np.asarray(slots, dtype=np.int64)
            key_array = np.asarray([keys[s] for s in slots], dtype=np.int64)
            id_array = np.asarray([ids[s] for s in slots], dtype=np.int64)
            self.order: Slots = array[np.lexsort((id_array, key_array))]
        else:
            slots.sort(key=lambda s: (keys[s], ids[s]))
            self.order = np.asarray(slots, dtype=np.int64)
        self.rank: Slots = np.zeros(len(ids), dtype=np.int64)
        self._rerank()

    def _rerank(self) -> None:
        if len(self.rank) < len(self.ids):
            grown = np.zeros(max(len(self.ids), 2 * len(self.rank)), dtype=np.int64)
            grown[: len(self.rank)] = self.rank
            self.rank = grown
        self.rank[self.order] = np.arange(len(self.order), dtype=np.int64)

    def update(self, was_in: Sequence[int], live: Sequence[int]) -> None:
        """Take `was_in` (slots in the order before) out, put `live` (changed, live slots) in."""
        order = self.order
        if was_in:
            keep = np.ones(len(order), dtype=bool)
            keep[self.rank[np.asarray(was_in, dtype=np.int64)]] = False
            order = order[keep]
        if live:
            keys, ids = self.keys, self.ids
            adding = sorted(live, key=lambda s: (keys[s], ids[s]))
            positions = [self._position(order, keys[s], ids[s]) for s in adding]
            order = np.insert(order, positions, np.asarray(adding, dtype=np.int64))
        self.order = order
        self._rerank()

    def _position(self, order: Slots, key: Any, product_id: int) -> int:
        keys, ids = self.keys, self.ids
        lo, hi = 0, len(order)
        while lo < hi:
            mid = (lo + hi) // 2
            slot = int(order[mid])
            if (keys[slot], ids[slot]) < (key, product_id):
                lo = mid + 1
            else:
                hi = mid
        return lo


# -- the index's data ----------------------------------------------------------------------------


@dataclass
class _Postings:
    """Name words -> slots: a sorted vocabulary over one flat array (each word's slots ascending)."""

    vocab: list[str]
    starts: Slots
    flat: Slots
    position: dict[str, int]
    short: dict[str, Slots] = field(default_factory=dict)

    @classmethod
    def build(cls, names: Sequence[str], live: Sequence[bool]) -> _Postings:
        by_word: dict[str, list[int]] = {}
        for slot, name in enumerate(names):
            if live[slot]:
                for word in set(name_words(name)):
                    by_word.setdefault(word, []).append(slot)
        vocab = sorted(by_word)
        sizes = np.fromiter((len(by_word[w]) for w in vocab), dtype=np.int64, count=len(vocab))
        starts = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(sizes, out=starts[1:])
        flat = np.fromiter((s for w in vocab for s in by_word[w]), dtype=np.int64, count=int(starts[-1]))
        return cls(vocab, starts, flat, {w: i for i, w in enumerate(vocab)})

    def exact(self, word: str) -> Slots:
        i = self.position.get(word)
        return _EMPTY if i is None else self.flat[self.starts[i] : self.starts[i + 1]]

    def prefix(self, text: str) -> Slots:
        lo = bisect.bisect_left(self.vocab, text)
        hi = bisect.bisect_left(self.vocab, text + "\U0010ffff", lo)
        block = self.flat[self.starts[lo] : self.starts[hi]]
        if hi - lo <= 1:
            return block
        if len(text) > 2:
            return _unique(block)
        cached = self.short.get(text)  # one- and two-letter prefixes span thousands of words
        if cached is None:
            cached = self.short[text] = _unique(block)
        return cached


class Snapshot:
    """The products by slot (a slot is never reused: a deleted product keeps its own)."""

    def __init__(self, rows: list[Row]) -> None:
        self.slot_of: dict[int, int] = {}
        self.ids: list[int] = []
        self.json: list[bytes] = []
        self.names: list[str] = []
        self.sku_lower: list[str] = []  # what a SKU prefix is matched against
        self.barcode_of: list[str | None] = []
        self.live_list: list[bool] = []
        self.plain: list[bool] = []
        self.sure: list[bool] = []
        self.keys: list[list[Any]] = [[] for _ in _SORT_NAMES]
        self.barcodes: dict[str, int] = {}
        capacity = max(1024, len(rows) * 5 // 4)
        self.live = np.zeros(capacity, dtype=bool)
        self.category = np.zeros(capacity, dtype=np.int64)
        self.supplier = np.zeros(capacity, dtype=np.int64)
        self.below = np.zeros(capacity, dtype=bool)
        self.stale = np.zeros(capacity, dtype=bool)  # the base postings do not hold its words
        for row in rows:
            self._put(row)
        live_slots = [s for s, live in enumerate(self.live_list) if live]
        self.unplain = sum(1 for s in live_slots if not self.plain[s])  # names not mirrored
        self.unsure = sum(1 for s in live_slots if not self.sure[s])  # name keys not mirrored
        pairs = sorted((self.sku_lower[s], s) for s in live_slots)
        self.skus: list[str] = [sku for sku, _ in pairs]  # lower-cased, sorted, live only
        self.sku_slots: Slots = np.asarray([slot for _, slot in pairs], dtype=np.int64)
        self.orders = [
            _Order(self.keys[i], self.ids, live_slots, numeric=i >= 2) for i in range(len(_SORT_NAMES))
        ]
        self.postings = _Postings.build(self.names, self.live_list)
        self.overlay: dict[int, set[str]] = {}  # slot -> words, for slots the postings do not hold
        self.overlay_words: dict[str, set[int]] = {}

    @property
    def size(self) -> int:
        """Live products."""
        return len(self.sku_slots)

    # -- changing ----------------------------------------------------------------------------------

    def _grow(self, needed: int) -> None:
        if needed <= len(self.live):
            return
        capacity = max(needed, 2 * len(self.live))
        for name in ("live", "category", "supplier", "below", "stale"):
            old = getattr(self, name)
            new = np.zeros(capacity, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def _put(self, row: Row) -> int:
        """Store `row` in its slot (a new one for a new product); returns the slot."""
        slot = self.slot_of.get(row.id)
        if slot is None:
            slot = len(self.ids)
            self._grow(slot + 1)
            self.slot_of[row.id] = slot
            self.ids.append(row.id)
            self.json.append(row.json)
            self.names.append(row.name)
            self.sku_lower.append(row.sku.lower())
            self.barcode_of.append(row.barcode)
            self.live_list.append(row.live)
            self.plain.append(row.plain_name)
            self.sure.append(row.sure_order)
            for keys, key in zip(self.keys, row.keys, strict=True):
                keys.append(key)
        else:
            self.json[slot] = row.json
            self.names[slot] = row.name
            self.sku_lower[slot] = row.sku.lower()
            self.barcode_of[slot] = row.barcode
            self.live_list[slot] = row.live
            self.plain[slot] = row.plain_name
            self.sure[slot] = row.sure_order
            for keys, key in zip(self.keys, row.keys, strict=True):
                keys[slot] = key
        self.live[slot] = row.live
        self.category[slot] = row.category_id
        self.supplier[slot] = row.supplier_id
        self.below[slot] = row.below_reorder
        if row.live and row.barcode is not None:
            self.barcodes[row.barcode] = slot
        return slot

    def apply(self, rows: list[Row], gone: Iterable[int]) -> None:
        """Upsert `rows` (current rows, deleted ones included) and drop the products `gone`
        (no row any more): the sort orders, SKUs, barcodes, words and counters follow."""
        touched: list[int] = []
        was_in: list[int] = []
        for product_id in gone:
            slot = self.slot_of.get(product_id)
            if slot is not None and self.live_list[slot]:
                was_in.append(slot)
                touched.append(slot)
                self._take_out(slot)
                self.live_list[slot] = False
                self.live[slot] = False
        for row in rows:
            slot = self.slot_of.get(row.id)
            if slot is not None and self.live_list[slot]:
                was_in.append(slot)
                self._take_out(slot)
            old_name = self.names[slot] if slot is not None else None
            slot = self._put(row)
            touched.append(slot)
            if row.live:
                self._sku_insert(slot)
                self.unplain += not row.plain_name
                self.unsure += not row.sure_order
            if old_name != row.name:  # new, or renamed: its words live beside the postings
                self._overlay_put(slot, row.name)
        live = [s for s in dict.fromkeys(touched) if self.live_list[s]]
        for order in self.orders:
            order.update(was_in, live)
        if len(self.overlay) > OVERLAY_LIMIT:
            self.postings = _Postings.build(self.names, self.live_list)
            self.overlay.clear()
            self.overlay_words.clear()
            self.stale[:] = False

    def _take_out(self, slot: int) -> None:
        """Remove a live slot from the SKU list, the barcodes and the counters (before its new
        row is stored: the old SKU and barcode are still the slot's)."""
        sku = self.sku_lower[slot]
        i = bisect.bisect_left(self.skus, sku)
        while i < len(self.skus) and self.skus[i] == sku and self.sku_slots[i] != slot:
            i += 1
        if i < len(self.skus) and self.sku_slots[i] == slot:
            del self.skus[i]
            self.sku_slots = np.delete(self.sku_slots, i)
        barcode = self.barcode_of[slot]
        if barcode is not None and self.barcodes.get(barcode) == slot:
            del self.barcodes[barcode]
        self.unplain -= not self.plain[slot]
        self.unsure -= not self.sure[slot]

    def _sku_insert(self, slot: int) -> None:
        sku = self.sku_lower[slot]
        i = bisect.bisect_right(self.skus, sku)
        self.skus.insert(i, sku)
        self.sku_slots = np.insert(self.sku_slots, i, slot)

    def _overlay_put(self, slot: int, name: str) -> None:
        for word in self.overlay.pop(slot, set()):
            holders = self.overlay_words.get(word)
            if holders is not None:
                holders.discard(slot)
                if not holders:
                    del self.overlay_words[word]
        self.stale[slot] = True
        found = set(name_words(name))
        self.overlay[slot] = found
        for word in found:
            self.overlay_words.setdefault(word, set()).add(slot)

    # -- answering -------------------------------------------------------------------------------

    def page(self, query: ProductQuery, paging: PageParams) -> bytes | None:
        """The Page[ProductOut] JSON of `query`, or None when the database must answer it."""
        typed = query.q or ""
        if typed and not typed.isascii():
            return None  # collations and tokenisers fold non-ASCII text in ways not mirrored here
        terms = words(typed)
        if terms and self.unplain:
            return None
        sort = query.sort.value
        descending = sort.startswith("-")
        which = _SORT_NAMES.index(sort.lstrip("-"))
        if which == 0 and self.unsure:
            return None
        order = self.orders[which]
        filtered = query.category_id is not None or query.supplier_id is not None or query.below_reorder
        start, stop = paging.offset, paging.offset + paging.per_page
        if typed:
            matches = self._filter(self._text_hits(typed, terms), query)
            total = len(matches)
            chosen = self._ordered(matches, order, start, stop, descending)
        elif filtered:
            matches = self._filter(self._candidates(query), query)
            total = len(matches)
            chosen = self._ordered(matches, order, start, stop, descending)
        else:
            total = len(order.order)
            chosen = _slice(order.order, start, stop, descending)
        json = self.json
        body = b",".join([json[s] for s in chosen.tolist()])
        meta = paging.meta(total).model_dump_json().encode()
        return b'{"data":[' + body + b'],"meta":' + meta + b"}"

    def _ordered(self, matches: Slots, order: _Order, start: int, stop: int, descending: bool) -> Slots:
        """matches[start:stop] in the order's sequence: few matches are sorted by rank; many are
        found by walking the order from its start (or end) until the page is full."""
        size = len(matches)
        if size <= WALK_FROM or start >= size:
            return _top(matches, order.rank[matches], start, stop, descending)
        member = np.zeros(len(self.live), dtype=bool)
        member[matches] = True
        everything = order.order
        total = len(everything)
        chunk = min(total, int(stop * total / size * 1.5) + 64)
        while True:
            part = everything[:chunk] if not descending else everything[total - chunk :][::-1]
            found = part[member[part]]
            if len(found) >= stop or chunk >= total:
                return found[start:stop]
            chunk = min(total, chunk * 4)

    def _text_hits(self, typed: str, terms: list[str]) -> Slots:
        """Live slots matching by SKU prefix, exact barcode or name words (ascending, unique)."""
        prefix = typed.lower()
        lo = bisect.bisect_left(self.skus, prefix)
        hi = bisect.bisect_left(self.skus, prefix + "\U0010ffff", lo)
        parts = [self.sku_slots[lo:hi]] if hi > lo else []
        barcode = as_barcode(typed)
        if barcode is not None and barcode in self.barcodes:
            parts.append(np.asarray([self.barcodes[barcode]], dtype=np.int64))
        if terms:
            parts.append(self._name_hits(terms))
        if not parts:
            return _EMPTY
        if len(parts) == 1 and hi == lo:
            hits = parts[0]
        elif sum(len(part) for part in parts) < WALK_FROM:
            hits = _unique(np.concatenate(parts))
        else:  # thousands: a membership mask costs less than sorting them
            member = np.zeros(len(self.live), dtype=bool)
            for part in parts:
                member[part] = True
            hits = np.flatnonzero(member).astype(np.int64, copy=False)
        return hits[self.live[hits]]

    def _name_hits(self, terms: list[str]) -> Slots:
        found: Slots | None = None
        for position, term in enumerate(terms):
            last = position == len(terms) - 1
            base = self.postings.prefix(term) if last else self.postings.exact(term)
            if self.overlay:
                base = base[~self.stale[base]]
                extra = self._overlay_hits(term, prefix=last)
                if extra:
                    base = _unique(np.concatenate([base, np.asarray(list(extra), dtype=np.int64)]))
            found = base if found is None else np.intersect1d(found, base, assume_unique=True)
            if not len(found):
                return _EMPTY
        return found if found is not None else _EMPTY

    def _overlay_hits(self, term: str, *, prefix: bool) -> set[int]:
        if not prefix:
            return set(self.overlay_words.get(term, ()))
        hits: set[int] = set()
        for word, slots in self.overlay_words.items():
            if word.startswith(term):
                hits |= slots
        return hits

    def _filter(self, slots: Slots, query: ProductQuery) -> Slots:
        if query.category_id is not None:
            slots = slots[self.category[slots] == query.category_id]
        if query.supplier_id is not None:
            slots = slots[self.supplier[slots] == query.supplier_id]
        if query.below_reorder:
            slots = slots[self.below[slots]]
        return slots

    def _candidates(self, query: ProductQuery) -> Slots:
        """The live slots passing one of the query's filters (the others are checked after)."""
        size = len(self.ids)
        if query.category_id is not None:
            found = self.category[:size] == query.category_id
        elif query.supplier_id is not None:
            found = self.supplier[:size] == query.supplier_id
        else:
            found = self.below[:size].copy()
        found &= self.live[:size]
        return np.flatnonzero(found).astype(np.int64, copy=False)


def _slice(ordered: Slots, start: int, stop: int, descending: bool) -> Slots:
    if not descending:
        return ordered[start:stop]
    size = len(ordered)
    if start >= size:
        return _EMPTY
    return ordered[max(size - stop, 0) : size - start][::-1]


def _top(slots: Slots, ranks: Slots, start: int, stop: int, descending: bool) -> Slots:
    """slots[start:stop] in rank order (descending: highest rank first)."""
    size = len(slots)
    if start >= size:
        return _EMPTY
    keys = -ranks if descending else ranks
    if stop < size // 2:
        nearest = np.argpartition(keys, stop - 1)[:stop]
        picked = nearest[np.argsort(keys[nearest])]
    else:
        picked = np.argsort(keys)
    return slots[picked[start:stop]]


# -- the live index ------------------------------------------------------------------------------


@dataclass
class IndexStats:
    builds: int = 0
    build_seconds: float = 0.0
    catch_ups: int = 0
    applied: int = 0
    answered: int = 0
    declined: int = 0
    last_catch_up: float = 0.0  # monotonic time


@dataclass
class _Cursor:
    seq: int = 0
    floor: int = 0
    generation: bytes | None = None
    waiting: asyncio.Future[bool] | None = None
    runner: asyncio.Task[None] | None = None
    build: asyncio.Task[None] | None = None
    failed_at: float = 0.0
    stats: IndexStats = field(default_factory=IndexStats)


class CatalogIndex:
    """This process's index of the live catalog (see the module docstring)."""

    def __init__(
        self, db: Database, cache: Cache, generation: FreshRead, registry: CollectorRegistry
    ) -> None:
        """`generation`: the shared read of the catalog generation (AppState.catalog_generation);
        `registry`: the app's metrics registry, where the index reports its size and freshness."""
        self.db = db
        self.cache = cache
        self.catalog_generation = generation
        self.registry = registry
        self.sqlite = db.sqlite
        self.snapshot: Snapshot | None = None
        self._c = _Cursor()
        self.ready = asyncio.Event()

    @property
    def stats(self) -> IndexStats:
        return self._c.stats

    @property
    def generation(self) -> bytes | None:
        return self._c.generation

    @property
    def cursor(self) -> int:
        return self._c.seq

    # -- life --------------------------------------------------------------------------------------

    def start(self) -> None:
        """Build in the background: searches use the database until the index is ready."""
        self.registry.register(_Collector(self))
        self._rebuild()

    async def stop(self) -> None:
        for task in (self._c.build, self._c.runner):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    def _rebuild(self) -> None:
        self.snapshot = None
        self.ready.clear()
        if self._c.build is None or self._c.build.done():
            self._c.build = asyncio.ensure_future(self._build())

    async def _build(self) -> None:
        started = time.perf_counter()
        try:
            generation = (await catalog_generation(self.cache)).encode()
            async with self.db.sessions() as session:
                floor, compacted = await _marks(session)
                cursor = await _settled_head(session, compacted)
                raw = await _load_live(session, sqlite=self.sqlite)
            snapshot = await asyncio.to_thread(lambda: Snapshot(_rows(raw, sqlite=self.sqlite)))
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("catalog index build failed; searches use the database")
            self._c.failed_at = time.monotonic()
            return
        self.snapshot = snapshot
        self._c.seq, self._c.floor, self._c.generation = cursor, floor, generation
        stats = self._c.stats
        stats.builds += 1
        stats.build_seconds = time.perf_counter() - started
        stats.last_catch_up = time.monotonic()
        keep_long_lived()  # the snapshot lives until the next build: no full collection walks it
        self.ready.set()
        logger.info("catalog index built: %d products in %.2f s", snapshot.size, stats.build_seconds)

    # -- answering ---------------------------------------------------------------------------------

    async def page(
        self, query: ProductQuery, paging: PageParams, generation: bytes | None = None
    ) -> bytes | None:
        """The answer's bytes from the index, at least as new as `generation` (a catalog generation
        the caller read; read now when not given); None when the database must answer (not built,
        catching up from far behind, or a query the index does not mirror)."""
        if self.snapshot is None:
            build = self._c.build
            if build is not None and build.done() and time.monotonic() - self._c.failed_at > RETRY_BUILD:
                self._rebuild()  # the last build failed (database down at start...): try again
            return None
        if generation is None:
            generation = await self.catalog_generation.get()
        if generation is None:
            return None
        if generation != self._c.generation and not await self._catch_up_after_now():
            self._c.stats.declined += 1
            return None
        snapshot = self.snapshot
        body = None if snapshot is None else snapshot.page(query, paging)
        if body is None:
            self._c.stats.declined += 1
        else:
            self._c.stats.answered += 1
        return body

    async def _catch_up_after_now(self) -> bool:
        """Join the catch-up not started yet (or start one): it reads everything committed before
        it starts, so before now. False when the index could not catch up (use the database)."""
        cursor = self._c
        if cursor.waiting is None:
            cursor.waiting = asyncio.get_running_loop().create_future()
            if cursor.runner is None or cursor.runner.done():
                cursor.runner = asyncio.ensure_future(self._run())
        return await asyncio.shield(cursor.waiting)

    async def _run(self) -> None:
        cursor = self._c
        while cursor.waiting is not None:
            waiting, cursor.waiting = cursor.waiting, None  # everyone in it asked before this line
            try:
                ok = await self.catch_up()
            except Exception:
                logger.exception("catalog index catch-up failed; searches use the database")
                ok = False
            if not waiting.done():
                waiting.set_result(ok)

    async def catch_up(self) -> bool:
        """Read the generation, then the changes after the cursor and the touched products, apply
        them and take the generation. False (and a rebuild started) when that is not possible."""
        if self.snapshot is None:
            return False
        generation = (await catalog_generation(self.cache)).encode()
        async with self.db.sessions() as session:
            floor, compacted = await _marks(session)
            if self._c.seq < floor:  # tombstones compacted past the cursor, or a restore's new era
                self._rebuild()
                return False
            changes = (
                await session.execute(
                    select(Change.seq, Change.entity_type, Change.entity_id, Change.created_at)
                    .where(Change.seq > self._c.seq)
                    .order_by(Change.seq)
                    .limit(CHANGES_PER_CATCH_UP + 1)
                )
            ).all()
            if len(changes) > CHANGES_PER_CATCH_UP:
                self._rebuild()
                return False
            ids = sorted({int(c.entity_id) for c in changes if c.entity_type in PRODUCT_CHANGES})
            rows = await _load(session, ids, sqlite=self.sqlite) if ids else []
        snapshot = self.snapshot
        if snapshot is None:  # a rebuild began meanwhile
            return False
        found = {row.id for row in rows}
        snapshot.apply(rows, [i for i in ids if i not in found])
        self._c.seq = settled_seq(
            [(int(c.seq), c.created_at) for c in changes], max(self._c.seq, compacted), utcnow()
        )
        self._c.floor = floor
        self._c.generation = generation
        stats = self._c.stats
        stats.catch_ups += 1
        stats.applied += len(ids)
        stats.last_catch_up = time.monotonic()
        return True


async def _marks(session: AsyncSession) -> tuple[int, int]:
    """(the change log's floor, its compaction mark): sync's marks."""
    return await ChangeLogRepository(session).marks()


async def _settled_head(session: AsyncSession, compacted: int) -> int:
    """The cursor of a build: the newest seq with no young gap below it among the last changes
    (the products read after this hold every change up to it; younger ones are read again)."""
    newest = int(await session.scalar(select(func.max(Change.seq))) or 0)
    rows = (
        await session.execute(
            select(Change.seq, Change.created_at)
            .where(Change.seq > newest - SETTLE_WINDOW)
            .order_by(Change.seq)
        )
    ).all()
    if not rows:
        return newest
    changes = [(int(r.seq), r.created_at) for r in rows]
    return settled_seq(changes, max(changes[0][0] - 1, compacted), utcnow())


class _Collector:
    """/metrics: the index's size, lag and work."""

    def __init__(self, index: CatalogIndex) -> None:
        self.index = index

    def collect(self) -> Iterator[GaugeMetricFamily]:
        index, stats = self.index, self.index.stats
        snapshot = index.snapshot
        values = {
            "ready": ("1 when searches are answered from the index", float(snapshot is not None)),
            "products": ("live products in the index", float(snapshot.size if snapshot else 0)),
            "cursor": ("change_log seq the index holds everything up to", float(index.cursor)),
            "seconds_since_catch_up": (
                "seconds since the index last caught up (it does when a search needs it)",
                time.monotonic() - stats.last_catch_up if stats.last_catch_up else 0.0,
            ),
            "build_seconds": ("duration of the last build", stats.build_seconds),
            "builds": ("builds since start", float(stats.builds)),
            "catch_ups": ("catch-ups since start", float(stats.catch_ups)),
            "answered": ("searches answered from the index", float(stats.answered)),
            "declined": ("searches left to the database", float(stats.declined)),
        }
        for name, (text, value) in values.items():
            yield GaugeMetricFamily(f"fllc_search_index_{name}", text, value=value)
