"""The rectification case (附件6, DOMAIN §7) as a transition table: who may do what, in which
state. Services record each step (who, when, why) and pages offer the actions
``CASE.available(state, roles)`` lists; both read this one table.

found → (the district orders rectification by a deadline in working days) ordered →
(the contractor reports it done, with evidence) reported → re-check: passed → closed;
failed → escalated (the type's measures recorded) → closed once they are carried out.
For the types the platform sees in its data (3 未接入, 4 不可视, 7 扬尘未联网) the platform
re-checks: a case whose condition has cleared and stayed clear is closed by the system, in
any open state before escalation; one still not cleared when its deadline has passed is
escalated by the system. A case found in error is dismissed with the reason.
"""

from __future__ import annotations

from sitewatch.lib.workflow import Transition, Workflow

STAFF = frozenset({"district", "city"})  # the project's district bureau, or the city bureau
PARTY = frozenset({"contractor", "integrator"})  # who rectifies and reports
SYSTEM = frozenset({"system"})


def _t(action, label, sources, target, roles, *, opinion=False) -> Transition:
    return Transition(action, label, frozenset(sources), target, frozenset(roles), needs_opinion=opinion)


CASE = Workflow(
    name="违规案件",
    states={"found": "已发现", "ordered": "限期整改中", "reported": "已报整改，待复查",
            "escalated": "复查未通过，升级处理", "closed": "已结案", "dismissed": "已撤销"},
    initial="found",
    transitions=(
        _t("order", "下达整改通知", {"found"}, "ordered", STAFF, opinion=True),
        _t("report", "报告整改完成", {"ordered"}, "reported", PARTY, opinion=True),
        _t("recheck_pass", "复查通过，结案", {"reported"}, "closed", STAFF | SYSTEM, opinion=True),
        _t("recheck_fail", "复查不通过，升级处理", {"reported"}, "escalated", STAFF | SYSTEM, opinion=True),
        _t("escalate", "逾期未整改，升级处理", {"ordered"}, "escalated", STAFF | SYSTEM, opinion=True),
        _t("auto_close", "数据恢复正常，自动结案", {"found", "ordered", "reported"}, "closed", SYSTEM),
        _t("close", "处理措施已落实，结案", {"escalated"}, "closed", STAFF, opinion=True),
        _t("dismiss", "撤销（误报）", {"found", "ordered", "reported"}, "dismissed", STAFF, opinion=True),
    ),
    final=frozenset({"closed", "dismissed"}),
)

# Steps that need evidence files with them (the contractor's report; an on-site finding).
EVIDENCE_REQUIRED = frozenset({"report"})
