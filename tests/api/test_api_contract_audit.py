"""End-to-end checks of the Tenure, Contracts and Activity History APIs against the seed specs'
own examples and the standards' error format: what an API consumer sees, one request at a time."""

import json
import logging
import uuid

import pytest

from housing_app.extensions import db
from housing_app.models import Activity, ApiToken
from tests.api.tenure_support import SEED_EXAMPLE, seed_example, tenure_payload

ALL_SCOPES = (
    "tenures:read",
    "tenures:write",
    "contracts:read",
    "contracts:write",
    "activities:read",
    "activities:write",
)

# contracts-api.md, "POST Contracts", request object: verbatim (it is valid JSON as written).
SPEC_CONTRACT_REQUEST = """
{
  "targetId": "72847475-4ef3-4d24-9fd4-6820aeffef0c",
  "targetType": "asset",
  "contractType": "contract type",
  "startDate": "2022-10-11T20:28:41.2041531Z",
  "endDate": "2023-10-11T20:28:41.2041531Z",
  "renewalDate": "2023-10-11T20:28:41.2041531Z",
  "approvalDate": "2023-10-11T20:28:41.2041531Z",
  "relatedPeople": [
    {
      "type": "person",
      "subType": "Landlord",
      "name": "Bob Smith",
      "email": "john.smith@email.com",
      "isResponsible": true,
      "description": "Landlord of the building",
\t  "relatedId": "00000000-0000-0000-0000-000000000000"
    }
  ],
  "charges": [
    {
      "type": "Rent",
      "frequency": "Monthly",
      "amount": 1.3
    }
  ],
  "versionNumber": null,
  "fundingSource": null,
  "costCentre": null,
  "lhaArea": null,
  "lhaRate": null,
  "isActive": true,
  "isVATRegistered": false,
  "stage": null
}
"""

# contracts-api.md, the 201 answer to that request: verbatim, except that ids are made by the
# server and dates carry no fractional seconds (README rules 1 and 5).
SPEC_CONTRACT_RESPONSE = {
    "targetId": "72847475-4ef3-4d24-9fd4-6820aeffef0c",
    "targetType": "asset",
    "contractType": "contract type",
    "startDate": "2022-10-11T20:28:41Z",
    "endDate": "2023-10-11T20:28:41Z",
    "renewalDate": "2023-10-11T20:28:41Z",
    "approvalDate": "2023-10-11T20:28:41Z",
    "relatedPeople": [
        {
            "type": "person",
            "subType": "Landlord",
            "name": "Bob Smith",
            "email": "john.smith@email.com",
            "isResponsible": True,
            "description": "Landlord of the building",
            "phone": None,
            "relatedId": "00000000-0000-0000-0000-000000000000",
        }
    ],
    "charges": [{"type": "Rent", "subType": None, "frequency": "Monthly", "amount": 1.3}],
    "versionNumber": 0,
    "fundingSource": None,
    "costCentre": None,
    "lhaArea": None,
    "lhaRate": None,
    "isActive": True,
    "isVATRegistered": False,
    "stage": None,
}


@pytest.fixture
def headers(api_token):
    return api_token(*ALL_SCOPES, name="Audit client")


