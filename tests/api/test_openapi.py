"""The OpenAPI document: valid 3.1, and in step with the routes, their scopes, their query
arguments and their actual answers; the interactive page loads only local assets."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from app.api.views import DOCUMENTATION_ENDPOINTS
from tests.api.conftest import bearer

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def document(client):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.json


def api_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(f"{PREFIX}/") and rule.endpoint not in DOCUMENTATION_ENDPOINTS
    ]


def openapi_path(rule) -> str:
    """/api/v1/me/tokens/<int:token_id> -> /me/tokens/{token_id}"""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX) :])


def test_the_document_needs_no_token_and_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_the_document_has_the_bearer_scheme_the_error_and_the_envelope(document):
    components = document["components"]
    scheme = components["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "profile:read" in scheme["description"]
    assert {"Problem", "Meta", "PageMeta", "CursorMeta"} <= set(components["schemas"])
    assert document["servers"] == [{"url": PREFIX}]


def test_documented_paths_and_methods_are_exactly_the_routes(app, document):
    routes = {
        (openapi_path(rule), method.lower())
        for rule in api_rules(app)
        for method in rule.methods - IGNORED_METHODS
    }
    documented = {
        (path, method) for path, operations in document["paths"].items() for method in operations
    }
    assert routes, "no API routes found"
    assert documented == routes


def test_every_route_needs_a_token_with_the_documented_scopes(app, document):
    for rule in api_rules(app):
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "api_scopes"), f"{rule.rule} is not behind token_required"
        for method in rule.methods - IGNORED_METHODS:
            operation = document["paths"][openapi_path(rule)][method.lower()]
            assert operation["security"] == [{"bearerAuth": list(view.api_scopes)}], rule.rule
            assert "401" in operation["responses"] and "403" in operation["responses"]


def test_documented_query_parameters_are_the_validated_ones(app, document):
    for rule in api_rules(app):
        view = app.view_functions[rule.endpoint]
        checked = getattr(view, "api_query_args", {})
        for method in rule.methods - IGNORED_METHODS:
            operation = document["paths"][openapi_path(rule)][method.lower()]
            documented = {
                p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"
            }
            expected = {
                parameter["name"]: parameter
                for name, argument in checked.items()
                for parameter in argument.parameters(name)
            }
            assert documented == expected, rule.rule
            if checked:
                assert "400" in operation["responses"]


def response_validator(document, path: str, status: str = "200") -> Draft202012Validator:
    operation = document["paths"][path]["get"]
    response = operation["responses"][status]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    content = response["content"]
    schema = content.get("application/json", content.get("application/problem+json"))["schema"]
    return Draft202012Validator({**schema, "components": document["components"]})


def test_real_answers_match_the_documented_schemas(client, document, student, make_token, db):
    from tests import factories

    college = factories.college()
    other = factories.person(college_id=college.id, roles=["volunteer", "editor"])
    db.session.commit()
    secret = make_token(student)
    make_token(other)
    for path in ("/me", "/me/tokens"):
        answer = client.get(PREFIX + path, headers=bearer(secret)).json
        response_validator(document, path).validate(answer)
    rich = make_token(other)
    response_validator(document, "/me").validate(
        client.get(f"{PREFIX}/me", headers=bearer(rich)).json
    )
    refused = client.get(f"{PREFIX}/me").json
    response_validator(document, "/me", "401").validate(refused)
    bad = client.get(f"{PREFIX}/me/tokens?per_page=0", headers=bearer(secret)).json
    response_validator(document, "/me/tokens", "400").validate(bad)


def test_the_docs_page_loads_vendored_assets_and_no_inline_script(client):
    response = client.get(f"{PREFIX}/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "https://" not in html and "http://" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any("swagger-ui-bundle.js" in a for a in assets)
    assert any("api-docs.js" in a for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert client.get("/static/vendor/swagger-ui-5.35.0/LICENSE").status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
