"""Figure: time to compute one week's assessment (附件7) for every integrator of a city.

Builds a synthetic city (default 300,000 points: 30,000 projects of 8 camera points on one
NVR's channels and 2 dust monitors, spread over 60 integrators) in a throwaway SQLite
database (with --postgres URL: a database it creates on that server and drops afterwards),
with a month of offline flips and the episodes they made (default 10 % of the points go
offline one to three times; 2 % still offline at the check), then times
`assessment_run` for the week — evidence built from the live states and episodes, scored,
stored with the evidence. Goal: under 10 s.

    .venv/bin/python benchmarks/assessment.py [--points 300000] [--integrators 60]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.throwaway_db import on_throwaway_database  # noqa: E402

SH = dt.timezone(dt.timedelta(hours=8))
CHECK = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SH)
WEEK = dt.date(2026, 11, 23)
PER_PROJECT = 10  # 8 camera channels + 2 dust monitors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=300_000)
    parser.add_argument("--integrators", type=int, default=60)
    parser.add_argument("--postgres", metavar="URL", help="server to create the throwaway database on")
    args = parser.parse_args()
    on_throwaway_database(args.postgres, lambda: run(args))


def run(args) -> None:
    from django.db import connection

    started = time.perf_counter()
    build(args)
    built = time.perf_counter() - started
    from sitewatch.assessment.models import Assessment, OfflineEpisode
    from sitewatch.assessment.weekly import assessment_run
    from sitewatch.monitoring.models import Channel, Flip
    from sitewatch.registry.models import MonitoringPoint

    print(f"database={connection.vendor} points={MonitoringPoint.objects.count()} "
          f"channels={Channel.objects.count()} flips={Flip.objects.count()} "
          f"episodes={OfflineEpisode.objects.count()} (built in {built:.1f} s)")
    start = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        rows = profiler.runcall(assessment_run, now=CHECK, week_start=WEEK, check_time=CHECK)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    else:
        rows = assessment_run(now=CHECK, week_start=WEEK, check_time=CHECK)
    elapsed = time.perf_counter() - start
    scores = sorted(row.score for row in rows)
    assessed = sum(len(row.evidence["points"]) for row in Assessment.objects.filter(week_start=WEEK))
    print(f"assessed {len(rows)} integrators, {assessed} points; scores min {scores[0]} median "
          f"{scores[len(scores) // 2]} max {scores[-1]}")
    print(f"one week's assessment for all integrators: {elapsed:.2f} s (goal < 10 s)")


def build(args) -> None:
    from sitewatch.accounts.audit import acting_as
    from sitewatch.assessment.models import OfflineEpisode
    from sitewatch.monitoring.models import Channel, DeviceState, Flip
    from sitewatch.registry.models import Device, District, Firm, MonitoringPoint, Project

    rng = random.Random(20261125)
    district = District.objects.first()
    with acting_as(None, via="command"):
        integrators = Firm.objects.bulk_create([
            Firm(name=f"基准集成商{i:03d}", credit_code=f"91440800MA{i:07d}X"[:18], is_integrator=True,
                 contact_phone=f"1380000{i:04d}") for i in range(args.integrators)])
        contractor = Firm.objects.create(name="基准施工单位", credit_code="91440800MA9999999X", is_contractor=True)
        n_projects = args.points // PER_PROJECT
        Project.objects.bulk_create([
            Project(name=f"基准项目{i:06d}", district=district, contractor=contractor,
                    integrator=integrators[i % len(integrators)]) for i in range(n_projects)], batch_size=2000)
        projects = list(Project.objects.filter(name__startswith="基准项目").order_by("pk").values_list("pk", flat=True))
        kinds = ["entrance_dome", "entrance_plate", "pit_dome", "tower_crane_dome", "work_area_dome",
                 "living_area_dome", "other_dome", "work_area_dome", "dust", "dust"]
        MonitoringPoint.objects.bulk_create([
            MonitoringPoint(project_id=pk, kind=kind, name=f"点位{n}") for pk in projects
            for n, kind in enumerate(kinds)], batch_size=5000)
        Device.objects.bulk_create([Device(project_id=pk, kind="nvr", name="NVR") for pk in projects], batch_size=5000)
        nvrs = dict(Device.objects.filter(kind="nvr", name="NVR").values_list("project_id", "pk"))
        points = list(MonitoringPoint.objects.filter(project_id__in=projects).order_by("pk")
                      .values_list("pk", "project_id", "kind"))
        offline_now = set(rng.sample([p[0] for p in points], len(points) // 50))
        channels, dust = [], []
        for pk, project_id, kind in points:
            if kind == "dust":
                dust.append(Device(project_id=project_id, point_id=pk, kind="dust_monitor", name=f"扬尘{pk}"))
            else:
                low = rng.random() < 0.03
                channels.append(Channel(device_id=nvrs[project_id], gb_channel_id=f"44080000001310{pk:06d}",
                                        point_id=pk, online=pk not in offline_now, catalog_status="ON",
                                        main_resolution="1280x720" if low else "1920x1080",
                                        sub_resolution="640x480" if rng.random() < 0.03 else "704x576",
                                        resolution_source="device", first_seen=CHECK, last_catalog_at=CHECK))
        Channel.objects.bulk_create(channels, batch_size=5000)
        Device.objects.bulk_create(dust, batch_size=5000)
        DeviceState.objects.bulk_create([
            DeviceState(device_id=pk, online=point_id not in offline_now)
            for pk, point_id in Device.objects.filter(kind="dust_monitor").values_list("pk", "point_id")],
            batch_size=5000)
        channel_of = dict(Channel.objects.values_list("point_id", "pk"))
        device_of = dict(Device.objects.filter(kind="dust_monitor").values_list("point_id", "pk"))
        flips, episodes = [], []
        integrator_of = dict(Project.objects.filter(pk__in=projects).values_list("pk", "integrator_id"))
        month = CHECK - dt.timedelta(days=30)

        def episode(pk, project_id, at, until):
            device, channel = device_of.get(pk) or nvrs[project_id], channel_of.get(pk)
            flips.append(Flip(device_id=device, channel_id=channel, old_online=True, new_online=False,
                              reason="timeout", at=at))
            if until is not None:
                flips.append(Flip(device_id=device, channel_id=channel, old_online=False, new_online=True,
                                  reason="data", at=until))
            episodes.append(OfflineEpisode(point_id=pk, project_id=project_id, integrator_id=integrator_of[project_id],
                                           started_at=at, opened_at=at + dt.timedelta(minutes=10),
                                           notified_at=at + dt.timedelta(minutes=11), closed_at=until))

        for pk, project_id, _ in rng.sample([p for p in points if p[0] not in offline_now], len(points) // 10):
            at = month + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 7))
            for _ in range(rng.randint(1, 3)):
                until = min(at + dt.timedelta(minutes=rng.randrange(20, 60 * 24 * 9)), CHECK)
                episode(pk, project_id, at, until)
                at = until + dt.timedelta(hours=rng.randrange(1, 72))
                if at >= CHECK - dt.timedelta(minutes=30):
                    break
        for pk, project_id, _ in (p for p in points if p[0] in offline_now):
            episode(pk, project_id, CHECK - dt.timedelta(minutes=rng.randrange(30, 60 * 24 * 12)), None)
        Flip.objects.bulk_create(flips, batch_size=5000)
        OfflineEpisode.objects.bulk_create(episodes, batch_size=5000)


if __name__ == "__main__":
    main()