def without_ids(value):
    if isinstance(value, dict):
        return {k: without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [without_ids(v) for v in value]
    return value


def shape(value):
    """The keys of every object, recursively (lists by their first element)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None


# --- Tenures: the seed's example ----------------------------------------------------------------


def test_the_seed_tenure_is_read_back_with_exactly_the_seed_shapes(client, headers):
    created = client.post("/api/v1/tenures", json=seed_example(), headers=headers)
    assert created.status_code == 201, created.json
    fetched = client.get(created.headers["Location"], headers=headers)
    assert fetched.json == created.json

    expected = shape(SEED_EXAMPLE)
    expected["id"] = None  # made by the server
    expected["isActive"] = None  # derived: current or former
    expected["tenuredAsset"]["postcode"] = None  # kept for search
    assert shape(fetched.json) == expected
    for key, value in SEED_EXAMPLE.items():
        if key in ("startOfTenureDate", "endOfTenureDate", "successionDate", "evictionDate"):
            assert fetched.json[key] == f"{value}T00:00:00Z"
        elif isinstance(value, bool | int):
            assert fetched.json[key] is value or fetched.json[key] == value, key
    assert fetched.json["charges"] == SEED_EXAMPLE["charges"]
    assert isinstance(fetched.json["charges"]["rent"], int)  # a JSON number, not "0"


# --- Contracts: the spec's example, posted and read back by target page by page -----------------


def test_the_spec_contract_is_created_as_the_spec_answers_and_read_back_page_by_page(client, headers):
    target = SPEC_CONTRACT_RESPONSE["targetId"]
    posted = []
    for _ in range(3):
        response = client.post(
            "/api/v1/contracts",
            data=SPEC_CONTRACT_REQUEST,
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code == 201, response.json
        assert without_ids(response.json) == SPEC_CONTRACT_RESPONSE
        assert set(response.json) == {"id", *SPEC_CONTRACT_RESPONSE}
        posted.append(response.json)

    pages, token = [], None
    while True:
        query = {"targetId": target, "pageSize": 2, **({"paginationToken": token} if token else {})}
        body = client.get("/api/v1/contracts", query_string=query, headers=headers).json
        assert set(body) == {"results", "paginationDetails"}
        pages.append(body["results"])
        token = body["paginationDetails"]["nextToken"]
        if token is None:
            break
    assert [len(page) for page in pages] == [2, 1]
    assert [contract for page in pages for contract in page] == posted


def test_the_spec_patch_example_names_its_bad_dates(client, headers):
    """The spec's PATCH example sends 19-03-2020 style dates: a 400 naming each field."""
    created = client.post(
        "/api/v1/contracts", data=SPEC_CONTRACT_REQUEST, content_type="application/json", headers=headers
    ).json
    response = client.patch(
        f"/api/v1/contracts/{created['id']}",
        json={"versionNumber": 0, "startDate": "19-03-2020", "endDate": "29-05-2023"},
        headers=headers,
    )
    assert response.status_code == 400
    fields = sorted(e["developerMessage"].split(":")[0] for e in response.json["errors"])
    assert fields == ["endDate", "startDate"]


# --- Every error in the standard format ---------------------------------------------------------


def assert_standard_error(response, status):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"errors"} and body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"developerMessage", "userMessage"}, error
        assert error["developerMessage"] and error["userMessage"]
        assert "Traceback" not in error["developerMessage"]


def test_every_kind_of_error_is_in_the_standard_format(app, client, headers, api_token):
    tenure = client.post("/api/v1/tenures", json=tenure_payload(), headers=headers).json
    contract = client.post(
        "/api/v1/contracts", data=SPEC_CONTRACT_REQUEST, content_type="application/json", headers=headers
    ).json
    too_big = "[" + "1," * app.config["API_MAX_BODY_BYTES"] + "1]"
    cases = [
        # 415, 413 and malformed JSON on each resource that takes a body
        *[
            (415, client.post(url, data="a=1", content_type="text/plain", headers=headers))
            for url in ("/api/v1/tenures", "/api/v1/contracts", "/api/v1/activityhistory")
        ],
        *[
            (413, client.post(url, data=too_big, content_type="application/json", headers=headers))
            for url in ("/api/v1/tenures", "/api/v1/contracts", "/api/v1/activityhistory")
        ],
        *[
            (400, client.post(url, data='{"a": ', content_type="application/json", headers=headers))
            for url in ("/api/v1/tenures", "/api/v1/contracts", "/api/v1/activityhistory")
        ],
        # unknown fields
        (400, client.post("/api/v1/tenures", json=tenure_payload(colour="red"), headers=headers)),
        (400, client.post("/api/v1/contracts", json={"colour": "red"}, headers=headers)),
        (400, client.post("/api/v1/activityhistory", json={"colour": "red"}, headers=headers)),
        (400, client.get("/api/v1/contracts", query_string={"colour": "red"}, headers=headers)),
        # 428 / 412 on tenures, 428 / 409 / 412 on contracts
        (428, client.patch(f"/api/v1/tenures/{tenure['id']}", json={"isSublet": True}, headers=headers)),
        (
            412,
            client.patch(
                f"/api/v1/tenures/{tenure['id']}",
                json={"isSublet": True},
                headers={**headers, "If-Match": '"stale"'},
            ),
        ),
        (428, client.patch(f"/api/v1/contracts/{contract['id']}", json={"stage": 1}, headers=headers)),
        (
            409,
            client.patch(
                f"/api/v1/contracts/{contract['id']}", json={"stage": 1, "versionNumber": 7}, headers=headers
            ),
        ),
        (
            412,
            client.patch(
                f"/api/v1/contracts/{contract['id']}",
                json={"stage": 1},
                headers={**headers, "If-Match": '"7"'},
            ),
        ),
        # 401, 403, 404, 405
        (401, client.get("/api/v1/tenures")),
        (401, client.get("/api/v1/contracts", query_string={"targetId": str(uuid.uuid4())})),
        (401, client.get("/api/v1/activityhistory", query_string={"targetId": str(uuid.uuid4())})),
        (403, client.post("/api/v1/contracts", json={}, headers=api_token("contracts:read"))),
        (403, client.post("/api/v1/activityhistory", json={}, headers=api_token("activities:read"))),
        (404, client.get(f"/api/v1/tenures/{uuid.uuid4()}", headers=headers)),
        (404, client.get(f"/api/v1/contracts/{uuid.uuid4()}", headers=headers)),
        (404, client.get("/api/v1/no-such-thing", headers=headers)),
        (405, client.put(f"/api/v1/tenures/{tenure['id']}", json={}, headers=headers)),
    ]
    for status, response in cases:
        assert_standard_error(response, status)


