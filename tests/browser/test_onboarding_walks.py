"""The onboarding procedure (附件1, DOMAIN §4) walked end to end in a real browser, each
person signed in as themselves and pressing the buttons the page offers:

1. the commitment route (承诺制): form 1-1 filed on the page, materials uploaded, the three
   form 1-3 opinions and the district's approval, the booking of form 1-5, check-in with
   its 3-working-day clock, every device passed, pick-up with its 5-working-day clock, and
   — once the gateways report the installed devices online with passing streams — 已接入,
   decided by `sitewatch deadlines --once` (a 系统 step on the timeline);
2. the device test route (设备测试): the 10-working-day clock paused by a technical
   difficulty and moved later by the paused working days, a failed device and a failed
   test, the second booking and test, up to pick-up (the rest is as in walk 1);
3. a suspended integrator refused on form 1-1, with the reason and dates, and nothing filed;
4. every transition of workflows.ONBOARDING refused, at a state where it is available, to
   a role the table does not allow — no button on the page, and a forged POST (with a
   valid CSRF token) refused in Chinese with the state unchanged; nobody is offered
   确认已接入, which only the platform decides.

The server is the shared `browser_server` on its own database with real time: fresh
projects and drafts, the suspended integrator, the working-day facts from the server's
holiday table, time passing during testing, and the gateways' live data go into that
database through `sitewatch shell -c` (tests/browser/onboarding_setup.py), using the real
services. Screenshots of the key points are saved to test-artifacts/walks/ for review.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

import pytest
from playwright.sync_api import expect

from sitewatch.onboarding.workflows import ONBOARDING
from tests.browser.conftest import ARTIFACTS, log_in
from tests.browser.onboarding_setup import (
    APPLICATION_COUNT,
    BACKDATE,
    CAMERA_POINT,
    DUST_POINT,
    GO_LIVE,
    LISTED_CAMERA,
    LISTED_DUST,
    TEST_DUE,
    WORLD,
    label,
    server_shell,
    world_params,
)
from tests.servers import run_manage

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "walks"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PAUSED = "暂停中（技术难题处理完毕后恢复计时）"
BOOKING = {"#test-applicant": "王工", "#test-applicant-phone": "13800000031"}


# --- fixtures ---

@pytest.fixture(scope="module")
def world(browser_server) -> dict:
    """Fresh projects (the demo project may already have an open application), two drafts
    with their materials, a suspended integrator, and the server's working-day facts."""
    return server_shell(browser_server[1], WORLD, **world_params(secrets.token_hex(3)))


@pytest.fixture
def env(browser_server) -> dict[str, str]:
    return browser_server[1]


@pytest.fixture
def calendar(world) -> dict[str, str]:
    """The next working days by the server's holiday table (booking date, due dates)."""
    if "missing" in world["calendar"]:
        pytest.skip(f"服务器的工作日历不足以走完流程：{world['calendar']['missing']}")
    return world["calendar"]


@pytest.fixture
def signed_in(new_page):
    """signed_in(username) -> that person's page (one browser context each, signed in once)."""
    pages = {}

    def get(username: str):
        if username not in pages:
            pages[username] = new_page()
            log_in(pages[username], username)
        return pages[username]

    return get


# --- what a person does on the pages ---

def open_application(page, pk: int, state: str | None = None) -> None:
    page.goto(f"/applications/{pk}/")
    if state is not None:
        expect(page.locator("#application-state")).to_have_text(state)


def press(page, button: str, *, opinion: str | None = None, fields: dict[str, str] | None = None):
    """Fill the opinion and form fields, press the action button; the response of the page
    the form leads to."""
    if opinion is not None:
        page.fill("#opinion", opinion)
    for selector, value in (fields or {}).items():
        page.fill(selector, value)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button, exact=True).click()
    return navigation.value


def act(page, button: str, *, state: str, opinion: str | None = None, fields: dict[str, str] | None = None) -> None:
    """Take an action that must succeed, landing in ``state``."""
    response = press(page, button, opinion=opinion, fields=fields)
    expect(page.locator(".messages")).to_contain_text(f"已办理：{button.rstrip('*')}。")
    expect(page.locator("#application-state")).to_have_text(state)
    assert response.status == 200


def refused(page, button: str, message: str, *, state: str, opinion: str | None = None) -> None:
    """Press an action that must be refused with ``message``, the state unchanged."""
    response = press(page, button, opinion=opinion)
    assert response.status == 422
    expect(page.locator("#action-error")).to_have_text(message)
    expect(page.locator("#application-state")).to_have_text(state)


