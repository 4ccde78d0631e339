"""Bearer tokens, the audit actor and the caller's Scope for every API operation."""

from __future__ import annotations

import datetime as dt
import functools

from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from sitewatch.accounts.audit import acting_as
from sitewatch.accounts.login import client_addr
from sitewatch.accounts.models import ApiToken
from sitewatch.accounts.visibility import Scope, scope_for
from sitewatch.api.errors import BAD_TOKEN

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`; only the token's SHA-256 is stored (ApiToken.digest)."""

    def authenticate(self, request, token: str):
        token = token.strip()
        if not token:
            raise AuthenticationError(message=BAD_TOKEN)
        api_token = (
            ApiToken.objects.select_related("user", "user__organisation")
            .filter(digest=ApiToken.hash(token), revoked_at__isnull=True)
            .first()
        )
        if api_token is None or not api_token.user.is_active:
            raise AuthenticationError(message=BAD_TOKEN)
        # A queryset update (no audit row), at most once a minute: a busy client must not
        # turn every read into a write on the shared database.
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        return api_token.user


def with_audit_actor(view_func):
    """Operation decorator: audit rows written while the operation runs name the token's user."""

    @functools.wraps(view_func)
    def wrapper(request, *args, **kwargs):
        with acting_as(getattr(request, "auth", None), remote_addr=client_addr(request), via="api"):
            return view_func(request, *args, **kwargs)

    return wrapper


def scope_of(request) -> Scope:
    """The caller's visibility; cached on the request so one operation builds it once."""
    scope = getattr(request, "_sitewatch_scope", None)
    if scope is None:
        scope = scope_for(getattr(request, "auth", None))
        request._sitewatch_scope = scope
    return scope
