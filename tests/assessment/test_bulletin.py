"""The monthly public bulletin of the integrator assessment (附件7): the monthly figures from
hand-made weekly rows, the ranking, publication by the city bureau only, the frozen
snapshot, the public pages without login, and the PDF and XLSX files."""

from __future__ import annotations

import datetime as dt
import io

import pypdfium2 as pdfium
import pytest
from django.test import Client

from sitewatch.assessment.bulletin import (
    BulletinRefused,
    bulletin_publish,
    monthly_ranking,
    publishable_from,
    ranked,
)
from sitewatch.assessment.models import Assessment, Bulletin
from sitewatch.assessment.rules import SHANGHAI
from sitewatch.assessment.weekly import period_scores
from sitewatch.registry.models import Firm

pytestmark = pytest.mark.django_db

NOV = dt.date(2026, 11, 1)
AFTER_NOV = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)
TITLE = "湛江市房屋市政工程视频监控和扬尘监测系统集成商考核情况通报（2026年11月）"
FIRM_PHONE = "13912345678"
FIRM_CONTACT = "李联系"
USER_PHONE = "13800138000"


def firm(name: str, code: str) -> Firm:
    return Firm.objects.create(name=name, credit_code=code, is_integrator=True,
                               contact_name=FIRM_CONTACT, contact_phone=FIRM_PHONE)


def week(integrator: Firm, week_start: dt.date, score: int, deductions=(), points: int = 10) -> Assessment:
    result = {"score": score, "offline_rate": {"total": points},
              "deductions": [{"rule": rule, "amount": amount, "point": None, "detail": ""} for rule, amount in deductions]}
    check = dt.datetime.combine(week_start + dt.timedelta(days=7), dt.time(9), tzinfo=SHANGHAI)
    return Assessment.objects.create(integrator=integrator, week_start=week_start, check_time=check, score=score,
                                     result=result, evidence={}, computed_at=check)


@pytest.fixture
def november():
    """Two integrators with the weeks of November 2026 (weeks start on Monday; a week counts in
    the month its Sunday falls in), plus weeks on either side that must not count."""
    alpha = firm("甲智能科技有限公司", "91440800MA5TEST001")
    beta = firm("乙安防工程有限公司", "91440800MA5TEST002")
    week(alpha, dt.date(2026, 10, 19), 0)  # ends 25 Oct: October
    week(alpha, dt.date(2026, 10, 26), 100, points=8)  # ends 1 Nov: November
    week(alpha, dt.date(2026, 11, 2), 90, [("offline_rate", 10)], points=9)
    week(alpha, dt.date(2026, 11, 9), 80, [("fix_time", 10), ("fix_time", 10)], points=9)
    week(alpha, dt.date(2026, 11, 16), 75, [("main_stream", 10), ("sub_stream", 10), ("sub_stream", 5)], points=10)
    week(alpha, dt.date(2026, 11, 23), 70, [("offline_rate", 20), ("fix_time", 10)], points=12)  # ends 29 Nov
    week(alpha, dt.date(2026, 11, 30), 0)  # ends 6 Dec: December
    week(beta, dt.date(2026, 11, 2), 100)
    week(beta, dt.date(2026, 11, 9), 95, [("sub_stream", 5)])
    return alpha, beta


def row_of(ranking: dict, name: str) -> dict:
    return next(row for row in ranking["rows"] if row["name"] == name)


# --- the monthly figures ---

def test_monthly_score_is_the_mean_of_the_weeks_that_end_in_the_month(november):
    row = row_of(monthly_ranking(month=NOV), "甲智能科技有限公司")
    assert row["score"] == "83.00"  # (100 + 90 + 80 + 75 + 70) / 5
    assert row["weeks"] == 5


def test_monthly_mean_is_the_same_figure_the_monthly_sanction_count_uses(november, settings):
    settings.SANCTION_PERIOD = "monthly"
    alpha, _ = november
    months = dict(period_scores(alpha, now=AFTER_NOV))
    assert str(months["2026-11"]) == row_of(monthly_ranking(month=NOV), alpha.name)["score"]