def device_row(page, point: str):
    return page.locator("#application-devices tbody tr").filter(has_text=point)


def record_result(page, point: str, *, passed: bool, note: str = ""):
    """The operator's 通过 / 不通过 for one device (form #result-<pk> on its row)."""
    form = page.locator("form[id^='result-']").filter(has=page.get_by_label(f"{point}测试说明"))
    if note:
        form.get_by_label(f"{point}测试说明").fill(note)
    with page.expect_navigation() as navigation:
        form.get_by_role("button", name="通过" if passed else "不通过", exact=True).click()
    return navigation.value


def pass_all(page, points=(CAMERA_POINT, DUST_POINT)) -> None:
    for point in points:
        record_result(page, point, passed=True)
        expect(page.locator(".messages")).to_contain_text("已办理：登记测试结果。")
        expect(device_row(page, point).locator("td[data-label='测试结果']")).to_have_text("通过")


def fill_device_row(page, index: int, *, point: str, point_kind: str, device_kind: str, brand: str,
                    model_label: str) -> None:
    prefix = f"#id_devices-{index}-"
    page.fill(prefix + "point_name", point)
    page.select_option(prefix + "point_kind", point_kind)
    page.select_option(prefix + "device_kind", device_kind)
    page.select_option(prefix + "brand", brand)
    page.select_option(prefix + "device_model", label=model_label)


def upload_missing_materials(page) -> None:
    """Upload a PDF for every material the page says is still missing."""
    hint = page.locator("#materials-missing")
    missing = hint.inner_text().strip().removeprefix("提交前尚缺：").removesuffix("。").split("、")
    assert "点位布置CAD平面图" in missing and "文明工地服务协议" in missing
    for kind in missing:
        page.select_option("#material-kind", label=kind)
        page.set_input_files("#material-file", files=[{"name": f"{kind}.pdf", "mimeType": "application/pdf",
                                                        "buffer": PDF}])
        with page.expect_navigation():
            page.get_by_role("button", name="上传", exact=True).click()
        expect(page.locator(".messages")).to_contain_text(f"已上传：{kind}。")
    expect(hint).to_have_count(0)
    for kind in missing:
        expect(page.locator("#application-materials")).to_contain_text(kind)


def review(signed_in, pk: int, *, route: str) -> None:
    """Submitted: the three opinions of form 1-3, then the 霞山区 official approves."""
    for username, button, opinion in (
            ("contractor", "填写施工单位项目经理意见*", "同意按申请点位安装，项目经理 李明"),
            ("supervisor", "填写监理单位总监理工程师意见*", "点位布置符合要求，同意"),
            ("operator", "填写平台运维单位意见*", "设备型号、网络拓扑满足接入要求")):
        page = signed_in(username)
        open_application(page, pk, "县（市、区）审核中")
        act(page, button, opinion=opinion, state="县（市、区）审核中")
        expect(page.locator("#application-steps")).to_contain_text(opinion)
    official = signed_in("xiashan")
    open_application(official, pk, "县（市、区）审核中")
    act(official, "审核通过*", opinion="材料齐全，同意接入", state="审核通过，待预约测试")
    expect(route_of(official)).to_have_text(route)


def route_of(page):
    return page.locator("xpath=//dt[.='接入路线']/following-sibling::dd")


def book(page, pk: int, calendar: dict[str, str], *, state: str) -> None:
    open_application(page, pk, state)
    act(page, "预约测试", state="已预约测试", fields={
        "#test-date": calendar["test_date"], "#pickup-date": calendar["pickup_date"], **BOOKING})
    expect(page.locator("#booking")).to_have_text(
        f"{calendar['test_date']} 送测，预计 {calendar['pickup_date']} 领取；申请人 王工 13800000031")


def pick_up(page, calendar: dict[str, str], today: str) -> None:
    act(page, "领回设备", fields={"#picked-up-by": "张师傅"}, state="安装接入中")
    expect(page.locator("#sign-off")).to_contain_text(f"领取：张师傅 {today}")
    expect(page.locator("#install-due")).to_have_text(label(calendar["due5"]))


