"""Login throttling counts the failure rows of the audit log, per account and per address."""

import pytest
from django.test import Client

from sitewatch.core.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def _fail(client, username, addr):
    client.post("/login/", {"username": username, "password": "not-the-password"}, REMOTE_ADDR=addr)


def _can_log_in(username, addr) -> bool:
    client = Client()
    client.post("/login/", {"username": username, "password": DEMO_PASSWORD}, REMOTE_ADDR=addr)
    return "_auth_user_id" in client.session


def test_failures_of_one_account_do_not_lock_another_on_the_same_address(settings):
    client = Client()
    for _ in range(settings.LOGIN_MAX_FAILURES):
        _fail(client, "chikan", "10.9.0.1")
    assert not _can_log_in("chikan", "10.9.0.2")
    assert _can_log_in("xiashan", "10.9.0.1")


def test_one_address_failing_on_many_accounts_is_locked(settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 6
    client = Client()
    for n in range(6):
        _fail(client, f"guess{n}", "10.9.0.3")
    assert not _can_log_in("xiashan", "10.9.0.3")
    assert _can_log_in("xiashan", "10.9.0.4")


def test_lock_ends_after_the_window(settings):
    import datetime as dt

    from django.utils import timezone

    from sitewatch.accounts.login import is_throttled

    client = Client()
    for _ in range(settings.LOGIN_MAX_FAILURES):
        _fail(client, "potou", "10.9.0.5")
    later = timezone.now() + dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1)
    assert is_throttled(username="potou", remote_addr="10.9.0.5", now=timezone.now())
    assert not is_throttled(username="potou", remote_addr="10.9.0.5", now=later)
