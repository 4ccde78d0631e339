from django.core.management.base import BaseCommand

from sitewatch.core.demo import build_demo


class Command(BaseCommand):
    help = "载入演示数据（可重复执行）：十个县（市、区）、约30个项目及其参建单位、点位、设备，以及各角色演示账号。"

    def handle(self, *args, **options):
        logins = build_demo()
        from django.utils import timezone

        from sitewatch.assessment.demo import demo_assessments

        if demo_assessments(now=timezone.now()):
            self.stdout.write("已生成近 8 周的系统集成商周考核演示数据（“周考核”页）。")
        self.stdout.write("演示数据已就绪。登录账号（用户名 / 密码 / 角色）：")
        for username, password, description in logins:
            self.stdout.write(f"  {username:<10} {password}  {description}")
