"""`sitewatch dust-reference import FILE`: load reference values for the difference mode."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sitewatch.accounts.audit import acting_as
from sitewatch.alarms.references import ReferenceFileError, decode, parse, reference_import


class Command(BaseCommand):
    help = "扬尘参照值：import FILE 从 CSV 导入（列：县（市、区）,参数,时段开始,参照值）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="从 CSV 文件导入参照值（全部有效才导入）")
        load.add_argument("file")

    def handle(self, *args, action, file, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}：{exc.strerror or exc}") from None
        try:
            rows = parse(decode(data))
        except ReferenceFileError as exc:
            raise CommandError(f"{path.name} 未导入，请修正后重试：\n" + "\n".join(exc.errors)) from None
        with acting_as(None, via="command"):
            counts = reference_import(rows=rows, source=f"CSV导入：{path.name}")
        self.stdout.write(f"已导入 {path.name}：新增 {counts['created']} 条，更新 {counts['updated']} 条，"
                          f"未变 {counts['unchanged']} 条。")
