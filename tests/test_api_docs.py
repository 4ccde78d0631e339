"""The OpenAPI document, the offline docs page, and answers for unknown endpoints."""

from __future__ import annotations

import re

import pytest
from django.test import Client

CONTRACT_PATHS = {
    "/api/v1/districts": {"get"},
    "/api/v1/districts/{id}": {"get"},
    "/api/v1/firms": {"get", "post"},
    "/api/v1/firms/{id}": {"get", "patch"},
    "/api/v1/projects": {"get", "post"},
    "/api/v1/projects/{id}": {"get", "patch"},
    "/api/v1/points": {"get", "post"},
    "/api/v1/points/{id}": {"get", "patch"},
    "/api/v1/devices": {"get", "post"},
    "/api/v1/devices/{id}": {"get", "patch"},
    "/api/v1/device-models": {"get", "post"},
    "/api/v1/device-models/{id}": {"get", "patch"},
    "/api/v1/devices/{id}/readings": {"get"},
    "/api/v1/devices/{id}/channels": {"get"},
    "/api/v1/applications": {"get", "post"},
    "/api/v1/applications/{id}": {"get"},
    "/api/v1/applications/{id}/actions": {"post"},
    "/api/v1/changes": {"get", "post"},
    "/api/v1/changes/{id}": {"get"},
    "/api/v1/changes/{id}/actions": {"post"},
    "/api/v1/notices": {"get", "post"},
    "/api/v1/cannot-connect": {"get", "post"},
    "/api/v1/cannot-connect/{id}": {"get"},
    "/api/v1/unregistered-devices": {"get"},
    "/api/v1/assessments": {"get"},
    "/api/v1/assessments/{id}": {"get"},
    "/api/v1/assessments/{id}/evidence": {"get"},
    "/api/v1/episodes": {"get"},
    "/api/v1/episodes/{id}/recovery-report": {"post"},
    "/api/v1/sanctions": {"get"},
    "/api/v1/sanctions/{id}": {"get"},
    "/api/v1/sanctions/{id}/interview": {"post"},
    "/api/v1/bulletins": {"get"},
    "/api/v1/bulletins/{month}": {"get"},
    "/api/v1/cases": {"get"},
    "/api/v1/cases/{id}": {"get"},
    "/api/v1/cases/{id}/actions": {"post"},
    "/api/v1/cases/{id}/evidence": {"post"},
    "/api/v1/cases/{id}/evidence/{eid}": {"get"},
    "/api/v1/site-records": {"get", "post"},
    "/api/v1/violation-types": {"get"},
}


@pytest.fixture
def openapi(db):
    return Client().get("/api/v1/openapi.json").json()


@pytest.fixture
def docs_page(db) -> str:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    return response.content.decode()


def test_openapi_lists_every_route_without_trailing_slash(openapi):
    assert {path: set(ops) for path, ops in openapi["paths"].items()} == CONTRACT_PATHS


def test_openapi_declares_bearer_security(openapi):
    assert openapi["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


def test_openapi_summaries_are_chinese(openapi):
    assert openapi["paths"]["/api/v1/projects"]["post"]["summary"] == "登记工程项目"


def test_openapi_device_output_has_no_secret_fields(openapi):
    fields = set(openapi["components"]["schemas"]["DeviceOut"]["properties"])
    assert {"has_gb_password", "has_hj212_password"} <= fields
    assert not fields & {"gb_password", "hj212_password"}


def test_openapi_marks_secrets_write_only(openapi):
    assert openapi["components"]["schemas"]["DeviceIn"]["properties"]["gb_password"]["writeOnly"] is True


def test_openapi_documents_chinese_error_answers(openapi):
    responses = openapi["paths"]["/api/v1/projects/{id}"]["patch"]["responses"]
    assert {"200", "401", "403", "404", "422"} <= set(responses)
    assert responses["404"]["description"] == "对象不存在或不在您的管辖范围内"


def test_docs_page_lists_every_operation(docs_page, openapi):
    for path, operations in openapi["paths"].items():
        for operation in operations.values():
            assert f'id="{operation["operationId"]}"' in docs_page
            assert operation["summary"] in docs_page
        assert path in docs_page


def test_docs_page_describes_fields_in_chinese(docs_page):
    assert "工程投资额（元）" in docs_page and "只写" in docs_page


def test_docs_page_loads_nothing_from_another_host(docs_page):
    assert not re.search(r"https?://", docs_page)
    assert not re.search(r"<script[^>]*\ssrc=", docs_page)
    assert not re.search(r"<link[^>]*stylesheet", docs_page)


def test_unknown_endpoint_answers_json_404_in_chinese(db):
    response = Client().get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert "接口不存在" in response.json()["detail"]
