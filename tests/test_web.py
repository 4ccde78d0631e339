"""The Chinese pages through Django's test client, against the demo cast (tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from sitewatch.accounts.login import THROTTLED_MESSAGE
from sitewatch.core.demo import DEMO_PASSWORD
from sitewatch.holidays.models import CalendarYear
from sitewatch.registry.models import Device, District, Project, ProjectStatus

CHIKAN_HOUSING = "赤坎区棚户区改造安置房项目"
MUST_CONNECT_NOTE = "投资额100万元以上（含）或建筑面积500平方米以上（含）的在建项目须接入"


def project_named(name: str) -> Project:
    return Project.objects.get(name=name)


def table_rows(response, table_id: str) -> list[str]:
    """The <tr> bodies of one table's <tbody>, as text."""
    html = response.content.decode()
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def project_names(response) -> list[str]:
    return [re.search(r'class="cell-title"><a [^>]*>(.*?)</a>', row).group(1)
            for row in table_rows(response, "project-table") if "cell-title" in row]


# --- signing in and out ---

@pytest.mark.parametrize("name", ["home", "project_list", "device_list", "firm_list"])
def test_anonymous_user_is_redirected_to_login(db, client, name):
    response = client.get(reverse(f"web:{name}"))
    assert response.status_code == 302
    assert response.url == f"{reverse('web:login')}?next={reverse(f'web:{name}')}"


def test_anonymous_user_is_redirected_to_login_from_project_page(db, client):
    url = reverse("web:project_detail", args=[project_named(CHIKAN_HOUSING).pk])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("web:login"))


def test_login_page_is_chinese_and_titled(db, client):
    response = client.get(reverse("web:login"))
    assert response.status_code == 200
    content = response.content.decode()
    assert settings.PLATFORM_TITLE in content and "用户名" in content and "密码" in content


