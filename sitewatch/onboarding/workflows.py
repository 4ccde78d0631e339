"""The onboarding procedure (附件1, DOMAIN §4) as a transition table: who may do what, in
which state. Services record each step (who, when, opinion) and pages offer the actions
``ONBOARDING.available(state, roles)`` lists; both read this one table.

The four review opinions of form 1-3 are steps that keep the state (施工单位项目经理、
监理单位总监理工程师、平台运维单位、县（市、区）住建主管部门); the district decides after
them. The route (承诺制 or 设备测试) is decided from the data when the district approves
(``route_for``). The test clock runs from check-in (form 1-6) and pauses while a technical
difficulty is open (口径 K-O1); the installation clock runs from pick-up.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sitewatch.lib.workflow import Transition, Workflow

APPLICANTS = frozenset({"contractor", "integrator"})  # the integrator may apply on the contractor's behalf
DISTRICT = frozenset({"district"})
OPERATOR = frozenset({"operator"})
SYSTEM = frozenset({"system"})  # decided from the gateways' live data, not by a person


class Route(enum.StrEnum):
    COMMITMENT = "commitment"
    TEST = "test"

    @property
    def label(self) -> str:
        return {"commitment": "承诺制", "test": "设备测试"}[self.value]

    @property
    def test_days(self) -> int:
        """Working days the operator has for testing from check-in (DOMAIN §4.4)."""
        return 3 if self is Route.COMMITMENT else 10


INSTALL_DAYS = 5  # working days from pick-up to connected (DOMAIN §4.5)

# Main devices (主要设备) are what the commitment list (附件1-2) is about: cameras, NVRs and
# dust monitors; hard disks, routers and APN cards are accessories (口径 K-O2).
MAIN_DEVICE_KINDS = frozenset({"camera", "plate_camera", "nvr", "dust_monitor"})


def route_for(devices: Iterable[tuple[str, bool]], *, letter_signed: bool) -> Route:
    """The route of an application from its devices ((kind, model on the commitment list))
    and whether commitment letter 1-4 is signed: 承诺制 only when every main device's model
    is listed and the letter is signed; otherwise 设备测试. An application without main
    devices goes the test route (there is nothing the list could vouch for)."""
    main = [listed for kind, listed in devices if kind in MAIN_DEVICE_KINDS]
    return Route.COMMITMENT if main and all(main) and letter_signed else Route.TEST


def _t(action, label, sources, target, roles, *, opinion=False) -> Transition:
    return Transition(action, label, frozenset(sources), target, frozenset(roles), needs_opinion=opinion)


ONBOARDING = Workflow(
    name="接入申请",
    states={
        "draft": "草稿",
        "under_review": "县（市、区）审核中",
        "returned": "退回修改",
        "approved": "审核通过，待预约测试",
        "booked": "已预约测试",
        "testing": "测试中",
        "test_failed": "测试未通过",
        "passed": "测试通过，待领回设备",
        "installing": "安装接入中",
        "connected": "已接入",
        "rejected": "不予通过",
        "withdrawn": "已撤回",
    },
    initial="draft",
    final=frozenset({"connected", "rejected", "withdrawn"}),
    transitions=(
        _t("submit", "提交申请", {"draft", "returned"}, "under_review", APPLICANTS),
        _t("withdraw", "撤回申请", {"draft", "returned", "under_review"}, "withdrawn", APPLICANTS, opinion=True),
        _t("opinion_contractor", "填写施工单位项目经理意见", {"under_review"}, "under_review", {"contractor"},
           opinion=True),
        _t("opinion_supervisor", "填写监理单位总监理工程师意见", {"under_review"}, "under_review", {"supervisor"},
           opinion=True),
        _t("opinion_operator", "填写平台运维单位意见", {"under_review"}, "under_review", OPERATOR, opinion=True),
        _t("return", "退回修改", {"under_review"}, "returned", DISTRICT, opinion=True),
        _t("reject", "不予通过", {"under_review"}, "rejected", DISTRICT, opinion=True),
        _t("approve", "审核通过", {"under_review"}, "approved", DISTRICT, opinion=True),
        _t("book", "预约测试", {"approved", "test_failed"}, "booked", APPLICANTS),
        _t("check_in", "登记送测设备", {"booked"}, "testing", OPERATOR),
        _t("open_difficulty", "登记技术难题（暂停计时）", {"testing"}, "testing", OPERATOR, opinion=True),
        _t("close_difficulty", "技术难题解决（恢复计时）", {"testing"}, "testing", OPERATOR, opinion=True),
        _t("pass_test", "测试通过", {"testing"}, "passed", OPERATOR),
        _t("fail_test", "测试不通过", {"testing"}, "test_failed", OPERATOR, opinion=True),
        _t("pick_up", "领回设备", {"passed"}, "installing", OPERATOR),
        _t("supervision_notice", "登记监理通知单", {"installing"}, "installing", {"supervisor"}, opinion=True),
        _t("connect", "确认已接入", {"installing"}, "connected", SYSTEM),
    ),
)

# The opinions form 1-3 needs before the district may decide.
REVIEW_OPINIONS = ("opinion_contractor", "opinion_supervisor", "opinion_operator")


CHANGE = Workflow(
    name="迁移拆除申请",
    states={
        "draft": "草稿",
        "under_review": "审核中",
        "returned": "退回修改",
        "approved": "已批准",
        "rejected": "不予批准",
        "withdrawn": "已撤回",
    },
    initial="draft",
    final=frozenset({"approved", "rejected", "withdrawn"}),
    transitions=(
        _t("submit", "提交申请", {"draft", "returned"}, "under_review", APPLICANTS),
        _t("withdraw", "撤回申请", {"draft", "returned", "under_review"}, "withdrawn", APPLICANTS, opinion=True),
        _t("opinion_contractor", "填写施工单位意见", {"under_review"}, "under_review", {"contractor"}, opinion=True),
        _t("opinion_supervisor", "填写监理单位意见", {"under_review"}, "under_review", {"supervisor"}, opinion=True),
        _t("opinion_district", "填写县（市、区）住建主管部门意见", {"under_review"}, "under_review", DISTRICT,
           opinion=True),
        _t("opinion_operator", "填写平台运维单位意见", {"under_review"}, "under_review", OPERATOR, opinion=True),
        _t("return", "退回修改", {"under_review"}, "returned", {"city", "district"}, opinion=True),
        _t("reject", "不予批准", {"under_review"}, "rejected", {"city"}, opinion=True),
        _t("approve", "批准（市住建局意见）", {"under_review"}, "approved", {"city"}, opinion=True),
    ),
)

# Form 2's five opinions: four before the city bureau decides, the city's with its decision.
CHANGE_OPINIONS = ("opinion_contractor", "opinion_supervisor", "opinion_district", "opinion_operator")
