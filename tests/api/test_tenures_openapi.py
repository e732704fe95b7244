"""The Tenure API against its own OpenAPI document: property-based (schemathesis) and by hand.

Schemathesis generates requests from /api/v1/openapi.json; each response must not be a 5xx and
must match what the document says (status codes, content types, headers, bodies). Requests that
name a tenure are pointed at a real one, and If-Match at its current ETag half of the time, so
the update paths run with generated bodies, not just the 404s.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.tenure_support import make_token, tenure_payload

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def tenure_operations(app):
    # schemathesis' own pytest plugin does not run under pytest 9 yet, so each operation's
    # strategy is driven by hypothesis directly.
    document = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in document.include(path_regex="^/api/v1/tenures").get_all_operations()]


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_tenure_api_matches_its_openapi_document(app, client, mode):
    headers = make_token("tenures:read", "tenures:write")
    payload = tenure_payload(members=[("Jo Bloggs", True), ("Sam Bloggs", False)])
    tenure_id = client.post("/api/v1/tenures", json=payload, headers=headers).json["id"]
    operations = tenure_operations(app)
    assert len(operations) == 6

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            if case.path_parameters and "tenure_id" in case.path_parameters:
                case.path_parameters["tenure_id"] = tenure_id
                if case.headers and "If-Match" in case.headers and len(str(case.body)) % 2 == 0:
                    current = client.get(f"/api/v1/tenures/{tenure_id}", headers=headers)
                    case.headers["If-Match"] = current.headers["ETag"]
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        check()


def test_the_document_lists_every_tenure_operation_with_examples(client):
    document = client.get("/api/v1/openapi.json").json
    paths = document["paths"]
    operations = {
        ("/api/v1/tenures", "get"),
        ("/api/v1/tenures", "post"),
        ("/api/v1/tenures/{tenure_id}", "get"),
        ("/api/v1/tenures/{tenure_id}", "patch"),
        ("/api/v1/tenures/{tenure_id}/person/{person_id}", "patch"),
        ("/api/v1/tenures/{tenure_id}/person/{person_id}", "delete"),
    }
    for path, method in operations:
        operation = paths[path][method]
        if "requestBody" in operation:
            assert operation["requestBody"]["content"]["application/json"]["example"], (path, method)
        for status, response in operation["responses"].items():
            if status == "default" or "content" not in response:
                continue
            assert response["content"]["application/json"].get("example"), (path, method, status)
        assert "422" not in operation["responses"], "validation errors are 400s"
    patch = paths["/api/v1/tenures/{tenure_id}"]["patch"]
    assert {"400", "412", "428", "204"} <= set(patch["responses"])
    assert any(p["name"] == "If-Match" and p["required"] for p in patch["parameters"])
    default_error = document["components"]["responses"]["DEFAULT_ERROR"]
    assert default_error["content"]["application/json"]["schema"]["$ref"].endswith("/Errors")


def test_the_docs_page_serves_swagger_ui(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger" in response.data.lower()


def test_documentation_decorators_describe_a_view_without_wrapping_it(app, client):
    """blp.doc and blp.alt_response (housing_app/api/blueprint.py) add to the document only: the
    view served for a read by id is its scope check, flask-smorest's response and the view."""
    view, layers = app.view_functions["tenures.get_tenure"], 0
    while hasattr(view, "__wrapped__"):
        view, layers = view.__wrapped__, layers + 1
    assert view.__name__ == "get_tenure" and layers == 2

    operation = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/tenures/{tenure_id}"]["get"]
    assert {"200", "304", "401", "403", "404"} <= set(operation["responses"])
    assert any(parameter["name"] == "If-None-Match" for parameter in operation["parameters"])
    example = operation["responses"]["404"]["content"]["application/json"]["example"]
    assert example["errors"][0]["developerMessage"]
