"""The process JSON API: layouts by page id, create / get / patch, responses validated against
the layout, status and the review grouped by contact id."""

import io
import random
import uuid

import pytest
from PIL import Image

from housing_app.extensions import db
from housing_app.models import Activity, Answer, Process, ProcessPhoto
from housing_app.processes.service import find_page
from housing_app.services.storage import get_storage
from tests.conftest import make_user
from tests.processes.conftest import (
    PARTNER_ID,
    TENANT_ID,
    at_once,
    client_for,
    fresh_get,
    image_bytes,
    start,
)
from tests.processes.test_photos import jpeg_with_location

CRM_GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def test_page_layout_by_page_id(client, api_token, thc):
    page = find_page(thc, "present-for-check")
    response = client.get(f"/api/v1/processes/pages/{page.id}/layout", headers=api_token("processes:read"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["pageId"] == str(page.id) and body["key"] == "present-for-check"
    assert body["processType"] == {"code": "tenancy_household_check", "name": "Tenancy and Household Check"}
    assert body["layoutVersion"] == 1 and body["section"] == {"key": "visit", "title": "Present for check"}
    keys = [e.get("key") for e in body["elements"]]
    assert keys[:3] == [None, "tenantPresent", "tenantAbsentReason"]
    assert body["elements"][2]["showWhen"] == {"key": "tenantPresent", "equals": "no"}

    missing = client.get(
        f"/api/v1/processes/pages/{uuid.uuid4()}/layout", headers=api_token("processes:read")
    )
    assert missing.status_code == 404 and missing.get_json()["errors"][0]["userMessage"]


def test_create_get_and_patch_a_process(client, api_token, layouts, tenure, officer):
    headers = api_token("processes:read", "processes:write")
    response = client.post(
        "/api/v1/processes",
        json={
            "tenureId": str(tenure.id),
            "processType": "home_check",
            "crmInteractionGuid": CRM_GUID,
            "officerEmail": officer.email.upper(),
        },
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["reference"] == "HC-000001" and created["status"] == "in_progress"
    assert created["crmInteractionGuid"] == CRM_GUID and created["officer"]["email"] == officer.email
    assert created["createdAt"].endswith("Z") and len(created["createdAt"]) == 20
    assert created["submittedAt"] is None
    assert [m["fullName"] for m in created["tenureSnapshot"]["householdMembers"]] == [
        "Amina Okafor",
        "Daniel Okafor",
    ]
    assert created["pages"][0]["key"] == "present-for-check"

    fetched = client.get(f"/api/v1/processes/{created['id']}", headers=headers).get_json()
    assert fetched == created

    other = make_user("officer", email="second@hackney.example")
    patched = client.patch(
        f"/api/v1/processes/{created['id']}",
        json={"crmInteractionGuid": None, "officerEmail": other.email},
        headers=headers,
    )
    assert patched.status_code == 200
    assert patched.get_json()["crmInteractionGuid"] is None and patched.get_json()["officer"]["id"] == str(
        other.id
    )
    activities = db.session.scalars(
        db.select(Activity).where(Activity.target_id == uuid.UUID(created["id"]))
    ).all()
    assert sorted(a.type for a in activities) == ["create", "update"]
    update = next(a for a in activities if a.type == "update")
    assert update.author_full_name == "API client: test client"
    assert update.new_data == {"crmInteractionGuid": None, "officerId": str(other.id)}


def test_create_refuses_bad_input_with_clear_errors(client, api_token, layouts, tenure, officer):
    headers = api_token("processes:write")
    cases = [
        (
            {"tenureId": str(uuid.uuid4()), "processType": "home_check", "officerEmail": officer.email},
            "tenureId",
        ),
        (
            {"tenureId": str(tenure.id), "processType": "gas_check", "officerEmail": officer.email},
            "processType",
        ),
        (
            {"tenureId": str(tenure.id), "processType": "home_check", "officerEmail": "nobody@x.example"},
            "officerEmail",
        ),
        (
            {
                "tenureId": str(tenure.id),
                "processType": "home_check",
                "officerEmail": officer.email,
                "crmInteractionGuid": "x",
            },
            "crmInteractionGuid",
        ),
        ({"processType": "home_check", "officerEmail": officer.email}, "tenureId"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/processes", json=body, headers=headers)
        assert response.status_code == 400, body
        assert field in response.get_json()["errors"][0]["developerMessage"], response.get_json()
    assert db.session.scalars(db.select(Process)).all() == []


def test_scopes_are_required(client, api_token, thc):
    assert client.get(f"/api/v1/processes/{thc.id}").status_code == 401
    assert client.get(f"/api/v1/processes/{thc.id}", headers=api_token("tenures:read")).status_code == 403
    response = client.post(
        f"/api/v1/processes/{thc.id}/responses",
        json={"pageId": str(uuid.uuid4()), "responses": [{"key": "x", "value": "y"}]},
        headers=api_token("processes:read"),
    )
    assert response.status_code == 403


def test_two_saves_of_responses_at_once_take_turns_and_keep_one_answer_per_member(client, api_token, thc):
    """As an officer's saves do (test_answers): the second waits for the first, then changes
    the member's answer the first added."""
    headers = api_token("processes:read", "processes:write")
    url, page_id = f"/api/v1/processes/{thc.id}/responses", str(find_page(thc, "present-for-check").id)

    def save(value):
        member = {"key": "memberPresent", "contactId": str(TENANT_ID), "value": value}
        return lambda: client.application.test_client().post(
            url, json={"pageId": page_id, "responses": [member]}, headers=headers
        )

    responses = at_once(save("no"), save("yes"))
    assert [response.status_code for response in responses] == [200, 200]
    db.session.expire_all()
    query = db.select(Answer.value).where(Answer.process_id == thc.id, Answer.key == "memberPresent")
    assert db.session.scalars(query).all() == ["yes"]


def test_responses_round_trip_and_are_validated_against_the_layout(client, api_token, thc):
    headers = api_token("processes:read", "processes:write")
    page = find_page(thc, "present-for-check")
    body = {
        "pageId": str(page.id),
        "responses": [
            {"key": "tenantPresent", "value": "yes"},
            {"key": "memberPresent", "contactId": str(TENANT_ID), "value": "yes"},
            {"key": "memberPresent", "contactId": str(PARTNER_ID), "value": "no"},
        ],
    }
    response = client.post(f"/api/v1/processes/{thc.id}/responses", json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    listed = client.get(f"/api/v1/processes/{thc.id}/responses", headers=headers).get_json()
    assert listed["metadata"]["resultset"] == {"count": 3, "offset": 0, "limit": 100}
    assert {(r["key"], r["contactId"], r["value"]) for r in listed["results"]} == {
        ("tenantPresent", None, "yes"),
        ("memberPresent", str(TENANT_ID), "yes"),
        ("memberPresent", str(PARTNER_ID), "no"),
    }
    assert all(r["pageId"] == str(page.id) and r["updatedAt"].endswith("Z") for r in listed["results"])
    second = client.get(f"/api/v1/processes/{thc.id}/responses?offset=1&limit=1", headers=headers).get_json()
    assert len(second["results"]) == 1 and second["metadata"]["resultset"]["count"] == 3

    bad = {
        "pageId": str(page.id),
        "responses": [
            {"key": "tenantPresent", "value": "perhaps"},
            {"key": "memberPresent", "value": "yes"},
            {"key": "tenantPresent", "contactId": str(TENANT_ID), "value": "yes"},
            {"key": "noSuchQuestion", "value": "x"},
            {"key": "interpreterUsed", "value": "no"},
        ],
    }
    response = client.post(f"/api/v1/processes/{thc.id}/responses", json=bad, headers=headers)
    assert response.status_code == 400
    messages = [e["developerMessage"] for e in response.get_json()["errors"]]
    assert len(messages) == 4
    assert messages[0].startswith("responses[0].value: Choose one of the options")
    assert messages[1].startswith("responses[1].contactId") and messages[2].startswith(
        "responses[2].contactId"
    )
    assert messages[3].startswith("responses[3].key: 'noSuchQuestion' is not a question")
    # All or nothing: the valid response in the bad request was not saved.
    assert db.session.scalar(db.select(Answer).where(Answer.key == "interpreterUsed")) is None

    other_version_page = {"pageId": str(uuid.uuid4()), "responses": [{"key": "tenantPresent", "value": "no"}]}
    response = client.post(f"/api/v1/processes/{thc.id}/responses", json=other_version_page, headers=headers)
    assert (
        response.status_code == 400
        and "is not a page of this process" in response.get_json()["errors"][0]["developerMessage"]
    )

    # null removes an answer.
    removal = {"pageId": str(page.id), "responses": [{"key": "tenantPresent", "value": None}]}
    assert (
        client.post(f"/api/v1/processes/{thc.id}/responses", json=removal, headers=headers).status_code == 200
    )
    assert db.session.scalar(db.select(Answer).where(Answer.key == "tenantPresent")) is None


def test_status_and_review(client, api_token, thc):
    headers = api_token("processes:read", "processes:write")
    page = find_page(thc, "present-for-check")
    answers = [
        {"key": "tenantPresent", "value": "yes"},
        {"key": "visitLocation", "value": "property"},
        {"key": "memberPresent", "contactId": str(TENANT_ID), "value": "yes"},
        {"key": "memberPresent", "contactId": str(PARTNER_ID), "value": "yes"},
        {"key": "interpreterUsed", "value": "no"},
    ]
    status = client.get(f"/api/v1/processes/{thc.id}/status", headers=headers).get_json()
    visit = status["sections"][0]
    assert visit["key"] == "visit" and visit["status"] == "incomplete" and visit["problems"]
    client.post(
        f"/api/v1/processes/{thc.id}/responses",
        json={"pageId": str(page.id), "responses": answers},
        headers=headers,
    )
    status = client.get(f"/api/v1/processes/{thc.id}/status", headers=headers).get_json()
    assert status["sections"][0]["status"] == "complete" and status["sections"][0]["problems"] == []
    assert status["allSectionsComplete"] is False and status["status"] == "in_progress"
    assert status["sections"][1]["pages"][0]["key"] == "tenant-id"

    review = client.get(f"/api/v1/processes/{thc.id}/review", headers=headers).get_json()
    assert [g["contactId"] for g in review["groups"]] == [None, str(TENANT_ID), str(PARTNER_ID)]
    tenant_visit = review["groups"][1]["sections"][0]
    assert tenant_visit["key"] == "visit"
    assert tenant_visit["answers"] == [
        {
            "key": "memberPresent",
            "pageKey": "present-for-check",
            "question": "Is this person present?",
            "answer": "Yes",
            "value": "yes",
            "photoIds": [],
        }
    ]


def test_submitted_processes_cannot_be_changed(client, api_token, thc):
    thc.status = "submitted"
    db.session.commit()
    headers = api_token("processes:write")
    page = find_page(thc, "present-for-check")
    response = client.post(
        f"/api/v1/processes/{thc.id}/responses",
        json={"pageId": str(page.id), "responses": [{"key": "tenantPresent", "value": "yes"}]},
        headers=headers,
    )
    assert response.status_code == 409
    assert (
        client.patch(
            f"/api/v1/processes/{thc.id}", json={"crmInteractionGuid": None}, headers=headers
        ).status_code
        == 409
    )


def test_signed_in_officers_read_only_their_own_processes(app, layouts, tenure, officer_client):
    own = start(tenure, officer_client.user)
    colleague = make_user("officer", team="Estate team south")
    theirs = start(tenure, colleague)
    assert fresh_get(app, officer_client, f"/api/v1/processes/{own.id}").status_code == 200
    assert fresh_get(app, officer_client, f"/api/v1/processes/{theirs.id}").status_code == 404
    assert (
        fresh_get(app, client_for(app, colleague), f"/api/v1/processes/{theirs.id}/review").status_code == 200
    )


def test_openapi_documents_the_process_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in [
        "/api/v1/processes",
        "/api/v1/processes/pages/{pageId}/layout",
        "/api/v1/processes/{processId}",
        "/api/v1/processes/{processId}/responses",
        "/api/v1/processes/{processId}/status",
        "/api/v1/processes/{processId}/review",
    ]:
        assert path in spec["paths"], path
    upload = spec["paths"]["/api/v1/processes/{processId}/photos"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert "processes:write" in upload["description"] and {"413", "415"} <= set(upload["responses"])
    photo = spec["paths"]["/api/v1/processes/{processId}/photos/{photoId}"]["get"]
    assert "image/jpeg" in photo["responses"]["200"]["content"] and "processes:read" in photo["description"]
    create = spec["components"]["schemas"]["ProcessCreate"]["properties"]
    assert set(create) == {"tenureId", "processType", "crmInteractionGuid", "officerEmail"}
    assert create["processType"]["example"] == "tenancy_household_check"


PROCESS_OPERATIONS = [
    ("get", "/api/v1/processes/pages/{pageId}/layout", "processes:read"),
    ("post", "/api/v1/processes", "processes:write"),
    ("get", "/api/v1/processes/{processId}", "processes:read"),
    ("patch", "/api/v1/processes/{processId}", "processes:write"),
    ("get", "/api/v1/processes/{processId}/responses", "processes:read"),
    ("post", "/api/v1/processes/{processId}/responses", "processes:write"),
    ("get", "/api/v1/processes/{processId}/status", "processes:read"),
    ("get", "/api/v1/processes/{processId}/review", "processes:read"),
]


def test_openapi_describes_each_process_operation_with_its_scope_errors_and_examples(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for method, path, scope in PROCESS_OPERATIONS:
        operation = spec["paths"][path][method]
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert scope in operation.get("description", ""), where
        responses = operation["responses"]
        assert "422" not in responses, where  # validation problems are 400s here
        expected_errors = {"401", "403"} | ({"404"} if "{" in path else set())
        if method in ("post", "patch"):
            expected_errors |= {"400", "413", "415"}
        for status in expected_errors:
            assert status in responses, (where, status)
            body = responses[status]["content"]["application/json"]
            assert body["example"]["errors"][0]["developerMessage"], (where, status)
        success = next(responses[s] for s in ("200", "201") if s in responses)
        assert success["content"]["application/json"].get("example"), where
        if method in ("post", "patch"):
            assert operation["requestBody"]["content"]["application/json"].get("example"), where


def upload_photo(client, process, content: bytes, headers, name="IMG_0042.JPG"):
    return client.post(
        f"/api/v1/processes/{process.id}/photos",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        headers=headers,
    )


def test_photos_are_uploaded_used_in_responses_and_read_through_the_api(client, api_token, thc):
    headers = api_token("processes:read", "processes:write")
    response = upload_photo(client, thc, jpeg_with_location(), headers)
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert photo["processId"] == str(thc.id) and photo["contentType"] == "image/jpeg"
    assert (photo["width"], photo["height"]) == (800, 600) and photo["createdAt"].endswith("Z")
    stored_photo = db.session.get(ProcessPhoto, uuid.UUID(photo["id"]))
    saved = Image.open(io.BytesIO(get_storage().read(stored_photo.storage_key)))
    assert len(saved.getexif()) == 0  # no location (or any other EXIF) kept

    page = find_page(thc, "tenant-photo")
    body = {
        "pageId": str(page.id),
        "responses": [
            {"key": "tenantPhotoConsent", "value": "yes"},
            {"key": "tenantPhoto", "value": [photo["id"]]},
        ],
    }
    response = client.post(f"/api/v1/processes/{thc.id}/responses", json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    review = client.get(f"/api/v1/processes/{thc.id}/review", headers=headers).get_json()
    answer = next(
        a for g in review["groups"] for s in g["sections"] for a in s["answers"] if a["key"] == "tenantPhoto"
    )
    assert answer["photoIds"] == [photo["id"]] and answer["answer"] == "1 photo"

    image = client.get(photo["href"], headers=api_token("processes:read"))
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.data == get_storage().read(stored_photo.storage_key)
    assert image.headers["Cache-Control"] == "private, no-store"
    thumbnail = client.get(photo["thumbnailHref"], headers=api_token("processes:read"))
    assert thumbnail.data == get_storage().read(stored_photo.thumbnail_key)


def test_photo_uploads_through_the_api_are_checked(app, client, api_token, layouts, tenure, officer):
    process, other = start(tenure, officer), start(tenure, officer, "home_check")
    headers = api_token("processes:read", "processes:write")

    def refused(response, status, text):
        assert response.status_code == status, response.get_data(as_text=True)
        message = response.get_json()["errors"][0]["developerMessage"]
        assert text in message, message

    refused(
        upload_photo(client, process, b"not a photo at all\n" * 50, headers, "x.jpg"), 415, "JPG, PNG or WEBP"
    )
    refused(upload_photo(client, process, image_bytes("GIF"), headers, "x.gif"), 415, "JPG, PNG or WEBP")
    response = client.post(
        f"/api/v1/processes/{process.id}/photos", data={}, content_type="multipart/form-data", headers=headers
    )
    refused(response, 400, "file")
    refused(upload_photo(client, process, image_bytes(), api_token("processes:read")), 403, "processes:write")
    refused(upload_photo(client, process, image_bytes(), {}), 401, "token")
    app.config["MAX_PHOTO_BYTES"] = 1000
    try:
        noisy = Image.frombytes("RGB", (60, 60), random.Random(7).randbytes(60 * 60 * 3))
        buffer = io.BytesIO()
        noisy.save(buffer, format="PNG")
        big = buffer.getvalue()
        assert len(big) > 1000
        refused(upload_photo(client, process, big, headers), 413, "smaller than")
        refused(upload_photo(client, process, big * 10, headers), 413, "")  # refused before reading
    finally:
        app.config.pop("MAX_PHOTO_BYTES")
    assert db.session.scalars(db.select(ProcessPhoto)).all() == []

    # A photo belongs to its process: another process can neither use nor serve it.
    photo = upload_photo(client, process, image_bytes(), headers).get_json()
    page = find_page(other, "rooms")
    body = {"pageId": str(page.id), "responses": [{"key": "kitchenPhotos", "value": [photo["id"]]}]}
    refused(client.post(f"/api/v1/processes/{other.id}/responses", json=body, headers=headers), 400, "photo")
    refused(client.get(f"/api/v1/processes/{other.id}/photos/{photo['id']}", headers=headers), 404, "photo")

    process.status = "submitted"
    db.session.commit()
    refused(upload_photo(client, process, image_bytes(), headers), 409, "submitted")


@pytest.mark.parametrize(
    ("raw_value", "problem"),
    [("NaN", "finite"), ("Infinity", "finite"), ('"tea \\ud800"', "Unicode"), ('"nul \\u0000"', "")],
)
def test_a_response_value_the_database_cannot_store_is_a_400(client, api_token, thc, raw_value, problem):
    page = find_page(thc, "other-comments") or thc.layout_version.pages[-1]
    body = f'{{"pageId": "{page.id}", "responses": [{{"key": "otherComments", "value": {raw_value}}}]}}'
    response = client.post(
        f"/api/v1/processes/{thc.id}/responses",
        data=body,
        content_type="application/json",
        headers=api_token("processes:write"),
    )

    assert response.status_code == 400, response.get_data(as_text=True)
    [error] = response.get_json()["errors"]
    assert "value" in error["developerMessage"] and problem in error["developerMessage"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Answer)) == 0