def test_login_with_demo_password_goes_home(db, client):
    response = client.post(reverse("web:login"), {"username": "city", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("web:home")
    assert client.get(reverse("web:home")).status_code == 200


def test_wrong_password_is_refused_in_chinese(db, client):
    response = client.post(reverse("web:login"), {"username": "city", "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_is_throttled_after_max_failures_even_with_right_password(db, client):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        client.post(reverse("web:login"), {"username": "xiashan", "password": "wrong-password"})
    response = client.post(reverse("web:login"), {"username": "xiashan", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    assert THROTTLED_MESSAGE.format(minutes=settings.LOGIN_FAILURE_WINDOW_SECONDS // 60) in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logged_in_user_visiting_login_is_sent_home(login):
    response = login("city").get(reverse("web:login"))
    assert response.status_code == 302 and response.url == reverse("web:home")


def test_logout_by_post_ends_the_session(login):
    client = login("city")
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302 and response.url == reverse("web:login")
    assert client.get(reverse("web:home")).status_code == 302


def test_admin_login_uses_the_throttled_chinese_form(db, client):
    response = client.post(reverse("web:admin_login"),
                           {"username": "city", "password": "wrong-password", "next": "/admin/"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_admin_login_redirects_staff_to_admin(db, client):
    response = client.post(reverse("web:admin_login"), {"username": "city", "password": DEMO_PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and response.url == "/admin/"


def test_admin_login_tells_signed_in_user_without_admin_rights(login):
    response = login("xiashan").get(reverse("web:admin_login"), {"next": "/admin/"})
    assert response.status_code == 200
    assert "无权访问管理后台" in response.content.decode()


# --- layout ---

def test_layout_shows_display_name_and_organisation(login, users):
    content = login("xiashan").get(reverse("web:home")).content.decode()
    assert users["xiashan"].display_name in content
    assert users["xiashan"].organisation.name in content


@pytest.mark.parametrize("username", ["city", "operator"])
def test_admin_link_shown_to_city_and_operator_staff(login, username):
    assert 'href="/admin/"' in login(username).get(reverse("web:home")).content.decode()


@pytest.mark.parametrize("username", ["xiashan", "contractor", "integrator"])
def test_admin_link_hidden_from_others(login, username):
    assert 'href="/admin/"' not in login(username).get(reverse("web:home")).content.decode()


# --- home ---

def test_home_counts_come_from_the_users_scope(login, scope_of):
    response = login("xiashan").get(reverse("web:home"))
    scope = scope_of("xiashan")
    counts = response.context["counts"]
    assert counts["projects"] == scope.projects().count() == 3
    assert counts["devices"] == scope.devices().count()
    assert counts["points"] == scope.points().count()


def test_home_counts_must_connect_projects(login):
    # 霞山区: the housing project connects, the hospital (停工) and the school (under both thresholds) do not.
    assert login("xiashan").get(reverse("web:home")).context["counts"]["must_connect"] == 1


def test_home_embeds_projects_per_district_as_json(login):
    content = login("city").get(reverse("web:home")).content.decode()
    data = json.loads(re.search(r'<script id="district-data" type="application/json">(.*?)</script>', content).group(1))
    assert data["names"][0] == "赤坎区" and sum(data["counts"]) == 30
    assert "vendor/echarts/echarts.min.js" in content


def test_home_chart_of_district_official_has_only_its_district(login):
    assert login("xiashan").get(reverse("web:home")).context["chart_data"] == {"names": ["霞山区"], "counts": [3]}


def test_city_admin_is_reminded_that_next_years_calendar_is_missing(login, monkeypatch):
    monkeypatch.setattr("sitewatch.web.views.timezone.localdate", lambda: dt.date(2026, 11, 25))
    content = login("city").get(reverse("web:home")).content.decode()
    assert "请录入2027年放假安排" in content
    assert 'href="/admin/holidays/calendaryear/"' in content


def test_non_admin_is_not_reminded_of_the_calendar(login, monkeypatch):
    monkeypatch.setattr("sitewatch.web.views.timezone.localdate", lambda: dt.date(2026, 11, 25))
    assert "放假安排" not in login("xiashan").get(reverse("web:home")).content.decode()


def test_calendar_reminder_waits_until_october(login, monkeypatch):
    monkeypatch.setattr("sitewatch.web.views.timezone.localdate", lambda: dt.date(2026, 9, 30))
    assert "放假安排" not in login("city").get(reverse("web:home")).content.decode()


def test_calendar_reminder_stops_once_next_year_is_entered(login, monkeypatch):
    monkeypatch.setattr("sitewatch.web.views.timezone.localdate", lambda: dt.date(2026, 11, 25))
    CalendarYear.objects.create(year=2027, source_notice="国务院办公厅关于2027年部分节假日安排的通知")
    assert "放假安排" not in login("city").get(reverse("web:home")).content.decode()


# --- project list ---

def test_project_list_shows_result_count_and_25_a_page(login):
    client = login("city")
    first = client.get(reverse("web:project_list"))
    assert "共 <strong>30</strong> 条" in first.content.decode()
    assert len(project_names(first)) == 25
    assert len(project_names(client.get(reverse("web:project_list"), {"page": 2}))) == 5


def test_project_list_filters_by_district(login):
    chikan = District.objects.get(name="赤坎区")
    names = project_names(login("city").get(reverse("web:project_list"), {"district": chikan.pk}))
    assert len(names) == 3 and all(name.startswith("赤坎区") for name in names)


def test_project_list_filters_by_status(login):
    names = project_names(login("city").get(reverse("web:project_list"), {"status": ProjectStatus.SUSPENDED}))
    assert sorted(names) == ["霞山区人民医院门诊综合楼", "麻章区人民医院门诊综合楼"]


def test_project_list_filters_must_connect(login):
    client = login("xiashan")
    assert project_names(client.get(reverse("web:project_list"), {"must_connect": "yes"})) == ["霞山区棚户区改造安置房项目"]
    assert len(project_names(client.get(reverse("web:project_list"), {"must_connect": "no"}))) == 2


def test_project_list_search_matches_contractor(login):
    names = project_names(login("city").get(reverse("web:project_list"), {"q": "雷州半岛建设"}))
    assert len(names) == 10 and all(name.endswith("滨海学校教学楼改扩建") for name in names)


def test_project_list_shows_must_connect_and_parties(login):
    rows = table_rows(login("xiashan").get(reverse("web:project_list")), "project-table")
    housing = next(row for row in rows if "霞山区棚户区改造安置房项目" in row)
    assert "广东粤西建工集团有限公司" in housing and "湛江智联安防科技有限公司" in housing
    assert re.search(r'data-label="须接入">是<', housing)


def test_district_official_sees_only_own_district_in_the_list(login):
    names = project_names(login("xiashan").get(reverse("web:project_list")))
    assert len(names) == 3 and all(name.startswith("霞山区") for name in names)


def test_district_official_is_offered_only_own_district(login):
    form = login("xiashan").get(reverse("web:project_list")).context["form"]
    assert [label for _, label in form.fields["district"].choices] == ["霞山区"]


def test_district_official_filtering_another_district_gets_chinese_message(login):
    chikan = District.objects.get(name="赤坎区")
    response = login("xiashan").get(reverse("web:project_list"), {"district": chikan.pk})
    assert response.status_code == 400
    assert "所选县（市、区）无效或不在您的管辖范围内" in response.content.decode()
    assert not any(name.startswith("赤坎区") for name in project_names(response))


@pytest.mark.parametrize("params", [{"district": "abc"}, {"status": "nonsense"}, {"must_connect": "maybe"},
                                    {"q": "长" * 101}])
def test_invalid_project_filter_gives_chinese_message_not_500(login, params):
    response = login("city").get(reverse("web:project_list"), params)
    assert response.status_code == 400
    assert "筛选条件有误" in response.content.decode()


def test_project_list_bad_page_number_shows_a_page(login):
    assert login("city").get(reverse("web:project_list"), {"page": "x"}).status_code == 200


# --- project page ---

def test_project_page_shows_details_with_formatted_investment(login):
    project = project_named(CHIKAN_HOUSING)
    content = login("chikan").get(reverse("web:project_detail", args=[project.pk])).content.decode()
    assert project.address in content
    assert "85,000,000.00 元" in content and "42,000.00 平方米" in content
    assert "主体施工" in content and "2026年3月9日" in content


def test_project_page_explains_the_must_connect_rule(login):
    project = project_named(CHIKAN_HOUSING)
    assert MUST_CONNECT_NOTE in login("chikan").get(reverse("web:project_detail", args=[project.pk])).content.decode()


def test_project_page_lists_parties_points_and_devices(login):
    project = project_named(CHIKAN_HOUSING)
    response = login("chikan").get(reverse("web:project_detail", args=[project.pk]))
    content = response.content.decode()
    assert "湛江市城市投资建设集团有限公司" in content and "陈建国" in content
    assert len(table_rows(response, "point-table")) == project.points.count()
    assert len(table_rows(response, "device-table")) == project.devices.count()
    dust = project.devices.get(kind="dust_monitor")
    assert dust.hj212_mn in content and dust.apn_card in content


def test_district_official_gets_chinese_404_for_another_districts_project(login):
    project = project_named(CHIKAN_HOUSING)
    response = login("xiashan").get(reverse("web:project_detail", args=[project.pk]))
    assert response.status_code == 404
    content = response.content.decode()
    assert "页面不存在或无权查看" in content and CHIKAN_HOUSING not in content


def test_missing_project_is_404(login):
    assert login("city").get(reverse("web:project_detail", args=[10**9])).status_code == 404


def test_contractor_gets_404_for_a_project_it_is_not_on(login):
    other = project_named("赤坎区人民医院门诊综合楼")  # contractor_b's
    assert login("contractor").get(reverse("web:project_detail", args=[other.pk])).status_code == 404


def _set_secret_passwords(project: Project) -> None:
    Device.objects.filter(project=project).update(hj212_password="HJ-secret-4711", gb_password="GB-secret-4711")


def test_project_page_never_shows_device_passwords(login):
    project = project_named(CHIKAN_HOUSING)
    _set_secret_passwords(project)
    content = login("city").get(reverse("web:project_detail", args=[project.pk])).content.decode()
    assert "secret-4711" not in content


# --- devices and firms ---

def test_device_list_never_shows_device_passwords(login):
    project = project_named(CHIKAN_HOUSING)
    _set_secret_passwords(project)
    chikan = District.objects.get(name="赤坎区")
    content = login("city").get(reverse("web:device_list"), {"district": chikan.pk}).content.decode()
    assert project.name in content and "secret-4711" not in content


def test_device_list_filters_by_kind(login):
    rows = table_rows(login("city").get(reverse("web:device_list"), {"kind": "dust_monitor"}), "device-table")
    assert len(rows) == 25 and all("扬尘监测仪" in row for row in rows)


def test_device_list_is_scoped_to_the_district(login):
    response = login("xiashan").get(reverse("web:device_list"))
    assert response.context["page_obj"].paginator.count == Device.objects.filter(project__district__name="霞山区").count()


def test_device_list_invalid_kind_gives_chinese_message(login):
    response = login("city").get(reverse("web:device_list"), {"kind": "toaster"})
    assert response.status_code == 400 and "所选设备类型无效" in response.content.decode()


def test_firm_list_filters_by_role(login):
    rows = table_rows(login("city").get(reverse("web:firm_list"), {"role": "integrator"}), "firm-table")
    assert len(rows) == 3 and all("系统集成商" in row for row in rows)


def test_pages_need_no_cdn(login):
    for name in ("home", "project_list", "device_list", "firm_list"):
        content = login("city").get(reverse(f"web:{name}")).content.decode()
        assert not re.search(r'(src|href)="(https?:)?//', content), name


def test_unauthenticated_client_sees_chinese_404_for_unknown_url(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_expired_csrf_token_gets_chinese_page(db):
    response = Client(enforce_csrf_checks=True).post(reverse("web:login"), {"username": "city", "password": "x"})
    assert response.status_code == 403 and "页面已过期" in response.content.decode()


def test_server_error_page_renders_without_a_request():
    from django.template.loader import render_to_string

    assert "服务器出错了" in render_to_string("500.html")


def test_forbidden_page_is_chinese(rf, users):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = users["xiashan"]
    assert "无权访问" in render_to_string("403.html", request=request)
