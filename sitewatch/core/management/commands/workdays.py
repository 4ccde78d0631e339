import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from sitewatch.lib.workdays import CalendarMissing, add_working_days, is_working_day, working_days_between


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式不正确：{text!r}，请用 YYYY-MM-DD。") from None


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise CommandError(f"天数必须是整数：{text!r}。") from None


class Command(BaseCommand):
    help = "工作日计算（依据平台节假日表）：add DATE N | between A B | check DATE"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="DATE 之后第 N 个工作日（起始日不计入）")
        add.add_argument("date")
        add.add_argument("n")
        between = sub.add_parser("between", help="A 之后至 B（含）之间的工作日数")
        between.add_argument("a")
        between.add_argument("b")
        check = sub.add_parser("check", help="DATE 是否为工作日")
        check.add_argument("date")

    def handle(self, *args, action, **options):
        try:
            if action == "add":
                self.stdout.write(add_working_days(_date(options["date"]), _int(options["n"])).isoformat())
            elif action == "between":
                self.stdout.write(str(working_days_between(_date(options["a"]), _date(options["b"]))))
            else:
                self.stdout.write("工作日" if is_working_day(_date(options["date"])) else "休息日")
        except CalendarMissing as exc:
            raise CommandError(str(exc)) from None
