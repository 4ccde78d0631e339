"""Lists answer `{"items": [...], "count": N}`, paged by `page` and `page_size`."""

from __future__ import annotations

from functools import cache

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import create_model

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class PageQuery(Schema):
    page: int = Field(1, ge=1, title="页码", description="从 1 开始。")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, title="每页条数",
        description=f"默认 {DEFAULT_PAGE_SIZE}，最大 {MAX_PAGE_SIZE}。",
    )


@cache
def page_of(item: type[Schema]) -> type[Schema]:
    """The response schema of a list of `item`."""
    return create_model(
        f"{item.__name__}Page",
        __base__=Schema,
        items=(list[item], Field(..., title="本页记录")),
        count=(int, Field(..., title="符合条件的记录总数")),
    )


def paginate(qs: QuerySet, params: PageQuery) -> dict:
    start = (params.page - 1) * params.page_size
    return {"items": list(qs[start:start + params.page_size]), "count": qs.count()}