def test_an_unexpected_failure_is_a_500_in_the_standard_format_without_internals(
    app, client, headers, monkeypatch
):
    from housing_app.services import tenures as service

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(service, "search_tenures", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get("/api/v1/tenures", headers=headers)
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert_standard_error(response, 500)
    assert "secret internal detail" not in response.get_data(as_text=True)


# --- Tokens: made, used, listed and revoked from the command line -------------------------------


def test_a_cli_token_authenticates_within_its_scopes_until_revoked_and_is_never_logged(
    client, runner, caplog
):
    caplog.set_level(logging.DEBUG)
    made = runner.invoke(
        args=["tokens", "create", "--name", "Rents", "--scopes", "tenures:read,contracts:read"]
    )
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]
    bearer = {"Authorization": f"Bearer {secret}"}

    assert client.get("/api/v1/tenures", headers=bearer).status_code == 200
    assert (
        client.get(
            "/api/v1/contracts", query_string={"targetId": str(uuid.uuid4())}, headers=bearer
        ).status_code
        == 200
    )
    assert_standard_error(client.post("/api/v1/tenures", json=tenure_payload(), headers=bearer), 403)
    assert_standard_error(
        client.get("/api/v1/activityhistory", query_string={"targetId": str(uuid.uuid4())}, headers=bearer),
        403,
    )

    stored = db.session.scalar(db.select(ApiToken).where(ApiToken.name == "Rents"))
    assert secret not in (stored.token_hash, stored.scopes) and len(stored.token_hash) == 64
    listing = runner.invoke(args=["tokens", "list"])
    assert "Rents" in listing.output and "tenures:read" in listing.output and secret not in listing.output

    assert runner.invoke(args=["tokens", "revoke", str(stored.id)]).exit_code == 0
    assert_standard_error(client.get("/api/v1/tenures", headers=bearer), 401)
    assert "revoked" in runner.invoke(args=["tokens", "list"]).output

    logged = "\n".join(
        record.getMessage() + json.dumps(record.__dict__, default=str) for record in caplog.records
    )
    assert secret not in logged and secret[4:] not in logged


# --- Docs -------------------------------------------------------------------------------------------

