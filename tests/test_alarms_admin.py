"""Keeping thresholds and reference values: the admin (new versions only) and the CSV import."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sitewatch.alarms.models import Alarm, DustReference, DustThreshold
from sitewatch.registry.models import District
from tests.test_alarms_helpers import at

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/alarms/dustthreshold/add/"


def version_form(**fields) -> dict:
    local = timezone.localtime(timezone.now() + dt.timedelta(minutes=5))
    data = {"parameter": "pm10", "period": "hourly", "mode": "absolute", "warning_value": "120",
            "alarm_value": "180", "enabled": "on", "effective_from_0": local.strftime("%Y-%m-%d"),
            "effective_from_1": local.strftime("%H:%M:%S"), "note": "秋冬季加严"}
    data.update(fields)
    return data


# --- thresholds ---

@pytest.mark.parametrize("username", ["city", "operator"])
def test_city_administrator_and_operator_add_a_threshold_version(login, users, username):
    response = login(username).post(ADD_URL, version_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    newest = DustThreshold.objects.filter(parameter="pm10", period="hourly").order_by("-version").first()
    assert (newest.version, newest.warning_value, newest.alarm_value) == (2, 120, 180)
    assert newest.created_by == users[username] and newest.note == "秋冬季加严"


def test_adding_a_version_leaves_the_old_one_unchanged(login):
    login("city").post(ADD_URL, version_form())
    version_1 = DustThreshold.objects.get(parameter="pm10", period="hourly", version=1)
    assert (version_1.warning_value, version_1.alarm_value, version_1.enabled) == (150, 200, True)


def test_old_version_is_read_only_in_the_admin(login):
    version_1 = DustThreshold.objects.get(parameter="pm10", period="hourly", version=1)
    client = login("city")
    page = client.get(f"/admin/alarms/dustthreshold/{version_1.pk}/change/")
    assert page.status_code == 200 and 'name="alarm_value"' not in page.content.decode()
    response = client.post(f"/admin/alarms/dustthreshold/{version_1.pk}/change/", version_form(alarm_value="999"))
    assert response.status_code == 403
    assert DustThreshold.objects.get(pk=version_1.pk).alarm_value == 200


def test_threshold_list_offers_a_prefilled_new_version(login):
    body = login("city").get("/admin/alarms/dustthreshold/").content.decode()
    assert "基于此版本新增版本" in body
    form = login("city").get(ADD_URL + "?parameter=pm10&period=hourly&warning_value=150.0&alarm_value=200.0")
    assert 'value="200.0"' in form.content.decode()


def test_city_user_without_administrator_rights_cannot_add_a_version(login, users):
    users["city"].is_city_admin = False
    users["city"].save()
    assert login("city").post(ADD_URL, version_form()).status_code == 403


def test_version_with_warning_above_alarm_is_refused_in_chinese(login):
    response = login("city").post(ADD_URL, version_form(warning_value="250"))
    assert response.status_code == 200 and "预警阈值应小于报警阈值" in response.content.decode()
    assert not DustThreshold.objects.filter(version=2).exists()


def test_version_without_an_effective_time_takes_effect_when_saved(login):
    before = timezone.now()
    response = login("city").post(ADD_URL, version_form(effective_from_0="", effective_from_1=""))
    assert response.status_code == 302, response.content.decode()[:3000]
    newest = DustThreshold.objects.get(parameter="pm10", period="hourly", version=2)
    assert before <= newest.effective_from <= timezone.now()


def test_version_taking_effect_in_the_past_is_refused(login):
    past = timezone.localtime(timezone.now() - dt.timedelta(days=1))
    response = login("city").post(ADD_URL, version_form(effective_from_0=past.strftime("%Y-%m-%d")))
    assert response.status_code == 200 and "生效时间不能早于当前时间" in response.content.decode()


@pytest.mark.parametrize("username", ["xiashan", "contractor"])
def test_threshold_admin_is_closed_to_districts_and_firms(login, username):
    assert login(username).get("/admin/alarms/dustthreshold/").status_code == 302


def test_alarms_are_read_only_in_the_admin(login):
    version_1 = DustThreshold.objects.get(parameter="pm10", period="hourly", version=1)
    from tests.test_alarms_helpers import dust_monitor

    alarm = Alarm.objects.create(device=dust_monitor(), parameter="pm10", period="hourly", level="alarm",
                                 started_at=at(10), last_exceeding_at=at(10), peak_value=210, peak_at=at(10),
                                 threshold=version_1)
    client = login("city")
    assert client.get("/admin/alarms/alarm/").status_code == 200
    assert client.get("/admin/alarms/alarm/add/").status_code == 403
    assert client.post(f"/admin/alarms/alarm/{alarm.pk}/change/", {"peak_value": "1"}).status_code == 403
    assert client.post(f"/admin/alarms/alarm/{alarm.pk}/delete/", {"post": "yes"}).status_code == 403


def test_notifications_are_read_only_in_the_admin(login):
    client = login("operator")
    assert client.get("/admin/notifications/notification/").status_code == 200
    assert client.get("/admin/notifications/notification/add/").status_code == 403


# --- reference values ---

def test_operator_enters_a_reference_value_with_who_and_when(login, users):
    xiashan = District.objects.get(name="霞山区")
    response = login("operator").post("/admin/alarms/dustreference/add/", {
        "district": xiashan.pk, "parameter": "pm10", "hour_0": "2026-11-25", "hour_1": "10:00:00", "value": "62.5",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    reference = DustReference.objects.get(district=xiashan)
    assert (reference.hour, reference.value) == (at(10), 62.5)
    assert reference.entered_by == users["operator"] and reference.source == "管理后台录入"


def test_reference_not_on_the_hour_is_refused(login):
    xiashan = District.objects.get(name="霞山区")
    response = login("operator").post("/admin/alarms/dustreference/add/", {
        "district": xiashan.pk, "parameter": "pm10", "hour_0": "2026-11-25", "hour_1": "10:30:00", "value": "62.5",
    })
    assert response.status_code == 200 and "须为整点" in response.content.decode()


def write(tmp_path, text: str, encoding: str = "utf-8-sig"):
    path = tmp_path / "reference.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_reference_csv_is_imported_by_district_name_or_code(tmp_path, capsys):
    path = write(tmp_path, "县（市、区）,参数,时段开始,参照值\n霞山区,PM10,2026-11-25 10:00,62.5\n"
                           "440802,PM2.5,2026-11-25 11:00,30\n")
    call_command("dust-reference", "import", str(path))
    assert "新增 2 条" in capsys.readouterr().out
    assert DustReference.objects.get(district__name="霞山区", parameter="pm10").hour == at(10)
    assert DustReference.objects.get(district__name="赤坎区", parameter="pm25").value == 30


def test_reference_csv_in_gbk_with_english_header_and_no_parameter_column(tmp_path):
    path = write(tmp_path, "district,hour,value\n霞山区,2026/11/25 10:00,55\n", encoding="gb18030")
    call_command("dust-reference", "import", str(path))
    reference = DustReference.objects.get()
    assert (reference.parameter, reference.value, reference.source) == ("pm10", 55, "CSV导入：reference.csv")


def test_reimported_reference_updates_the_value(tmp_path, capsys):
    call_command("dust-reference", "import", str(write(tmp_path, "district,hour,value\n霞山区,2026-11-25 10:00,55\n")))
    call_command("dust-reference", "import", str(write(tmp_path, "district,hour,value\n霞山区,2026-11-25 10:00,60\n")))
    assert "更新 1 条" in capsys.readouterr().out
    assert DustReference.objects.get().value == 60


def test_reference_csv_with_bad_rows_imports_nothing_and_names_each_line(tmp_path):
    path = write(tmp_path, "district,parameter,hour,value\n霞山区,PM10,2026-11-25 10:00,55\n"
                           "火星区,PM10,2026-11-25 10:00,55\n霞山区,PM10,2026-11-25 10:30,55\n"
                           "霞山区,PM10,2026-11-25 12:00,abc\n")
    with pytest.raises(CommandError) as error:
        call_command("dust-reference", "import", str(path))
    message = str(error.value)
    assert "第3行" in message and "火星区" in message
    assert "第4行" in message and "不是整点" in message
    assert "第5行" in message and "不是数字" in message
    assert not DustReference.objects.exists()


def test_reference_csv_without_the_needed_columns_is_refused(tmp_path):
    with pytest.raises(CommandError, match="缺少列"):
        call_command("dust-reference", "import", str(write(tmp_path, "name,amount\n霞山区,55\n")))


def test_missing_reference_file_is_a_chinese_error(tmp_path):
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("dust-reference", "import", str(tmp_path / "none.csv"))
