"""The product search's parameters, and its answer from the in-process index.

One definition serves both ways a search is answered: the route (`GET /api/v1/products`, which
FastAPI validates with this model and documents from it) and the fast path before the framework
(kit.cached_reads), which reads the raw query string with the same model — exactly as the
framework does (Starlette's parsing: the last of repeated keys wins, blank values kept) — and
leaves anything it cannot read to the route, which answers the 400.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.types import Scope

from fllc_server.catalog.schemas import ProductSort
from fllc_server.catalog.search import ProductQuery
from fllc_server.kit.pagination import PageParams
from fllc_server.kit.strict import QueryBool, QueryInt

if TYPE_CHECKING:
    from fllc_server.state import AppState


class SearchParams(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    q: str | None = Field(None, max_length=200, description="SKU prefix, exact barcode or name words")
    category_id: QueryInt | None = Field(None, ge=1, le=2**53)
    supplier_id: QueryInt | None = Field(None, ge=1, le=2**53)
    below_reorder: QueryBool = False
    sort: ProductSort = ProductSort.NAME
    page: QueryInt = Field(1, ge=1, le=1_000_000)
    per_page: QueryInt = Field(50, ge=1, le=200)

    @classmethod
    def of_query_string(cls, raw: bytes) -> SearchParams | None:
        """The parameters as the route would read them; None when they are not valid (the route
        then answers 400 with the details)."""
        try:
            return cls.model_validate(dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True)))
        except ValidationError:
            return None

    def query(self) -> tuple[ProductQuery, PageParams]:
        paging = PageParams(page=self.page, per_page=self.per_page)
        query = ProductQuery(
            q=self.q.strip() or None if self.q else None,
            category_id=self.category_id,
            supplier_id=self.supplier_id,
            below_reorder=self.below_reorder,
            sort=self.sort,
            page=paging.page,
            per_page=paging.per_page,
        )
        return query, paging


async def from_index(state: AppState, params: SearchParams, generation: bytes) -> bytes | None:
    """The answer from the in-process index (catalog.index), at least as new as `generation`;
    None when the index cannot answer (not built yet, far behind, a query it does not mirror)."""
    if state.search_index is None:
        return None
    query, paging = params.query()
    return await state.search_index.page(query, paging, generation)


async def fast_answer(state: AppState, scope: Scope, generation: bytes) -> bytes | None:
    """A cache miss computed before the framework, when the query string is valid and the index
    can answer; None leaves the request to the route."""
    params = SearchParams.of_query_string(scope.get("query_string", b""))
    return None if params is None else await from_index(state, params, generation)