def go_live(env, page, pk: int) -> None:
    """The devices installed and reporting (shell, through the gateways' services), then the
    deadlines loop decides 已接入 from that live data."""
    live = server_shell(env, GO_LIVE, app=pk)
    assert live["gaps"] == []
    open_application(page, pk, "安装接入中")  # not connected until the platform decides
    for name in live["devices"]:
        expect(page.locator("#application-devices")).to_contain_text(name)
    run_manage(env, "deadlines", "--once")
    open_application(page, pk, "已接入")
    step = page.locator("#application-steps tbody tr").filter(has_text="确认已接入")
    expect(step).to_have_count(1)
    expect(step).to_contain_text("系统")
    expect(step).to_contain_text("平台实时数据：全部设备在线，视频码流达标。")
    expect(page.locator("#application-actions")).to_have_count(0)  # a final state: nothing left to do


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


# --- 1. the commitment route ---

def test_commitment_route_from_form_1_1_to_connected(world, calendar, signed_in, env):
    project = world["commitment"]
    contractor = signed_in("contractor")
    contractor.goto(f"/projects/{project['project']}/")
    with contractor.expect_navigation():
        contractor.locator("#apply-link").click()

    # Form 1-1: the project's integrator preselected, letter 1-4 signed, two listed models.
    expect(contractor.locator("#id_integrator option:checked")).to_have_text("湛江智联安防科技有限公司")
    contractor.check("#id_commitment_letter_signed")
    fill_device_row(contractor, 0, point=CAMERA_POINT, point_kind="entrance_dome", device_kind="camera",
                    brand="hikvision", model_label=LISTED_CAMERA[0])
    fill_device_row(contractor, 1, point=DUST_POINT, point_kind="dust", device_kind="dust_monitor", brand="other",
                    model_label=LISTED_DUST[0])
    with contractor.expect_navigation():
        contractor.get_by_role("button", name="保存为草稿").click()
    expect(contractor.locator("#application-state")).to_have_text("草稿")
    pk = int(re.search(r"/applications/(\d+)/", contractor.url).group(1))
    for point in (CAMERA_POINT, DUST_POINT):
        expect(device_row(contractor, point)).to_contain_text("已列入")
    expect(route_of(contractor)).to_have_text("审核通过时确定")

    refused(contractor, "提交申请", re.compile(r"^尚缺申请材料：点位布置CAD平面图、"), state="草稿")
    upload_missing_materials(contractor)
    act(contractor, "提交申请", state="县（市、区）审核中")

    review(signed_in, pk, route="承诺制")
    shot(signed_in("xiashan"), "approved-commitment-route")

    # Form 1-5, then check-in (form 1-6): the commitment route's 3 working days.
    book(contractor, pk, calendar, state="审核通过，待预约测试")
    operator = signed_in("operator")
    open_application(operator, pk, "已预约测试")
    expect(operator.locator("#test-due")).to_have_text("送测登记后计算")
    act(operator, "登记送测设备", state="测试中")
    expect(operator.locator("#test-due")).to_have_text(label(calendar["due3"]))
    expect(operator.locator("#sign-off")).to_contain_text("收件：平台运维演示账号")
    expect(operator.locator("#sign-off")).to_contain_text(world["today"])
    pass_all(operator)
    act(operator, "测试通过", state="测试通过，待领回设备")
    expect(operator.locator("#install-due")).to_have_text("领回设备后计算")
    pick_up(operator, calendar, world["today"])

    go_live(env, contractor, pk)
    expect(contractor.locator("#application-steps")).to_contain_text("登记安装的设备")
    shot(contractor, "connected-commitment-route")


# --- 2. the device test route, its clock paused ---

