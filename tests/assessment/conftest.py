"""Fixtures of the assessment tests: ``world``, a week assessed over the demo cast (see world.py)."""

from __future__ import annotations

import pytest

from sitewatch.accounts.models import Organisation, Role, User
from sitewatch.assessment.models import Assessment
from sitewatch.assessment.weekly import assessment_run
from sitewatch.registry.models import Firm
from tests.assessment.world import CHECK, WEEK, dust_point, episode_on


@pytest.fixture
def world(users):
    firm_a = users["integrator"].organisation.firm
    firm_b = Firm.objects.get(name="广东云视通信息技术有限公司")
    episodes = {}
    for firm in (firm_a, firm_b):
        for district in ("霞山区", "赤坎区"):
            episodes[(firm.pk, district)] = episode_on(dust_point(firm, district))
    assessment_run(now=CHECK, week_start=WEEK, check_time=CHECK)
    org = Organisation.objects.create(name=firm_b.name, role=Role.INTEGRATOR, firm=firm_b)
    other = User.objects.create_user("integrator_b", password="x", organisation=org, first_name="云视通")
    return {
        "a": Assessment.objects.get(integrator=firm_a, week_start=WEEK),
        "b": Assessment.objects.get(integrator=firm_b, week_start=WEEK),
        "firm_a": firm_a, "firm_b": firm_b, "episodes": episodes, "integrator_b": other,
    }
