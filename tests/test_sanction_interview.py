"""约谈整改: the first low score's interview waits in the city bureau's 待办 until the bureau
records it (page and API); only the city bureau records, once; the dates must be possible."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sitewatch.assessment.interviews import interview_record
from sitewatch.assessment.models import Assessment
from sitewatch.assessment.weekly import sanctions_apply
from sitewatch.lib.dates import local_date
from sitewatch.lib.workflow import TransitionRefused
from sitewatch.registry.models import FirmSanction, SanctionInterview, SanctionKind
from tests.test_api_support import Api

pytestmark = pytest.mark.django_db


def low_score(firm, score=50):
    now = timezone.now()
    week = local_date(now) - dt.timedelta(days=local_date(now).weekday() + 7)
    Assessment.objects.create(integrator=firm, week_start=week, check_time=now, score=score, result={},
                              evidence={}, computed_at=now)
    return sanctions_apply(integrator=firm, now=now)


@pytest.fixture
def interview(users):
    sanction = low_score(users["integrator"].organisation.firm)
    assert sanction.kind == SanctionKind.INTERVIEW
    return sanction


def form(day=None, **extra):
    return {"held_on": (day or local_date(timezone.now())).isoformat(), "attendees": "市质安科 李科长；集成商 赵工",
            "outcome": "说明离线原因，一周内更换备用设备", **extra}


def test_the_interview_waits_in_the_city_inbox_only(login, interview):
    page = login("city").get("/inbox/").content.decode()
    assert 'id="interview-table"' in page and interview.firm.name in page and f"/sanctions/{interview.pk}/" in page
    for other in ("xiashan", "operator", "integrator"):
        assert 'id="interview-table"' not in login(other).get("/inbox/").content.decode(), other


def test_the_city_records_the_interview_on_its_page_and_the_task_leaves_the_inbox(login, users, interview):
    city = login("city")
    response = city.post(f"/sanctions/{interview.pk}/", form())
    assert response.status_code == 302
    record = SanctionInterview.objects.get(sanction=interview)
    assert record.recorded_by == users["city"] and record.recorded_by_name.startswith(users["city"].get_full_name()
                                                                                     or "city")
    assert record.recorded_at is not None and record.attendees.startswith("市质安科")
    page = city.get(f"/sanctions/{interview.pk}/").content.decode()
    assert "已约谈" in page and "一周内更换备用设备" in page and 'id="interview-form"' not in page
    assert 'id="interview-table"' not in city.get("/inbox/").content.decode()


def test_the_sanction_page_names_the_scores_that_triggered_it(login, interview):
    page = login("city").get(f"/sanctions/{interview.pk}/").content.decode()
    table = page[page.index('id="sanction-triggers"'):page.index("</table>", page.index('id="sanction-triggers"'))]
    trigger = interview.triggers.get()
    assert trigger.period.startswith("20") and f">{trigger.period}<" in table and ">50<" in table
    assert "第1次考核低于60分" in page


def test_the_integrator_sees_its_sanction_but_may_not_record(login, interview):
    integrator = login("integrator")
    page = integrator.get(f"/sanctions/{interview.pk}/").content.decode()
    assert interview.firm.name in page and 'id="interview-form"' not in page
    refused = integrator.post(f"/sanctions/{interview.pk}/", form())
    assert refused.status_code == 403 and "只有市住建局可以登记约谈整改情况" in refused.content.decode()
    assert not SanctionInterview.objects.exists()


def test_a_contractor_or_another_firm_gets_404(login, users, interview):
    other = low_score(FirmSanction.objects.model.firm.field.related_model.objects.get(name="广东云视通信息技术有限公司"))
    assert login("contractor").get(f"/sanctions/{interview.pk}/").status_code == 404
    assert login("integrator").get(f"/sanctions/{other.pk}/").status_code == 404


@pytest.mark.parametrize(("days", "message"), [(1, "约谈日期不能晚于今天"), (-40, "约谈日期不能早于该措施的起始日期")])
def test_an_impossible_date_is_refused_in_chinese(login, interview, days, message):
    day = local_date(timezone.now()) + dt.timedelta(days=days)
    refused = login("city").post(f"/sanctions/{interview.pk}/", form(day))
    assert refused.status_code == 422 and message in refused.content.decode()
    assert not SanctionInterview.objects.exists()


def test_missing_fields_are_named(login, interview):
    refused = login("city").post(f"/sanctions/{interview.pk}/", form(attendees=""))
    assert refused.status_code == 422 and "请填写参加人员" in refused.content.decode()


def test_only_an_interview_is_recorded_and_only_once(users, interview):
    now = timezone.now()
    suspension = FirmSanction.objects.create(firm=interview.firm, kind=SanctionKind.SUSPENSION,
                                             starts_on=local_date(now), reason="测试", decided_at=now)
    with pytest.raises(TransitionRefused) as refused:
        interview_record(user=users["city"], sanction=suspension, held_on=local_date(now), attendees="甲",
                         outcome="乙", now=now)
    assert refused.value.status == 409
    interview_record(user=users["city"], sanction=interview, held_on=local_date(now), attendees="甲", outcome="乙",
                     now=now)
    with pytest.raises(TransitionRefused) as again:
        interview_record(user=users["city"], sanction=interview, held_on=local_date(now), attendees="甲",
                         outcome="乙", now=now)
    assert again.value.status == 409 and "已登记" in again.value.message


def test_api_lists_waiting_interviews_and_records_one_with_the_same_checks(interview):
    city = Api.as_user("city")
    waiting = city.get("/sanctions", waiting="true").json()
    assert [s["id"] for s in waiting["items"]] == [interview.pk]
    assert waiting["items"][0]["triggers"][0]["ordinal"] == 1
    body = form()
    assert Api.as_user("integrator").post(f"/sanctions/{interview.pk}/interview", body).status_code == 403
    assert Api.as_user("contractor").post(f"/sanctions/{interview.pk}/interview", body).status_code == 404
    done = city.post(f"/sanctions/{interview.pk}/interview", body)
    assert done.status_code == 200 and done.json()["interview"]["attendees"].startswith("市质安科")
    assert city.post(f"/sanctions/{interview.pk}/interview", body).status_code == 409
    assert city.get("/sanctions", waiting="true").json()["items"] == []
    assert Api.as_user("integrator").get(f"/sanctions/{interview.pk}").json()["interview"]["held_on"]
