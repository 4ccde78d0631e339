"""Notifications: written before sending with the result after; alarm notices to the contractor
and integrator; the outbox through the visibility rules; the transport setting fails loudly."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.urls import reverse

from sitewatch.alarms.services import alarms_evaluate
from sitewatch.lib.env import ConfigError
from sitewatch.notifications.models import Notification
from sitewatch.notifications.selectors import notification_list
from sitewatch.notifications.services import Recipient, notification_queue, notifications_dispatch
from sitewatch.notifications.transports import OutboxTransport, TransportError, check_configuration
from tests.test_alarms_helpers import at, dust_monitor, fill_hour

pytestmark = pytest.mark.django_db
AFTER = dt.timedelta(minutes=10)


@pytest.fixture
def monitor():
    return dust_monitor()


@pytest.fixture
def opened(monitor):
    """An alarm opened on the 霞山区 housing project (contractor_a, integrator_a) and notices sent."""
    fill_hour(monitor, at(10), pm10=210)
    alarms_evaluate(now=at(11) + AFTER)
    notifications_dispatch(now=at(11) + AFTER)
    return monitor


def queue_one(user, *, now=None) -> Notification:
    (row,) = notification_queue(recipients=[Recipient(name=user.display_name, user_id=user.pk)],
                                subject="测试通知", body="内容", related=user, now=now or at(12))
    return row


# --- alarm notices ---

def test_new_alarm_notifies_the_contractor_and_integrator_users_and_firm_phones(opened, users):
    project = opened.project
    rows = Notification.objects.filter(subject__startswith="扬尘报警：")
    assert {n.recipient_user for n in rows if n.recipient_user} == {users["contractor"], users["integrator"]}
    phones = {n.recipient_phone for n in rows if n.recipient_user is None}
    assert phones == {project.contractor.contact_phone, project.integrator.contact_phone}
    assert all(n.related_model == "alarms.alarm" and n.status == "sent" for n in rows)


def test_alarm_notice_says_where_what_and_the_threshold_version(opened):
    body = Notification.objects.filter(subject__startswith="扬尘报警：").first().body
    assert "霞山区棚户区改造安置房项目" in body and "PM10小时均值" in body
    assert "210 µg/m³" in body and "报警阈值200 µg/m³" in body and "第1版" in body
    assert "2026年11月25日 10:00—11:00" in body


def test_alarm_end_notifies_too(opened):
    fill_hour(opened, at(11), pm10=60)
    alarms_evaluate(now=at(12) + AFTER)
    ended = Notification.objects.filter(subject__startswith="扬尘报警结束：")
    assert ended.count() == 4
    body = ended.first().body
    assert "超标时段2026年11月25日 10:00至11:00" in body
    assert "峰值210 µg/m³" in body and "恢复至阈值以下" in body


def test_other_firms_of_the_project_are_not_notified(opened):
    project = opened.project
    assert not Notification.objects.filter(recipient_firm__in=[project.builder, project.supervisor]).exists()


# --- before and after sending ---

class RecordingTransport(OutboxTransport):
    def __init__(self, fail: bool = False):
        self.fail = fail
        self.seen = []

    def send(self, notification):
        stored = Notification.objects.get(pk=notification.pk)
        self.seen.append((stored.status, stored.sent_at))
        if self.fail:
            raise TransportError("短信平台返回错误 40001")


def test_notification_is_stored_before_sending_and_its_result_after(users):
    row = queue_one(users["contractor"])
    assert Notification.objects.get(pk=row.pk).status == "pending"
    transport = RecordingTransport()
    assert notifications_dispatch(now=at(12, 1), transport=transport) == {"sent": 1, "failed": 0}
    assert transport.seen == [("sending", None)]
    row.refresh_from_db()
    assert (row.status, row.sent_at, row.error) == ("sent", at(12, 1), "")


def test_failed_send_is_recorded_with_its_error(users):
    row = queue_one(users["contractor"])
    assert notifications_dispatch(now=at(12, 1), transport=RecordingTransport(fail=True)) == {"sent": 0, "failed": 1}
    row.refresh_from_db()
    assert row.status == "failed" and "40001" in row.error and row.sent_at is None


def test_notification_is_sent_once_even_with_two_dispatchers(users):
    queue_one(users["contractor"])
    nested = RecordingTransport()

    class Interrupting(RecordingTransport):
        def send(self, notification):
            super().send(notification)
            # A second copy of the loop runs while this one is still sending.
            assert notifications_dispatch(now=at(12, 1), transport=nested) == {"sent": 0, "failed": 0}

    first = Interrupting()
    notifications_dispatch(now=at(12, 1), transport=first)
    assert len(first.seen) == 1 and nested.seen == []
    assert notifications_dispatch(now=at(12, 2), transport=RecordingTransport()) == {"sent": 0, "failed": 0}


def test_notification_records_channel_subject_and_created_time(users):
    row = queue_one(users["contractor"], now=at(12))
    assert (row.channel, row.subject, row.created_at) == ("outbox", "测试通知", at(12))
    assert (row.related_model, row.related_id) == ("accounts.user", str(users["contractor"].pk))


# --- the outbox and who reads it ---

def test_contractor_user_reads_its_alarm_notices(opened, scope_of, users):
    visible = notification_list(scope=scope_of("contractor"))
    assert visible.filter(subject__startswith="扬尘报警：").count() == 2  # its own, and its firm's phone
    assert {n.recipient_firm_id for n in visible} == {users["contractor"].organisation.firm_id}


def test_another_firm_cannot_read_the_contractors_notices(opened, scope_of, users):
    contractor_firm = users["contractor"].organisation.firm_id
    for username in ("integrator", "supervisor", "builder"):
        assert not notification_list(scope=scope_of(username)).filter(recipient_firm_id=contractor_firm).exists()
    assert not notification_list(scope=scope_of("supervisor")).exists()


def test_district_official_reads_only_what_is_addressed_to_them(opened, scope_of, users):
    assert not notification_list(scope=scope_of("xiashan")).exists()
    queue_one(users["xiashan"])
    assert notification_list(scope=scope_of("xiashan")).count() == 1


@pytest.mark.parametrize("username", ["city", "operator"])
def test_city_and_operator_read_every_notification(opened, scope_of, username):
    assert notification_list(scope=scope_of(username)).count() == Notification.objects.count() == 4


def test_notifications_page_lists_the_users_notices_with_a_link_to_the_device(opened, login):
    response = login("contractor").get(reverse("web:notification_list"))
    content = response.content.decode()
    assert response.status_code == 200 and "扬尘报警：霞山区棚户区改造安置房项目" in content
    assert f"/projects/{opened.project_id}/#dust-{opened.pk}" in content
    assert "已发送" in content


def test_notifications_page_of_another_firm_is_empty(opened, login):
    content = login("supervisor").get(reverse("web:notification_list")).content.decode()
    assert "暂无通知" in content and "霞山区棚户区改造安置房项目" not in content


def test_notifications_page_needs_login(db, client):
    response = client.get(reverse("web:notification_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("web:login"))


# --- configuration ---

def test_unknown_transport_is_refused_naming_the_setting(settings):
    settings.NOTIFY_TRANSPORT = "sms"
    with pytest.raises(ConfigError, match="NOTIFY_TRANSPORT") as error:
        check_configuration()
    assert "outbox" in str(error.value)


def test_misconfigured_transport_stops_the_platform_at_start():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(SECRET_KEY="test", NOTIFY_TRANSPORT="aliyun-sms", DJANGO_SETTINGS_MODULE="sitewatch.settings")
    done = subprocess.run([sys.executable, "-m", "sitewatch.manage", "check"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert "NOTIFY_TRANSPORT='aliyun-sms' 无效" in done.stderr and "NOTIFY_TRANSPORT=outbox" in done.stderr
