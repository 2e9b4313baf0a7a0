"""Page parameters and the list envelope {"data": [...], "meta": {...}}."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from fllc_server.kit.strict import QueryInt


class PageMeta(BaseModel):
    page: int
    per_page: int
    total: int
    pages: int


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    data: list[T]
    meta: PageMeta


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int = 1
    per_page: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def meta(self, total: int) -> PageMeta:
        pages = math.ceil(total / self.per_page) if total else 0
        return PageMeta(page=self.page, per_page=self.per_page, total=total, pages=pages)


def _page_params(
    page: Annotated[QueryInt, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[QueryInt, Query(ge=1, le=200)] = 50,
) -> PageParams:
    return PageParams(page=page, per_page=per_page)


PageDep = Annotated[PageParams, Depends(_page_params)]
