from django.core.management.base import BaseCommand

from sitewatch.core.demo import build_demo


class Command(BaseCommand):
    help = "载入演示数据（可重复执行）：十个县（市、区）、约30个项目及其参建单位、点位、设备，以及各角色演示账号。"

    def handle(self, *args, **options):
        logins = build_demo()
        self.stdout.write("演示数据已就绪。登录账号（用户名 / 密码 / 角色）：")
        for username, password, description in logins:
            self.stdout.write(f"  {username:<10} {password}  {description}")