def test_deductions_are_summed_per_item_over_the_weeks_of_the_month(november):
    row = row_of(monthly_ranking(month=NOV), "甲智能科技有限公司")
    assert row["deductions"] == {"offline_rate": 30, "fix_time": 30, "main_stream": 10, "sub_stream": 15}
    assert row["deducted"] == 85


def test_points_are_those_of_the_latest_week_of_the_month(november):
    assert row_of(monthly_ranking(month=NOV), "甲智能科技有限公司")["points"] == 12


def test_ranking_is_by_monthly_score_highest_first(november):
    rows = monthly_ranking(month=NOV)["rows"]
    assert [(r["rank"], r["name"], r["score"]) for r in rows] == [
        (1, "乙安防工程有限公司", "97.50"), (2, "甲智能科技有限公司", "83.00")]


def test_equal_scores_share_a_rank_and_the_next_rank_skips():
    rows = ranked([{"name": n, "credit_code": c, "score": s} for n, c, s in (
        ("丙", "C", "80.00"), ("甲", "A", "95.50"), ("乙", "B", "95.50"), ("丁", "D", "60.25"))])
    assert [(r["rank"], r["name"]) for r in rows] == [(1, "甲"), (1, "乙"), (3, "丙"), (4, "丁")]


def test_the_notes_print_the_bands_of_domain_section_8(november):
    notes = "".join(monthly_ranking(month=NOV)["notes"])
    for text in ("不超过10%（含10%）不扣分", "30%及以上扣40分", "不足一天按一天计", "超过14天每点扣40分",
                 "1920×1080", "704×576", "不出现负分", "摄像机通道", "近12个月（滚动计算）", "第6次列入黑名单"):
        assert text in notes, text


# --- publication ---

def test_publish_is_refused_to_anyone_but_the_city_bureau(november, users):
    for username in ("xiashan", "operator", "contractor"):
        with pytest.raises(BulletinRefused, match="只有市住建局"):
            bulletin_publish(user=users[username], month=NOV, now=AFTER_NOV)
    assert not Bulletin.objects.exists()


def test_publish_is_refused_while_the_month_is_not_over(november, users):
    with pytest.raises(BulletinRefused, match="尚未结束"):
        bulletin_publish(user=users["city"], month=NOV, now=dt.datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI))
    assert bulletin_publish(user=users["city"], month=NOV, now=dt.datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI))


def test_a_month_ending_on_sunday_waits_for_its_last_check_on_the_first():
    # May 2026 ends on Sunday 31 May: that week is checked on Monday 1 June at 09:00.
    assert publishable_from(dt.date(2026, 5, 1)) == dt.datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
    assert publishable_from(NOV) == dt.datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI)


def test_publish_is_refused_the_second_time(november, users):
    bulletin_publish(user=users["city"], month=NOV, now=AFTER_NOV)
    with pytest.raises(BulletinRefused, match="不能重复发布"):
        bulletin_publish(user=users["city"], month=NOV, now=AFTER_NOV + dt.timedelta(hours=1))
    assert Bulletin.objects.count() == 1


def test_publish_is_refused_for_a_month_without_results(users):
    with pytest.raises(BulletinRefused, match="没有周考核结果"):
        bulletin_publish(user=users["city"], month=dt.date(2026, 8, 1), now=AFTER_NOV)


def test_publication_records_who_and_when(november, users):
    bulletin = bulletin_publish(user=users["city"], month=NOV, now=AFTER_NOV)
    assert (bulletin.published_by, bulletin.published_at, bulletin.title) == (users["city"], AFTER_NOV, TITLE)


