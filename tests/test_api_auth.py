"""Bearer-token authentication, the audit actor, and the `sitewatch token` command."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from sitewatch.accounts.models import ApiToken, AuditAction, AuditEntry, User
from tests.test_api_support import Api, district_id, issue_token


def _token_command(*args) -> str:
    out = io.StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def test_request_without_token_is_401_in_chinese(db):
    response = Api().get("/projects")
    assert response.status_code == 401
    assert "令牌" in response.json()["detail"]


def test_401_names_the_bearer_scheme(db):
    assert Api().get("/projects")["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_is_401(db):
    response = Api("swt_not-a-real-token").get("/projects")
    assert response.status_code == 401
    assert response.json() == {"detail": "接口令牌无效或已吊销。"}


def test_revoked_token_is_401(db):
    token = issue_token("city")
    ApiToken.objects.filter(digest=ApiToken.hash(token)).update(revoked_at=timezone.now())
    assert Api(token).get("/projects").status_code == 401


def test_token_of_inactive_user_is_401(db):
    token = issue_token("city")
    User.objects.filter(username="city").update(is_active=False)
    assert Api(token).get("/projects").status_code == 401


def test_other_authorization_scheme_is_401(db):
    token = issue_token("city")
    assert Api(authorization=f"Token {token}").get("/projects").status_code == 401


def test_session_login_alone_does_not_open_the_api(login):
    assert login("city").get("/api/v1/projects").status_code == 401


def test_valid_token_is_accepted(db):
    assert Api.as_user("city").get("/projects").status_code == 200


def test_using_a_token_records_last_used_at(db):
    token = issue_token("city")
    Api(token).get("/districts")
    assert ApiToken.objects.get(digest=ApiToken.hash(token)).last_used_at is not None


def test_api_change_is_audited_as_the_token_user_via_api(db):
    response = Api.as_user("xiashan").post("/projects", {
        "name": "霞山区审计测试项目", "district": district_id("霞山区"), "investment_cny": "10", "floor_area_m2": "10",
    })
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, model="registry.Project",
                                   object_id=str(response.json()["id"]))
    assert (entry.actor_name, entry.via, entry.actor.username) == ("xiashan", "api", "xiashan")


def test_token_command_prints_the_token_as_its_last_line_and_it_works(db):
    output = _token_command("create", "--user", "xiashan", "--name", "数据共享")
    token = output.strip().splitlines()[-1]
    response = Api(token).get("/projects")
    assert response.status_code == 200
    assert {p["district_name"] for p in response.json()["items"]} == {"霞山区"}


def test_token_command_prints_a_chinese_line_before_the_token(db):
    first, *_ = _token_command("create", "--user", "city").strip().splitlines()
    assert "令牌" in first


def test_token_command_stores_only_prefix_and_digest(db):
    token = _token_command("create", "--user", "city", "--name", "测试").strip().splitlines()[-1]
    stored = ApiToken.objects.get(digest=ApiToken.hash(token))
    assert (stored.prefix, stored.name, stored.user.username) == (token[:8], "测试", "city")
    assert not ApiToken.objects.filter(digest=token).exists()


def test_token_command_for_unknown_user_fails_in_chinese(db):
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        _token_command("create", "--user", "nobody")


def test_token_revoke_command_makes_the_token_unusable(db):
    token = _token_command("create", "--user", "city").strip().splitlines()[-1]
    _token_command("revoke", token[:8])
    assert Api(token).get("/projects").status_code == 401


def test_token_revoke_command_with_unknown_prefix_fails_in_chinese(db):
    with pytest.raises(CommandError, match="没有前缀为"):
        _token_command("revoke", "swt_zzzz")


def test_bearer_requests_need_no_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/firms", json.dumps({"credit_code": "91440800MA56000009", "name": "某公司"}),
                           content_type="application/json", headers={"Authorization": f"Bearer {issue_token('city')}"})
    assert response.status_code == 201