OUR_PATHS = ("/api/v1/tenures", "/api/v1/contracts", "/api/v1/activityhistory")
EXPECTED_OPERATIONS = {
    ("/api/v1/tenures", "get"),
    ("/api/v1/tenures", "post"),
    ("/api/v1/tenures/{tenure_id}", "get"),
    ("/api/v1/tenures/{tenure_id}", "patch"),
    ("/api/v1/tenures/{tenure_id}/person/{person_id}", "patch"),
    ("/api/v1/tenures/{tenure_id}/person/{person_id}", "delete"),
    ("/api/v1/contracts", "get"),
    ("/api/v1/contracts", "post"),
    ("/api/v1/contracts/{contract_id}", "get"),
    ("/api/v1/contracts/{contract_id}", "patch"),
    ("/api/v1/contracts/{contract_id}", "delete"),
    ("/api/v1/activityhistory", "get"),
    ("/api/v1/activityhistory", "post"),
}


def test_the_openapi_document_has_an_example_for_every_request_and_response(client):
    document = client.get("/api/v1/openapi.json").json
    found = {
        (path, method)
        for path, operations in document["paths"].items()
        if path.startswith(OUR_PATHS)
        for method in operations
        if method in ("get", "post", "patch", "put", "delete")
    }
    assert found == EXPECTED_OPERATIONS
    missing = []
    for path, method in sorted(found):
        operation = document["paths"][path][method]
        assert operation.get("summary"), (path, method)
        if "requestBody" in operation and not operation["requestBody"]["content"]["application/json"].get(
            "example"
        ):
            missing.append((path, method, "request"))
        assert "422" not in operation["responses"], (path, method, "validation errors are 400s")
        for status, response in operation["responses"].items():
            if status == "default":  # flask-smorest's catch-all: its schema's fields carry examples
                continue
            if "content" in response and not response["content"]["application/json"].get("example"):
                missing.append((path, method, status))
    assert missing == []
    errors = document["components"]["schemas"]["ErrorItem"]["properties"]
    assert errors["developerMessage"]["example"] and errors["userMessage"]["example"]


