import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sitewatch.assessment.models import Assessment
from sitewatch.assessment.weekly import assessment_run, latest_check


class Command(BaseCommand):
    help = ("系统集成商周考核（附件7）：对指定周（缺省为最近一次检查时间对应的周）进行考核并保存结果和证据；"
            "--export 把该周各家的证据文件写入目录。只依据证据文件重算请用 sitewatch assess --evidence 文件。")

    def add_arguments(self, parser):
        parser.add_argument("--week", help="被考核周的第一天（YYYY-MM-DD，须为周检查日的前七天）")
        parser.add_argument("--export", metavar="DIR", help="把该周的证据文件（JSON）写入此目录")
        parser.add_argument("--evidence", metavar="FILE", help="只依据证据文件重算（不连接数据库）")

    def handle(self, *args, week=None, export=None, evidence=None, **options):
        now = timezone.now()
        if week:
            try:
                week_start = dt.date.fromisoformat(week)
            except ValueError as exc:
                raise CommandError(f"--week 应为日期，例如 2026-11-23：{week!r}") from exc
            if week_start + dt.timedelta(days=7) > timezone.localdate(now):
                raise CommandError(f"{week_start} 起的一周尚未结束，不能考核。")
        else:
            week_start, _ = latest_check(now)
        done = assessment_run(now=now, week_start=week_start)
        rows = Assessment.objects.filter(week_start=week_start).select_related("integrator").order_by("-score", "pk")
        self.stdout.write(f"{week_start} 起一周：本次新考核 {len(done)} 家，共 {rows.count()} 家")
        for row in rows:
            self.stdout.write(f"  {row.score:>3} 分  {row.integrator.name}（扣 {row.result.get('deducted', 0)} 分，"
                              f"{len(row.result.get('deductions', []))} 项）")
        if export:
            folder = Path(export)
            folder.mkdir(parents=True, exist_ok=True)
            for row in rows:
                path = folder / f"考核证据_{week_start}_{row.integrator.credit_code}.json"
                path.write_text(json.dumps(row.evidence, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            self.stdout.write(f"证据文件已写入 {folder}（{rows.count()} 个）")
