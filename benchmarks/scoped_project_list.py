"""Figure: time to list one page of projects through the visibility layer, per role,
and its ratio to the unscoped baseline measured in the same run.

Builds a city-scale registry (default 3,000 projects, 6 devices each) in a throwaway
SQLite database (with --postgres URL: a database it creates on that server and drops
afterwards), then times `selectors.project_list(...)[:25]` evaluated with its count, as the project
list page does.

    .venv/bin/python benchmarks/scoped_project_list.py [--projects 3000] [--repeat 50]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.throwaway_db import on_throwaway_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--postgres", metavar="URL", help="server to create the throwaway database on")
    args = parser.parse_args()

    on_throwaway_database(args.postgres, lambda: run(args))


def run(args) -> None:
    from django.db import connection

    from sitewatch.accounts.audit import acting_as
    from sitewatch.accounts.models import User
    from sitewatch.accounts.visibility import Scope, scope_for
    from sitewatch.core.demo import build_demo
    from sitewatch.registry import selectors
    from sitewatch.registry.models import Device, District, Project

    build_demo()
    template = list(Project.objects.all()[:3])
    districts = list(District.objects.all())
    with acting_as(None, via="command"):
        projects, devices = [], []
        for i in range(args.projects - Project.objects.count()):
            base = template[i % 3]
            projects.append(Project(
                name=f"基准项目{i:05d}", district=districts[i % len(districts)], address=f"基准路{i}号",
                investment_cny=base.investment_cny, floor_area_m2=base.floor_area_m2, stage=base.stage,
                status=base.status, builder_id=base.builder_id, contractor_id=base.contractor_id,
                supervisor_id=base.supervisor_id, integrator_id=base.integrator_id))
        Project.objects.bulk_create(projects, batch_size=500)
        for project in Project.objects.filter(name__startswith="基准项目"):
            for n in range(6):
                devices.append(Device(project=project, kind="camera", name=f"球机{n}", installer_id=project.integrator_id))
        Device.objects.bulk_create(devices, batch_size=1000)

    def timed(scope: Scope) -> float:
        samples = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            qs = selectors.project_list(scope=scope)
            qs.count()
            list(qs[:25])
            samples.append(time.perf_counter() - start)
        return statistics.median(samples) * 1000

    unscoped = Scope(role="city")  # sees_all: no filter — the baseline
    baseline = timed(unscoped)
    print(f"database={connection.vendor} projects={Project.objects.count()} devices={Device.objects.count()} repeat={args.repeat}")
    print(f"baseline (unscoped)        {baseline:7.2f} ms")
    for username in ("city", "xiashan", "contractor", "integrator"):
        ms = timed(scope_for(User.objects.get(username=username)))
        print(f"{username:<26} {ms:7.2f} ms  ratio {ms / baseline:5.2f}")


if __name__ == "__main__":
    main()
