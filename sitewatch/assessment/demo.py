"""Demo assessments: eight past weeks of the demo's integrators, so that a fresh `make run`
shows a scoreboard, drill-downs, history charts and a sanction.

The demo has no history of live data, so each past week's check is given point states drawn
from a fixed seed (a good, a middling and a poor integrator), and the offline episodes behind
them are written as rows first (notified, recovered, most reported by the integrator, one
report contradicted by the data). The scores come from the real weekly code path
(``city_evidence`` → rules ``assess`` → sanctions). Two episodes of the demo integrator are
left open now, so that it has something to 告知恢复上线. Not part of the tests' fixed cast.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from sitewatch.accounts.models import User
from sitewatch.assessment.models import Assessment, OfflineEpisode, PointWatch
from sitewatch.assessment.points import PointState, assessed_points, evidence_kind
from sitewatch.assessment.rules import assess
from sitewatch.assessment.weekly import check_moment, city_evidence, latest_check, sanctions_apply
from sitewatch.lib.dates import local_date
from sitewatch.registry.models import Firm

WEEKS = 8
# Chance a point is offline at a check, by the demo integrator's credit code.
OFFLINE_CHANCE = {"91440800MA54000001": 0.02, "91440800MA54000002": 0.04, "91440800MA54000003": 0.06}
BAD_WEEK = 5  # weeks ago: the poor integrator's week below 60 (one 约谈整改)
HOUR = dt.timedelta(hours=1)


@transaction.atomic
def demo_assessments(*, now: dt.datetime) -> int:
    """Write the demo's past weeks once (nothing if any assessment exists); returns how many."""
    if Assessment.objects.exists():
        return 0
    rng = random.Random(20261130)
    firms = {f.pk: f for f in Firm.objects.filter(credit_code__in=OFFLINE_CHANCE)}
    points = [row for row in assessed_points(on=local_date(now)).filter(project__integrator__in=list(firms))
              .order_by("pk").values_list("pk", "kind", "project_id", "project__integrator_id")]
    reporter = User.objects.filter(organisation__firm__credit_code="91440800MA54000001").first()
    good = next((pk for pk, f in firms.items() if f.credit_code == "91440800MA54000001"), None)
    poor = next((pk for pk, f in firms.items() if f.credit_code == "91440800MA54000003"), None)
    latest_week, _ = latest_check(now)
    written = 0
    for ago in range(WEEKS - 1, -1, -1):
        week_start = latest_week - dt.timedelta(days=7 * ago)
        check = check_moment(week_start + dt.timedelta(days=7))
        start = check_moment(week_start).replace(hour=0, minute=0)
        states = {}
        for n, (pk, kind, project_id, firm_id) in enumerate(points):
            chance = OFFLINE_CHANCE[firms[firm_id].credit_code] * (5 if ago == BAD_WEEK and firm_id == poor else 1)
            online = rng.random() >= chance
            camera = evidence_kind(kind) != "dust_monitor"
            main = "1280x720" if camera and firm_id == poor and n % 11 == 0 else "2560x1440"
            sub = "640x480" if camera and firm_id != good and n % 17 == 5 else "704x576"
            states[pk] = PointState(pk, online, main if camera else "", sub if camera else "",
                                    "device_config" if camera else "")
            if not online:  # offline at the check: an episode notified some days before, fixed after
                started = check - dt.timedelta(hours=rng.randint(3, 90))
                closed = min(check + dt.timedelta(hours=rng.randint(1, 20)), now - HOUR)
                _episode(pk, project_id, firm_id, started, closed=closed, reporter=reporter, rng=rng, now=now)
            elif rng.random() < chance / 2:  # offline and fixed within the week
                started = start + dt.timedelta(hours=rng.randint(2, 100))
                closed = min(started + dt.timedelta(hours=rng.randint(2, 90)), check - HOUR)
                _episode(pk, project_id, firm_id, started, closed=closed, reporter=reporter, rng=rng, now=now)
        for firm_id, (evidence, document) in sorted(city_evidence(week_start=week_start, check_time=check,
                                                                  integrator_ids=set(firms), states=states).items()):
            result = assess(evidence)
            Assessment.objects.create(integrator_id=firm_id, week_start=week_start, check_time=check,
                                      score=result["score"], result=result, evidence=document, computed_at=check)
            sanctions_apply(integrator=firms[firm_id], now=check)
            written += 1
    _open_now(points, firms, now)
    return written


def _episode(point_id, project_id, firm_id, started, *, closed, reporter, rng, now) -> OfflineEpisode:
    notified = started + dt.timedelta(minutes=12)
    episode = OfflineEpisode(point_id=point_id, project_id=project_id, integrator_id=firm_id, started_at=started,
                             opened_at=started + dt.timedelta(minutes=10), notified_at=notified, closed_at=closed)
    if reporter is not None and reporter.organisation.firm_id == firm_id and rng.random() < 0.8:
        early = rng.random() < 0.15  # reported before the data showed it back: 与数据不符
        episode.reported_at = closed - HOUR if early else min(closed + HOUR, now)
        episode.reported_by = reporter
        episode.report_verdict = "contradicted" if early else "confirmed"
        episode.report_note = "已重启设备" if early else "已更换电源适配器，画面恢复"
    episode.save()
    return episode


def _open_now(points, firms, now: dt.datetime) -> None:
    """Two episodes of the demo integrator open now (the sweep closes them once the simulators
    bring the points online; the integrator can report recovery meanwhile)."""
    first = next((f for f in firms.values() if f.credit_code == "91440800MA54000001"), None)
    mine = [p for p in points if first is not None and p[3] == first.pk][:2]
    for pk, _kind, project_id, firm_id in mine:
        started = now - dt.timedelta(hours=30)
        OfflineEpisode.objects.create(point_id=pk, project_id=project_id, integrator_id=firm_id, started_at=started,
                                      opened_at=started + dt.timedelta(minutes=10),
                                      notified_at=started + dt.timedelta(minutes=12))
        PointWatch.objects.update_or_create(point_id=pk, defaults={"offline_since": started, "offline_sweeps": 2,
                                                                   "checked_at": now})
