"""Helpers for the API tests (no tests here): a JSON client that carries a bearer token."""

from __future__ import annotations

import json

from django.test import Client

from sitewatch.accounts.models import ApiToken, User
from sitewatch.registry.models import District, Project

BASE = "/api/v1"


def issue_token(username: str, *, name: str = "测试") -> str:
    token = ApiToken.generate()
    ApiToken.objects.create(user=User.objects.get(username=username), name=name, prefix=token[:8],
                            digest=ApiToken.hash(token))
    return token


class Api:
    """api = Api.as_user("xiashan"); api.get("/projects", status="active").json()"""

    def __init__(self, token: str | None = None, *, authorization: str | None = None):
        self.client = Client()
        self.headers = {}
        if authorization is not None:
            self.headers["Authorization"] = authorization
        elif token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def as_user(cls, username: str) -> Api:
        return cls(issue_token(username))

    def get(self, path: str, **params):
        return self.client.get(BASE + path, params, headers=self.headers)

    def post(self, path: str, data, *, raw: bool = False):
        body = data if raw else json.dumps(data)
        return self.client.post(BASE + path, body, content_type="application/json", headers=self.headers)

    def patch(self, path: str, data):
        return self.client.patch(BASE + path, json.dumps(data), content_type="application/json", headers=self.headers)


def district_id(name: str) -> int:
    return District.objects.get(name=name).pk


def project_id(name: str) -> int:
    return Project.objects.get(name=name).pk


def messages(response) -> dict:
    """{field: message} of a 422 body."""
    return {e["field"]: e["message"] for e in response.json()["errors"]}
