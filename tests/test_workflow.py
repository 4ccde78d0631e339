"""The transition-table engine the procedures use (sitewatch/lib/workflow.py)."""

from __future__ import annotations

import pytest

from sitewatch.lib.workflow import Transition, TransitionRefused, Workflow


def table(**extra) -> Workflow:
    return Workflow(
        name="接入申请",
        states={"draft": "草稿", "submitted": "已提交", "returned": "退回修改", "approved": "已通过"},
        initial="draft",
        final=frozenset({"approved"}),
        transitions=(
            Transition("submit", "提交申请", frozenset({"draft", "returned"}), "submitted",
                       frozenset({"contractor", "integrator"})),
            Transition("return", "退回修改", frozenset({"submitted"}), "returned", frozenset({"district"}),
                       needs_opinion=True),
            Transition("approve", "审核通过", frozenset({"submitted"}), "approved", frozenset({"district"})),
        ),
        **extra,
    )


def test_allowed_role_moves_to_the_target():
    assert table().check("draft", "submit", {"contractor"}).target == "submitted"
    assert table().check("returned", "submit", {"integrator"}).target == "submitted"


def test_unauthorised_role_is_refused_in_chinese():
    with pytest.raises(TransitionRefused, match="您无权审核通过"):
        table().check("submitted", "approve", {"contractor"})


def test_action_from_the_wrong_state_is_refused_naming_the_state():
    with pytest.raises(TransitionRefused, match="当前为“草稿”，不能审核通过"):
        table().check("draft", "approve", {"district"})


def test_opinion_is_required_where_the_table_says():
    with pytest.raises(TransitionRefused, match="须填写意见或理由"):
        table().check("submitted", "return", {"district"}, opinion="  ")
    assert table().check("submitted", "return", {"district"}, opinion="缺少点位布置图").target == "returned"


def test_unknown_action_is_refused():
    with pytest.raises(TransitionRefused, match="没有“delete”这一操作"):
        table().check("draft", "delete", {"district"})


def test_available_lists_what_the_role_may_do_now():
    assert [t.action for t in table().available("submitted", {"district"})] == ["return", "approve"]
    assert table().available("approved", {"district", "contractor"}) == []


def test_a_table_naming_unknown_states_or_leaving_a_final_state_is_rejected():
    with pytest.raises(ValueError, match="unknown states"):
        Workflow(name="x", states={"a": "甲"}, initial="a",
                 transitions=(Transition("go", "前进", frozenset({"a"}), "b", frozenset({"r"})),))
    with pytest.raises(ValueError, match="leaves a final state"):
        Workflow(name="x", states={"a": "甲", "b": "乙"}, initial="a", final=frozenset({"b"}),
                 transitions=(Transition("back", "退回", frozenset({"b"}), "a", frozenset({"r"})),))
    with pytest.raises(ValueError, match="twice"):
        Workflow(name="x", states={"a": "甲", "b": "乙"}, initial="a",
                 transitions=(Transition("go", "前进", frozenset({"a"}), "b", frozenset({"r"})),
                              Transition("go", "前进", frozenset({"a"}), "a", frozenset({"r"}))))
