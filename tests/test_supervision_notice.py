"""监理通知单 during installation: the supervisor's ``supervision_notice`` step and the notice's
row (number, date, content, who, when) are written together or not at all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sitewatch.lib.workflow import TransitionRefused
from sitewatch.onboarding.models import Step, SupervisionNotice
from sitewatch.onboarding.supervision import supervision_notice_record
from sitewatch.registry.models import Project
from tests.test_onboarding_services import T0, installing, make

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(users):
    return Project.objects.get(contractor=users["contractor"].organisation.firm, district__name="霞山区")


def record(users, app, who="supervisor", *, number="监通〔2026〕3号", issued_on=dt.date(2026, 9, 28),
           content="设备领回已逾期，请立即安装接入", now=T0):
    return supervision_notice_record(user=users[who], application=app, number=number, issued_on=issued_on,
                                     content=content, now=now)


def test_the_supervisor_records_a_notice_with_its_step(users, project):
    app = installing(users, project)
    notice = record(users, app)
    step = Step.objects.get(application=app, action="supervision_notice")
    assert notice.step == step and step.opinion == "设备领回已逾期，请立即安装接入" and step.actor == users["supervisor"]
    assert (notice.number, notice.issued_on, notice.recorded_by, notice.recorded_at) == (
        "监通〔2026〕3号", dt.date(2026, 9, 28), users["supervisor"], T0)
    assert notice.recorded_by_name == step.actor_name
    app.refresh_from_db()
    assert app.state == "installing"


@pytest.mark.parametrize(("fields", "message"), [
    ({"number": " "}, "监理通知单尚缺：编号。"),
    ({"issued_on": None}, "监理通知单尚缺：签发日期。"),
    ({"issued_on": dt.date(2026, 9, 29)}, "签发日期不能晚于今天"),
    ({"content": ""}, "登记监理通知单须填写意见或理由。"),
])
def test_an_incomplete_notice_records_nothing(users, project, fields, message):
    app = installing(users, project)
    with pytest.raises(TransitionRefused, match=message):
        record(users, app, **fields)
    assert not SupervisionNotice.objects.exists()
    assert not Step.objects.filter(application=app, action="supervision_notice").exists()


def test_not_before_the_devices_are_being_installed(users, project):
    app = make(users, project)
    with pytest.raises(TransitionRefused, match="当前为“草稿”") as early:
        record(users, app)
    assert early.value.status == 409 and not SupervisionNotice.objects.exists()


def test_a_number_is_recorded_once_per_application(users, project):
    app = installing(users, project)
    record(users, app)
    with pytest.raises(TransitionRefused, match="已登记") as again:
        record(users, app)
    assert again.value.status == 409 and SupervisionNotice.objects.count() == 1


def test_the_contractor_may_not_record_one(users, project):
    app = installing(users, project)
    with pytest.raises(TransitionRefused, match="您无权登记监理通知单") as refused:
        record(users, app, "contractor")
    assert refused.value.status == 403


def test_the_application_page_takes_the_number_and_date_and_lists_the_notice(users, project, login):
    app = installing(users, project)
    supervisor = login("supervisor")
    page = supervisor.get(f"/applications/{app.pk}/").content.decode()
    assert 'id="supervision-notice-fields"' in page
    assert 'id="supervision-notice-fields"' not in login("contractor").get(f"/applications/{app.pk}/").content.decode()
    today = timezone.localdate().isoformat()
    missing = supervisor.post(f"/applications/{app.pk}/", {"action": "supervision_notice", "opinion": "请尽快接入",
                                                           "notice_number": "", "notice_issued_on": today})
    assert missing.status_code == 422 and "监理通知单尚缺：编号。" in missing.content.decode()
    done = supervisor.post(f"/applications/{app.pk}/", {"action": "supervision_notice", "opinion": "请尽快接入",
                                                        "notice_number": "监通〔2026〕5号", "notice_issued_on": today})
    assert done.status_code == 302
    page = login("xiashan").get(f"/applications/{app.pk}/").content.decode()
    assert 'id="supervision-notices"' in page and "监通〔2026〕5号" in page and "请尽快接入" in page
