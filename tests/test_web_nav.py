"""The main navigation: every page is reachable from it, the current one marked."""

import re

import pytest

pytestmark = pytest.mark.django_db


def nav(body: str) -> str:
    return re.search(r'<nav class="mainnav".*?</nav>', body, re.S).group(0)


@pytest.mark.parametrize("username", ["city", "xiashan", "contractor"])
def test_notifications_are_in_the_main_navigation(login, username):
    links = nav(login(username).get("/").content.decode())
    assert '<a href="/notifications/">通知</a>' in links


def test_notifications_link_is_marked_on_the_notifications_page(login):
    links = nav(login("city").get("/notifications/").content.decode())
    assert '<a href="/notifications/" aria-current="page">通知</a>' in links
    assert links.count('aria-current="page"') == 1


def test_anonymous_visitor_sees_no_navigation(db, client):
    assert 'class="mainnav"' not in client.get("/login/").content.decode()