def test_test_route_clock_pauses_for_a_difficulty_then_fail_and_retest(world, calendar, signed_in, env):
    pk = world["paused"]["app"]
    contractor = signed_in("contractor")
    open_application(contractor, pk, "草稿")
    act(contractor, "提交申请", state="县（市、区）审核中")
    review(signed_in, pk, route="设备测试")  # the camera model is not on the commitment list
    expect(device_row(signed_in("xiashan"), CAMERA_POINT)).to_contain_text("未列入")

    book(contractor, pk, calendar, state="审核通过，待预约测试")
    operator = signed_in("operator")
    open_application(operator, pk, "已预约测试")
    act(operator, "登记送测设备", state="测试中")
    due = operator.locator("#test-due")
    expect(due).to_have_text(label(calendar["due10"]))

    # A technical difficulty pauses the clock; it needs a reason.
    refused(operator, "登记技术难题（暂停计时）*", "登记技术难题（暂停计时）须填写意见或理由。", state="测试中")
    act(operator, "登记技术难题（暂停计时）*", opinion="球机与平台信令不兼容，待厂家升级固件", state="测试中")
    expect(due).to_have_text(PAUSED)
    expect(operator.locator("main")).to_contain_text("球机与平台信令不兼容，待厂家升级固件 —— 未解决")
    expect(operator.get_by_role("button", name="技术难题解决（恢复计时）*")).to_be_visible()
    shot(operator, "testing-paused-clock")
    refused(operator, "登记技术难题（暂停计时）*", "已有未解决的技术难题，请先登记其解决情况。", state="测试中",
            opinion="另一个难题")

    # Working days pass (the check-in and the difficulty set back through the shell), then
    # it is closed today: the due date moves later by the working days it was open.
    moved = server_shell(env, BACKDATE, app=pk, days=10)
    assert moved["paused"] >= 2 and moved["after"] > moved["before"]
    open_application(operator, pk, "测试中")
    expect(due).to_have_text(PAUSED)
    act(operator, "技术难题解决（恢复计时）*", opinion="厂家升级固件后信令正常", state="测试中")
    expect(due).to_have_text(f"{label(moved['after'])}（因技术难题顺延 {moved['paused']} 个工作日）")
    server = server_shell(env, TEST_DUE, app=pk)
    assert (server["date"], server["paused_days"]) == (moved["after"], moved["paused"])
    assert dt.date.fromisoformat(moved["after"]) > dt.date.fromisoformat(moved["before"])

    # A device fails (a reason is required), and so does the test.
    response = record_result(operator, CAMERA_POINT, passed=False)
    assert response.status == 422
    expect(operator.locator("#action-error")).to_have_text("测试不通过须说明原因。")
    record_result(operator, CAMERA_POINT, passed=False, note="主码流仅1280×720，未达1920×1080")
    expect(device_row(operator, CAMERA_POINT)).to_contain_text("不通过：主码流仅1280×720，未达1920×1080")
    pass_all(operator, points=(DUST_POINT,))
    refused(operator, "测试通过", f"以下设备尚未测试通过：{CAMERA_POINT}。", state="测试中")
    refused(operator, "测试不通过*", "测试不通过须填写意见或理由。", state="测试中")
    act(operator, "测试不通过*", opinion="球机主码流分辨率不达标，请更换设备后重新预约", state="测试未通过")

    # Booked again and tested again: a fresh 10-working-day clock from the new check-in.
    book(contractor, pk, calendar, state="测试未通过")
    open_application(operator, pk, "已预约测试")
    act(operator, "登记送测设备", state="测试中")
    expect(due).to_have_text(label(calendar["due10"]))
    pass_all(operator, points=(CAMERA_POINT,))
    act(operator, "测试通过", state="测试通过，待领回设备")
    pick_up(operator, calendar, world["today"])
    labels = operator.locator("#application-steps tbody tr td:nth-child(2)").all_inner_texts()
    assert [labels.count(step) for step in ("预约测试", "登记送测设备", "测试不通过", "测试通过")] == [2, 2, 1, 1]
    # From here on as in the commitment walk (installation, live data, 已接入).


# --- 3. a suspended integrator ---

def test_a_suspended_integrator_is_refused_on_form_1_1(world, signed_in, env):
    barred = world["barred"]
    page = signed_in("contractor")
    page.goto(f"/projects/{barred['project']}/apply/")
    page.select_option("#id_integrator", label=barred["firm"])
    fill_device_row(page, 0, point=CAMERA_POINT, point_kind="entrance_dome", device_kind="camera", brand="hikvision",
                    model_label=LISTED_CAMERA[0])
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="保存为草稿").click()
    assert navigation.value.status == 422

    starts, ends = (dt.date.fromisoformat(barred[key]) for key in ("starts_on", "ends_on"))
    expect(page.locator("#form-error")).to_have_text(
        f"{barred['firm']} 自{starts:%Y年%m月%d日}起暂停承接新项目至{ends:%Y年%m月%d日}，"
        f"不能作为新接入申请的设备安装单位。依据：{barred['reason']}")
    expect(page.locator("#id_integrator option:checked")).to_have_text(barred["firm"])  # the form is kept
    assert page.url.endswith(f"/projects/{barred['project']}/apply/")
    shot(page, "suspended-integrator-refused")
    assert server_shell(env, APPLICATION_COUNT, project=barred["project"])["count"] == 0


# --- 4. every transition refused to a role the table does not allow ---

# For each transition, someone who can see the application but may not take it.
WRONG_USER = {
    "submit": "supervisor", "withdraw": "builder", "opinion_contractor": "supervisor",
    "opinion_supervisor": "contractor", "opinion_operator": "integrator", "return": "contractor",
    "reject": "city", "approve": "contractor", "book": "operator", "check_in": "integrator",
    "open_difficulty": "contractor", "close_difficulty": "supervisor", "pass_test": "integrator",
    "fail_test": "contractor", "pick_up": "contractor", "supervision_notice": "contractor",
}
ROLE_OF = {"contractor": "contractor", "supervisor": "supervisor", "integrator": "integrator",
           "operator": "operator", "city": "city", "builder": "builder"}
