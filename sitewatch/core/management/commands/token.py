"""`sitewatch token create --user NAME [--name PURPOSE]` and `sitewatch token revoke PREFIX`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from sitewatch.accounts.audit import acting_as
from sitewatch.accounts.models import ApiToken, User

PREFIX_LENGTH = 8


class Command(BaseCommand):
    help = "管理接口令牌：create 为用户生成令牌（只显示一次），revoke 按前缀吊销令牌。"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, title="操作")
        create = actions.add_parser("create", help="为用户生成接口令牌；令牌是输出的最后一行。")
        create.add_argument("--user", required=True, help="用户名")
        create.add_argument("--name", default="", help="用途，例如“数据共享平台”")
        revoke = actions.add_parser("revoke", help="按前缀吊销接口令牌。")
        revoke.add_argument("prefix", help="令牌前 8 个字符（create 时显示）")

    def handle(self, *args, action, **options):
        with acting_as(None, via="command"):
            if action == "create":
                return self.create(username=options["user"], purpose=options["name"])
            return self.revoke(prefix=options["prefix"])

    def create(self, *, username: str, purpose: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在。")
        if not user.is_active:
            raise CommandError(f"用户“{username}”已停用，不能生成令牌。")
        token = ApiToken.generate()
        ApiToken.objects.create(user=user, name=purpose[:100], prefix=token[:PREFIX_LENGTH], digest=ApiToken.hash(token))
        self.stdout.write(f"已为用户 {username} 生成接口令牌（前缀 {token[:PREFIX_LENGTH]}），令牌只显示这一次，请妥善保存：")
        # Last line on its own so scripts can take it with `tail -n 1`.
        self.stdout.write(token)

    @transaction.atomic
    def revoke(self, *, prefix: str) -> None:
        tokens = list(ApiToken.objects.select_for_update().filter(prefix=prefix, revoked_at__isnull=True))
        if not tokens:
            raise CommandError(f"没有前缀为“{prefix}”的有效令牌。")
        if len(tokens) > 1:
            raise CommandError(f"前缀“{prefix}”对应 {len(tokens)} 个令牌，请联系管理员在后台按用户吊销。")
        tokens[0].revoked_at = timezone.now()
        tokens[0].save(update_fields=["revoked_at"])
        self.stdout.write(f"已吊销用户 {tokens[0].user.username} 的令牌 {prefix}。")
