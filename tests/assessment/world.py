"""A week assessed over the demo cast, shared by the assessment page and API tests.

No live data in tests, so every demo point is offline at the check (offline rate 100 %
→ 40); each integrator of the cast has one notified, unrecovered episode on a 霞山区 point
and one on a 赤坎区 point (six days begun → 10 each): 40 points."""

from __future__ import annotations

import datetime as dt

from sitewatch.assessment.models import OfflineEpisode
from sitewatch.registry.models import Firm, MonitoringPoint

SH = dt.timezone(dt.timedelta(hours=8))
WEEK = dt.date(2026, 11, 23)
CHECK = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SH)
NOTIFIED = dt.datetime(2026, 11, 24, 10, 0, tzinfo=SH)


def episode_on(point: MonitoringPoint, **fields) -> OfflineEpisode:
    defaults = {"started_at": NOTIFIED - dt.timedelta(hours=1), "opened_at": NOTIFIED - dt.timedelta(minutes=50),
                "notified_at": NOTIFIED}
    defaults.update(fields)
    return OfflineEpisode.objects.create(point=point, project=point.project, integrator=point.project.integrator,
                                        **defaults)


def dust_point(firm: Firm, district: str) -> MonitoringPoint:
    return MonitoringPoint.objects.get(project__integrator=firm, project__district__name=district, kind="dust")
