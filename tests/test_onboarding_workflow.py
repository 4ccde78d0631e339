"""The onboarding transition table (附件1) and the route decision."""

from __future__ import annotations

import pytest

from sitewatch.lib.workflow import TransitionRefused
from sitewatch.onboarding.workflows import ONBOARDING, Route, route_for


def walk(*steps):
    state = ONBOARDING.initial
    for action, role in steps:
        state = ONBOARDING.check(state, action, {role}, opinion="同意").target
    return state


def test_commitment_route_needs_every_main_device_listed_and_the_letter():
    listed = [("camera", True), ("dust_monitor", True), ("router", False)]
    assert route_for(listed, letter_signed=True) is Route.COMMITMENT
    assert route_for(listed, letter_signed=False) is Route.TEST
    assert route_for([("camera", True), ("nvr", False)], letter_signed=True) is Route.TEST
    assert route_for([("router", True)], letter_signed=True) is Route.TEST
    assert (Route.COMMITMENT.test_days, Route.TEST.test_days) == (3, 10)


def test_the_whole_path_from_draft_to_connected():
    assert walk(("submit", "integrator"), ("opinion_contractor", "contractor"), ("opinion_supervisor", "supervisor"),
                ("opinion_operator", "operator"), ("approve", "district"), ("book", "contractor"),
                ("check_in", "operator"), ("open_difficulty", "operator"), ("close_difficulty", "operator"),
                ("pass_test", "operator"), ("pick_up", "operator"), ("connect", "system")) == "connected"


def test_a_failed_test_is_booked_again():
    state = walk(("submit", "contractor"), ("approve", "district"), ("book", "contractor"), ("check_in", "operator"),
                 ("fail_test", "operator"))
    assert state == "test_failed"
    assert ONBOARDING.check(state, "book", {"contractor"}).target == "booked"


@pytest.mark.parametrize(("state", "action", "role"), [
    ("under_review", "approve", "contractor"),
    ("under_review", "opinion_supervisor", "contractor"),
    ("booked", "check_in", "contractor"),
    ("installing", "connect", "operator"),
    ("draft", "submit", "supervisor"),
])
def test_a_role_the_table_does_not_name_is_refused(state, action, role):
    with pytest.raises(TransitionRefused, match="您无权"):
        ONBOARDING.check(state, action, {role}, opinion="x")


def test_nothing_leaves_a_final_state():
    for state in ONBOARDING.final:
        assert ONBOARDING.available(state, {"city", "district", "operator", "contractor", "integrator",
                                            "supervisor", "system"}) == []