def test_the_published_snapshot_does_not_change_when_the_data_does(november, users):
    alpha, _ = november
    bulletin_publish(user=users["city"], month=NOV, now=AFTER_NOV)
    Assessment.objects.filter(integrator=alpha).update(score=100)
    Firm.objects.filter(pk=alpha.pk).update(name="甲改名后有限公司")
    assert row_of(monthly_ranking(month=NOV), "甲改名后有限公司")["score"] == "100.00"
    page = Client().get("/public/assessment/2026-11/").content.decode()
    assert "甲智能科技有限公司" in page and "83.00" in page
    assert "甲改名后有限公司" not in page


# --- the public pages ---

def test_the_public_list_needs_no_login_and_shows_published_months_only(november, users):
    week(november[0], dt.date(2026, 9, 21), 88)  # September: assessed, not published
    bulletin_publish(user=users["city"], month=NOV, now=AFTER_NOV)
    response = Client().get("/public/assessment/")
    assert response.status_code == 200
    page = response.content.decode()
    assert TITLE in page and "/public/assessment/2026-11/" in page
    assert "2026年9月" not in page and "2026-09" not in page


def test_the_public_bulletin_shows_the_ranking_the_notes_and_the_downloads(november, users):
    bulletin_publish(user=users["city"], month=NOV, now=AFTER_NOV)
    response = Client().get("/public/assessment/2026-11/")
    assert response.status_code == 200
    page = response.content.decode()
    for text in (TITLE, "乙安防工程有限公司", "91440800MA5TEST002", "97.50", "口径说明", "不足一天按一天计",
                 "/public/assessment/2026-11.pdf", "/public/assessment/2026-11.xlsx"):
        assert text in page, text
    assert "<script" not in page


def test_the_public_pages_show_no_phone_numbers_or_personal_names(november, users):
    city = users["city"]
    city.phone, city.first_name, city.last_name = USER_PHONE, "小明", "王"
    city.save()
    bulletin = bulletin_publish(user=city, month=NOV, now=AFTER_NOV)
    client = Client()
    texts = [client.get(url).content.decode() for url in ("/public/assessment/", "/public/assessment/2026-11/")]
    texts.append(pdf_text(client.get("/public/assessment/2026-11.pdf").content))
    texts.append(xlsx_text(client.get("/public/assessment/2026-11.xlsx").content))
    texts.append(str(bulletin.snapshot))
    for text in texts:
        for private in (FIRM_PHONE, FIRM_CONTACT, USER_PHONE, city.display_name, city.username):
            assert private not in text, private


def test_an_unpublished_month_is_a_chinese_404(november):
    for url in ("/public/assessment/2026-11/", "/public/assessment/2026-11.pdf", "/public/assessment/2026-11.xlsx",
                "/public/assessment/2026-13/", "/public/assessment/tomorrow/"):
        response = Client().get(url)
        assert response.status_code == 404, url
        assert "该月的考核通报不存在或尚未发布" in response.content.decode(), url


# --- files ---

def pdf_text(data: bytes) -> str:
    return "".join("".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(data)).split())


def xlsx_rows(data: bytes, sheet: str) -> list[tuple]:
    from openpyxl import load_workbook

    return list(load_workbook(io.BytesIO(data), read_only=True)[sheet].iter_rows(values_only=True))


def xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    return " ".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)