# The district decisions are also tried by another district's official (赤坎区), who
# cannot even see the application.
OTHER_DISTRICT = ("return", "reject", "approve")
# The happy path, by the right people: (state, [(username, action)]) to leave it.
HAPPY_PATH = [
    ("draft", [("contractor", "submit")]),
    ("under_review", [("contractor", "opinion_contractor"), ("supervisor", "opinion_supervisor"),
                      ("operator", "opinion_operator"), ("xiashan", "approve")]),
    ("approved", [("contractor", "book")]),
    ("booked", [("operator", "check_in")]),
    ("testing", [("operator", "pass_test")]),
    ("passed", [("operator", "pick_up")]),
    ("installing", []),
]
EVERYONE_WHO_SEES_IT = ("contractor", "supervisor", "integrator", "operator", "xiashan", "city", "builder")


def button_name(transition) -> str:
    return transition.label + ("*" if transition.needs_opinion else "")


def forge(page, server_url: str, pk: int, action: str):
    """POST an action as the page's user would if the button were there: the session and
    the CSRF cookie of the page's context, the token in X-CSRFToken, the form's fields."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    form = {"action": action, "opinion": "越权尝试", "test_date": "", "pickup_date": "",
            "test_applicant": "王工", "test_applicant_phone": "13800000031", "picked_up_by_name": "张师傅"}
    return page.request.post(f"{server_url}/applications/{pk}/", form=form, headers={"X-CSRFToken": token})


def refuse(page, server_url: str, pk: int, transition, state: str) -> None:
    open_application(page, pk, ONBOARDING.label(state))
    expect(page.get_by_role("button", name=button_name(transition), exact=True)).to_have_count(0)
    response = forge(page, server_url, pk, transition.action)
    assert response.status in (403, 422), (transition.action, response.status)
    assert f"您无权{transition.label}。" in response.text(), (transition.action, response.text()[:500])
    # The state is unchanged: checked by the next page opened on the application (take()).


def take(page, pk: int, transition, state: str, calendar: dict[str, str]) -> None:
    """The right person takes the transition from ``state`` on the page."""
    open_application(page, pk, ONBOARDING.label(state))
    if transition.action == "pass_test":
        pass_all(page)
    fields = {"book": {"#test-date": calendar["test_date"], "#pickup-date": calendar["pickup_date"], **BOOKING},
              "pick_up": {"#picked-up-by": "张师傅"}}.get(transition.action)
    act(page, button_name(transition), opinion="同意" if transition.needs_opinion else None, fields=fields,
        state=ONBOARDING.label(transition.target))


def test_every_transition_is_refused_to_a_role_the_table_does_not_allow(world, calendar, signed_in, server_url):
    transitions = {t.action: t for t in ONBOARDING.transitions}
    assert set(WRONG_USER) | {"connect"} == set(transitions), "新增的流转须在此指定一个无权办理的角色"
    for action, username in WRONG_USER.items():
        assert ROLE_OF[username] not in transitions[action].roles, action
    assert transitions["connect"].roles == {"system"}

    pk = world["refused"]["app"]
    tried = set()
    for state, path in HAPPY_PATH:
        for transition in ONBOARDING.transitions:
            if state not in transition.sources or transition.action in tried | {"connect"}:
                continue
            refuse(signed_in(WRONG_USER[transition.action]), server_url, pk, transition, state)
            if transition.action in OTHER_DISTRICT:
                other = signed_in("chikan")
                assert other.goto(f"/applications/{pk}/").status == 404
                assert forge(other, server_url, pk, transition.action).status == 404
            tried.add(transition.action)
        for username, action in path:
            take(signed_in(username), pk, transitions[action], state, calendar)
    assert tried == set(WRONG_USER)

    # Installing: 确认已接入 is the platform's alone — no one is offered it, and the
    # operator's forged request is refused like any other.
    for username in EVERYONE_WHO_SEES_IT:
        page = signed_in(username)
        open_application(page, pk, "安装接入中")
        expect(page.get_by_role("button", name="确认已接入")).to_have_count(0)
    refuse(signed_in("operator"), server_url, pk, transitions["connect"], "installing")
    open_application(signed_in("operator"), pk, "安装接入中")
