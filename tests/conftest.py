"""The tests' fixed cast: the demo world (sitewatch/core/demo.py), built once per run.

Tests run inside a transaction that is rolled back, so the cast is the same for every
test. A test that needs `transactional_db` flushes the database afterwards and must
rebuild what it needs (pytest-django runs those after all the others).
"""

from __future__ import annotations

import pytest
from django.test import Client

from sitewatch.core.demo import build_demo


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        build_demo()


@pytest.fixture
def users(db):
    from sitewatch.accounts.models import User

    return {user.username: user for user in User.objects.select_related("organisation")}


@pytest.fixture
def login(db):
    """login("xiashan") -> a Django test client with that demo user's session."""
    from sitewatch.accounts.models import User

    def make(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return make


@pytest.fixture
def scope_of(db):
    """scope_of("xiashan") -> that demo user's visibility Scope."""
    from sitewatch.accounts.models import User
    from sitewatch.accounts.visibility import scope_for

    return lambda username: scope_for(User.objects.select_related("organisation").get(username=username))