def test_the_docs_page_loads_swagger_ui_from_our_own_files(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    for asset in (
        "/static/dist/swagger-ui/swagger-ui.css",
        "/static/dist/swagger-ui/swagger-ui-bundle.js",
        "/static/src/swagger-init.js",
    ):
        assert asset in html
        assert client.get(asset).status_code == 200, asset
    document = client.get("/api/v1/openapi.json").json
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


# --- Activities: nothing left behind by a failed change -----------------------------------------


def test_refused_changes_leave_no_activity(client, headers):
    tenure = client.post("/api/v1/tenures", json=tenure_payload(), headers=headers).json
    contract = client.post(
        "/api/v1/contracts", data=SPEC_CONTRACT_REQUEST, content_type="application/json", headers=headers
    ).json
    before = db.session.scalar(db.select(db.func.count()).select_from(Activity))
    etag = client.get(f"/api/v1/tenures/{tenure['id']}", headers=headers).headers["ETag"]
    refused = [
        client.post("/api/v1/tenures", json=tenure_payload(code="XYZ"), headers=headers),
        client.patch(f"/api/v1/tenures/{tenure['id']}", json={"isSublet": True}, headers=headers),
        client.patch(
            f"/api/v1/tenures/{tenure['id']}",
            json={"endOfTenureDate": "1999-01-01"},
            headers={**headers, "If-Match": etag},
        ),
        client.patch(
            f"/api/v1/tenures/{tenure['id']}/person/{uuid.uuid4()}",
            json={"isResponsible": True},
            headers={**headers, "If-Match": etag},
        ),
        client.delete(
            f"/api/v1/tenures/{tenure['id']}/person/{uuid.uuid4()}", headers={**headers, "If-Match": etag}
        ),
        client.post(
            "/api/v1/contracts", json={**json.loads(SPEC_CONTRACT_REQUEST), "stage": -1}, headers=headers
        ),
        client.patch(
            f"/api/v1/contracts/{contract['id']}", json={"stage": 2, "versionNumber": 5}, headers=headers
        ),
        client.patch(
            f"/api/v1/contracts/{contract['id']}",
            json={"versionNumber": 0, "endDate": "2000-01-01"},
            headers=headers,
        ),
        client.delete(f"/api/v1/contracts/{contract['id']}", headers={**headers, "If-Match": '"3"'}),
    ]
    assert [r.status_code for r in refused] == [400, 428, 400, 400, 404, 400, 409, 400, 412]
    assert db.session.scalar(db.select(db.func.count()).select_from(Activity)) == before


@pytest.mark.parametrize("moment", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_date_whose_utc_time_falls_outside_the_calendar_is_a_400(client, headers, moment):
    tenure = tenure_payload(start=moment)
    tenure["householdMembers"][0]["dateOfBirth"] = moment
    response = client.post("/api/v1/tenures", json=tenure, headers=headers)
    assert_standard_error(response, 400)
    fields = sorted(e["developerMessage"].split(":")[0] for e in response.json["errors"])
    assert fields == ["householdMembers.0.dateOfBirth", "startOfTenureDate"]
    contract = {**json.loads(SPEC_CONTRACT_REQUEST), "startDate": moment, "endDate": None}
    assert_standard_error(client.post("/api/v1/contracts", json=contract, headers=headers), 400)


def test_a_name_too_long_to_search_by_is_a_400_not_a_database_error(client, headers):
    """Each word of a member's name is indexed for search (up to 100 characters)."""
    payload = tenure_payload(members=[("A" * 150 + " Bloggs", True)])
    response = client.post("/api/v1/tenures", json=payload, headers=headers)
    assert_standard_error(response, 400)
    assert response.json["errors"][0]["developerMessage"].startswith("householdMembers.0.fullName:")
    tenure = client.post("/api/v1/tenures", json=tenure_payload(), headers=headers).json
    etag = client.get(f"/api/v1/tenures/{tenure['id']}", headers=headers).headers["ETag"]
    person = client.patch(
        f"/api/v1/tenures/{tenure['id']}/person/{uuid.uuid4()}",
        json={"fullName": "Jo " + "B" * 101},
        headers={**headers, "If-Match": etag},
    )
    assert_standard_error(person, 400)
    ok = client.post(
        "/api/v1/tenures", json=tenure_payload(members=[("A" * 100 + " B", True)]), headers=headers
    )
    assert ok.status_code == 201


def post_raw(client, url, body, headers):
    """Send `body` as JSON text as a client might: lone surrogates escaped as \\udxxx."""
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)


@pytest.mark.parametrize("text", ["\ud800", "a\u0000b"])
def test_text_the_database_cannot_store_is_a_400(client, headers, text):
    contract = {**json.loads(SPEC_CONTRACT_REQUEST), "contractType": text}
    assert_standard_error(post_raw(client, "/api/v1/contracts", contract, headers), 400)
    person = {**json.loads(SPEC_CONTRACT_REQUEST)["relatedPeople"][0], "description": text}
    contract = {**json.loads(SPEC_CONTRACT_REQUEST), "relatedPeople": [person]}
    assert_standard_error(post_raw(client, "/api/v1/contracts", contract, headers), 400)


@pytest.mark.parametrize(
    "data", [{"name": "\ud800"}, {"name": "a\u0000"}, {"\ud800": 1}, {"names": [{"first": "\ud800"}]}]
)
def test_activity_data_that_could_not_be_shown_is_refused(client, headers, data):
    """Another service's activity is shown on officers' pages: it must be text a page can hold."""
    target = str(uuid.uuid4())
    body = {"type": "create", "targetType": "tenure", "targetId": target, "newData": data}
    response = post_raw(client, "/api/v1/activityhistory", body, headers)
    assert_standard_error(response, 400)
    assert response.json["errors"][0]["developerMessage"].startswith("newData")
    assert (
        client.get("/api/v1/activityhistory", query_string={"targetId": target}, headers=headers).json[
            "results"
        ]
        == []
    )


def test_patches_report_every_problem_at_once_including_those_against_the_stored_tenure(client, headers):
    tenure = client.post("/api/v1/tenures", json=tenure_payload(start="2020-01-01"), headers=headers).json
    url = f"/api/v1/tenures/{tenure['id']}"
    if_match = {**headers, "If-Match": client.get(url, headers=headers).headers["ETag"]}

    def problems(response):
        assert_standard_error(response, 400)
        return sorted(e["developerMessage"].split(":")[0] for e in response.json["errors"])

    patch = client.patch(url, json={"isSublet": "yes", "endOfTenureDate": "2019-12-31"}, headers=if_match)
    assert problems(patch) == ["endOfTenureDate", "isSublet"]
    new_person = client.patch(
        f"{url}/person/{uuid.uuid4()}", json={"dateOfBirth": "11/02/1951"}, headers=if_match
    )
    assert problems(new_person) == ["dateOfBirth", "fullName"]
    other_id = client.patch(
        f"{url}/person/{uuid.uuid4()}",
        json={"id": str(uuid.uuid4()), "fullName": "A B", "isResponsible": "yes"},
        headers=if_match,
    )
    assert problems(other_id) == ["id", "isResponsible"]


def test_a_contract_patch_reports_every_problem_at_once(client, headers):
    contract = client.post(
        "/api/v1/contracts", data=SPEC_CONTRACT_REQUEST, content_type="application/json", headers=headers
    ).json  # 2022-10-11 to 2023-10-11
    foreign = str(uuid.uuid4())
    response = client.patch(
        f"/api/v1/contracts/{contract['id']}",
        json={
            "versionNumber": 0,
            "stage": "two",
            "endDate": "2021-01-01",
            "charges": [{"id": foreign, "frequency": "Weekly", "amount": 3}],
        },
        headers=headers,
    )
    assert_standard_error(response, 400)
    fields = sorted(e["developerMessage"].split(":")[0] for e in response.json["errors"])
    assert fields == ["charges.0.id", "endDate", "stage"]
    assert client.get(f"/api/v1/contracts/{contract['id']}", headers=headers).json == contract


def test_a_401_says_how_to_authenticate(client):
    for response in (
        client.get("/api/v1/tenures"),
        client.get("/api/v1/tenures", headers={"Authorization": "Bearer nope"}),
        client.get("/api/v1/contracts", query_string={"targetId": str(uuid.uuid4())}),
    ):
        assert_standard_error(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_activity_data_with_numbers_json_cannot_carry_is_refused(client, headers, number):
    """Python's parser lets NaN and Infinity through; JSON (and PostgreSQL) do not."""
    target = uuid.uuid4()
    body = (
        f'{{"type": "create", "targetType": "tenure", "targetId": "{target}", '
        f'"newData": {{"rent": {number}}}}}'
    )
    response = client.post(
        "/api/v1/activityhistory", data=body, content_type="application/json", headers=headers
    )
    assert_standard_error(response, 400)
    assert response.json["errors"][0]["developerMessage"].startswith("newData")


def test_a_stale_contract_patch_is_a_conflict_even_when_it_no_longer_fits(client, headers):
    contract = client.post(
        "/api/v1/contracts", data=SPEC_CONTRACT_REQUEST, content_type="application/json", headers=headers
    ).json  # 2022-10-11 to 2023-10-11
    url = f"/api/v1/contracts/{contract['id']}"
    moved = client.patch(url, json={"versionNumber": 0, "startDate": "2023-01-01"}, headers=headers)
    assert moved.status_code == 200
    # A client still holding version 0 sends an end date that fitted what it read.
    stale = client.patch(url, json={"versionNumber": 0, "endDate": "2022-12-01"}, headers=headers)
    assert_standard_error(stale, 409)
    stale_etag = client.patch(url, json={"endDate": "2022-12-01"}, headers={**headers, "If-Match": '"0"'})
    assert_standard_error(stale_etag, 412)


def test_a_stale_tenure_patch_is_412_even_when_it_no_longer_fits(client, headers):
    tenure = client.post("/api/v1/tenures", json=tenure_payload(start="2020-01-01"), headers=headers).json
    url = f"/api/v1/tenures/{tenure['id']}"
    old_etag = client.get(url, headers=headers).headers["ETag"]
    moved = client.patch(
        url, json={"startOfTenureDate": "2021-01-01"}, headers={**headers, "If-Match": old_etag}
    )
    assert moved.status_code == 200
    stale = client.patch(
        url, json={"endOfTenureDate": "2020-06-01"}, headers={**headers, "If-Match": old_etag}
    )
    assert_standard_error(stale, 412)
    unconditional = client.patch(url, json={"endOfTenureDate": "2020-06-01"}, headers=headers)
    assert_standard_error(unconditional, 428)
