"""Login audit and throttling: failures are audit rows, and the throttle counts those rows."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q
from django.utils import timezone

from sitewatch.accounts.audit import Actor, record
from sitewatch.accounts.models import AuditAction, AuditEntry


def client_addr(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _recent_failures(who: Q, now: dt.datetime) -> int:
    since = now - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    return AuditEntry.objects.filter(who, action=AuditAction.LOGIN_FAILED, at__gte=since).count()


def is_throttled(*, username: str, remote_addr: str | None, now: dt.datetime) -> bool:
    """Locked when one account failed too often, or one address did (a higher limit: many
    users can share an address, e.g. a district bureau's office network)."""
    if _recent_failures(Q(actor_name=username[:150]), now) >= settings.LOGIN_MAX_FAILURES:
        return True
    return bool(remote_addr) and (
        _recent_failures(Q(remote_addr=remote_addr), now) >= settings.LOGIN_MAX_FAILURES_PER_ADDRESS
    )


THROTTLED_MESSAGE = "登录失败次数过多，请{minutes}分钟后再试。"


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。请注意密码区分大小写。",
        "inactive": "该账号已停用，请联系管理员。",
        "throttled": THROTTLED_MESSAGE,
    }

    def clean(self):
        username = (self.data.get("username") or "").strip()
        if username and is_throttled(username=username, remote_addr=client_addr(self.request), now=timezone.now()):
            # Counted too, so that hammering a locked account keeps it locked.
            record(action=AuditAction.LOGIN_FAILED, actor=Actor(user=None), actor_name=username,
                   remote_addr=client_addr(self.request))
            raise forms.ValidationError(
                self.error_messages["throttled"].format(minutes=settings.LOGIN_FAILURE_WINDOW_SECONDS // 60),
                code="throttled",
            )
        return super().clean()


def _logged_in(sender, request, user, **kwargs):
    record(action=AuditAction.LOGIN, actor=Actor(user=user, remote_addr=client_addr(request), via="web"),
           instance=None)


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(action=AuditAction.LOGOUT, actor=Actor(user=user, remote_addr=client_addr(request), via="web"))


def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    record(action=AuditAction.LOGIN_FAILED, actor=Actor(user=None, remote_addr=client_addr(request), via="web"),
           actor_name=username)


def connect_signals() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit-logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")