def test_the_pdf_carries_the_title_the_integrators_and_the_notes(november, users):
    bulletin_publish(user=users["city"], month=NOV, now=AFTER_NOV)
    response = Client().get("/public/assessment/2026-11.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    for expected in (TITLE, "甲智能科技有限公司", "乙安防工程有限公司", "97.50", "口径说明", "不足一天按一天计"):
        assert expected in text, expected


def test_the_xlsx_has_the_ranking_rows_and_a_notes_sheet(november, users):
    bulletin_publish(user=users["city"], month=NOV, now=AFTER_NOV)
    data = Client().get("/public/assessment/2026-11.xlsx").content
    rows = xlsx_rows(data, "考核排名")
    assert rows[0][0] == TITLE
    header = rows[2]
    assert header[:4] == ("排名", "系统集成商", "统一社会信用代码", "月度得分")
    assert rows[3][:4] == (1, "乙安防工程有限公司", "91440800MA5TEST002", 97.5)
    assert rows[4][:4] == (2, "甲智能科技有限公司", "91440800MA5TEST001", 83)
    assert rows[4][4:] == (30, 30, 10, 15, 5, 12)
    notes = xlsx_rows(data, "口径说明")
    assert any("不足一天按一天计" in (row[1] or "") for row in notes[1:])


# --- the city bureau's page ---

def test_the_city_bureau_previews_and_publishes_from_its_page(november, login):
    city = login("city")
    assert "预览并发布" in city.get("/assessment-bulletins/").content.decode()
    preview = city.get("/assessment-bulletins/2026-11/").content.decode()
    assert "乙安防工程有限公司" in preview and "发布</button>" in preview
    response = city.post("/assessment-bulletins/2026-11/publish/")
    assert response.status_code == 302 and response["Location"] == "/public/assessment/2026-11/"
    assert Bulletin.objects.get().published_by.username == "city"


def test_other_users_cannot_preview_or_publish(november, login):
    district = login("xiashan")
    assert district.get("/assessment-bulletins/").status_code == 403
    assert district.get("/assessment-bulletins/2026-11/").status_code == 403
    assert district.post("/assessment-bulletins/2026-11/publish/").status_code == 403
    assert Client().post("/assessment-bulletins/2026-11/publish/").status_code == 302  # to the login page
    assert not Bulletin.objects.exists()


# --- the API ---

def test_the_api_lists_published_bulletins_without_a_token(november, users):
    week(november[0], dt.date(2026, 9, 21), 88)  # September: assessed, not published
    bulletin_publish(user=users["city"], month=NOV, now=AFTER_NOV)
    response = Client().get("/api/v1/bulletins")
    assert response.status_code == 200
    assert [(b["month"], b["title"], b["url"]) for b in response.json()] == [
        ("2026-11", TITLE, "/public/assessment/2026-11/")]


def test_the_api_reads_the_frozen_bulletin_without_a_token(november, users):
    bulletin_publish(user=users["city"], month=NOV, now=AFTER_NOV)
    Firm.objects.filter(name="甲智能科技有限公司").update(name="甲改名后有限公司")
    data = Client().get("/api/v1/bulletins/2026-11").json()
    alpha = data["rows"][1]
    assert (alpha["rank"], alpha["name"], alpha["score"], alpha["fix_time"], alpha["weeks"]) == (
        2, "甲智能科技有限公司", "83.00", 30, 5)
    assert data["pdf"] == "/public/assessment/2026-11.pdf"
    assert any("不足一天按一天计" in note for note in data["notes"])
    assert FIRM_PHONE not in str(data) and FIRM_CONTACT not in str(data)


def test_the_api_answers_404_for_an_unpublished_month(november):
    for month in ("2026-11", "2026-13", "latest"):
        response = Client().get(f"/api/v1/bulletins/{month}")
        assert response.status_code == 404, month
        assert response.json()["detail"] == "对象不存在或不在您的管辖范围内。"


def test_the_rest_of_the_api_still_needs_a_token(db):
    assert Client().get("/api/v1/assessments").status_code == 401


def test_every_scope_sees_the_published_bulletins_and_only_the_city_may_publish(november, users, scope_of):
    from sitewatch.accounts.visibility import PUBLIC

    bulletin_publish(user=users["city"], month=NOV, now=AFTER_NOV)
    for scope in (PUBLIC, scope_of("xiashan"), scope_of("integrator"), scope_of("city")):
        assert scope.bulletins().count() == 1
    assert [u for u in ("city", "xiashan", "operator", "integrator") if scope_of(u).can_publish_bulletins] == ["city"]
    assert not PUBLIC.can_publish_bulletins
