"""The published monthly bulletins of the integrator assessment (附件7), public as on the
pages /public/assessment/: no token needed, published months only, exactly as frozen at
publication (口径 K-B4, K-B5). Nothing personal is in them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import Http404
from django.urls import reverse
from ninja import Field, Path, Router, Schema

from sitewatch.api.auth import scope_of
from sitewatch.api.routes import route
from sitewatch.assessment.bulletin import month_key, parse_month, published_bulletin, published_bulletins

router = Router(tags=["考核通报（公开）"])
MONTH = Path(..., title="月份", description="YYYY-MM，如 2026-11。")


class BulletinSummaryOut(Schema):
    month: str = Field(..., title="月份", description="YYYY-MM")
    title: str = Field(..., title="标题")
    published_at: dt.datetime = Field(..., title="发布时间")
    url: str = Field(..., title="公示页地址")


class BulletinRowOut(Schema):
    rank: int = Field(..., title="排名", description="同分并列，其后名次顺延（口径 K-B2）")
    name: str = Field(..., title="系统集成商")
    credit_code: str = Field(..., title="统一社会信用代码")
    score: Decimal = Field(..., title="月度得分", description="结束日期在该月的各考核周得分的平均分，两位小数（口径 K-B1）")
    offline_rate: int = Field(..., title="离线率扣分", description="各周之和")
    fix_time: int = Field(..., title="修复时间扣分", description="各周之和")
    main_stream: int = Field(..., title="主码流扣分", description="各周之和")
    sub_stream: int = Field(..., title="子码流扣分", description="各周之和")
    weeks: int = Field(..., title="计入周数")
    week_scores: list[int] = Field(..., title="各周得分")
    points: int = Field(..., title="点位数", description="该月最后一个考核周参与考核的点位数")


class BulletinOut(BulletinSummaryOut):
    publisher: str = Field(..., title="发布单位")
    weeks: list[dt.date] = Field(..., title="计入的考核周", description="各周的起始日期")
    rows: list[BulletinRowOut] = Field(..., title="排名")
    notes: list[str] = Field(..., title="口径说明")
    pdf: str = Field(..., title="PDF 下载地址")
    xlsx: str = Field(..., title="Excel 下载地址")


def _summary(bulletin) -> dict:
    key = month_key(bulletin.month)
    return {"month": key, "title": bulletin.title, "published_at": bulletin.published_at,
            "url": reverse("bulletins:public_detail", args=[key])}


@route(router, "get", "", response=list[BulletinSummaryOut], operation_id="bulletin_list", auth=None,
       summary="已发布的月度考核通报", description="无需令牌。只列市住建局已发布的月份，最新的在前。")
def list_bulletins(request):
    return [_summary(b) for b in published_bulletins(scope=scope_of(request))]


@route(router, "get", "/{month}", response=BulletinOut, operation_id="bulletin_read", auth=None,
       summary="读取月度考核通报", description="无需令牌。发布时冻结的排名和口径说明；未发布的月份为 404。")
def read_bulletin(request, month: str = MONTH):
    bulletin = published_bulletin(scope=scope_of(request), month=parse_month(month))
    if bulletin is None:
        raise Http404
    snapshot, key = bulletin.snapshot, month_key(bulletin.month)
    rows = [{**{k: row[k] for k in ("rank", "name", "credit_code", "score", "weeks", "week_scores", "points")},
             **row["deductions"]} for row in snapshot["rows"]]
    return {**_summary(bulletin), "publisher": snapshot.get("publisher", ""), "weeks": snapshot.get("weeks", []),
            "rows": rows, "notes": snapshot.get("notes", []),
            "pdf": reverse("bulletins:public_file", args=[key, "pdf"]),
            "xlsx": reverse("bulletins:public_file", args=[key, "xlsx"])}
