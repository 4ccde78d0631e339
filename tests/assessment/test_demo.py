"""The demo's past weeks of assessments (for `make run`): written through the real weekly
code, once, with evidence that recomputes to each stored score."""

from __future__ import annotations

import datetime as dt

import pytest

from sitewatch.assessment.demo import WEEKS, demo_assessments
from sitewatch.assessment.models import Assessment, OfflineEpisode
from sitewatch.assessment.rules import assess_document
from sitewatch.registry.models import FirmSanction

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 2, 6, 0, tzinfo=dt.UTC)


def test_demo_writes_eight_weeks_for_each_integrator_once():
    assert demo_assessments(now=NOW) == WEEKS * 3
    assert demo_assessments(now=NOW) == 0
    assert Assessment.objects.values("week_start").distinct().count() == WEEKS
    assert Assessment.objects.latest("week_start").week_start == dt.date(2026, 11, 23)


def test_demo_evidence_recomputes_to_every_stored_score():
    demo_assessments(now=NOW)
    for assessment in Assessment.objects.all():
        assert assess_document(assessment.evidence)["score"] == assessment.score


def test_demo_shows_a_spread_of_scores_and_one_interview_but_no_bar():
    demo_assessments(now=NOW)
    scores = set(Assessment.objects.values_list("score", flat=True))
    assert min(scores) < 60 and max(scores) == 100
    assert list(FirmSanction.objects.values_list("kind", flat=True)) == ["interview"]  # no integrator barred


def test_demo_leaves_episodes_open_for_the_demo_integrator_to_report():
    demo_assessments(now=NOW)
    open_ = OfflineEpisode.objects.filter(closed_at=None)
    assert open_.count() == 2 and {e.integrator.credit_code for e in open_} == {"91440800MA54000001"}
    assert not OfflineEpisode.objects.filter(closed_at__gt=NOW).exists()
