"""Tenure API: create, read, update (with ETags) and errors."""

import uuid

import pytest

from housing_app.extensions import db
from housing_app.models import Activity, Tenure
from tests.api.tenure_support import (  # noqa: F401 - the *_fixture names register fixtures
    create_fixture,
    messages,
    new_id,
    reader_fixture,
    seed_example,
    tenure_payload,
    writer_fixture,
)

URL = "/api/v1/tenures"


def test_the_seed_example_is_accepted_and_returned_in_the_standard_format(client, writer):
    response = client.post(URL, json=seed_example(), headers=writer)
    assert response.status_code == 201, response.json
    body = response.json
    assert response.headers["Location"] == f"{URL}/{body['id']}"
    assert response.headers["ETag"].startswith('"')
    assert body["householdMembers"] == [
        {
            "id": "8f2b8ce4-2a4e-4b32-9d4b-5c6b0d1e2f3a",
            "type": "person",
            "fullName": "string",
            "isResponsible": True,
            "dateOfBirth": "1951-02-11T00:00:00Z",
            "personTenureType": "Tenant",
        }
    ]
    assert body["tenuredAsset"] == {
        "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "type": "Block",
        "fullAddress": "string",
        "uprn": "100021045676",
        "postcode": None,
    }
    assert body["charges"]["rent"] == 0 and body["charges"]["billingFrequency"] == "string"
    assert body["startOfTenureDate"] == "2020-03-19T00:00:00Z"
    assert body["tenureType"] == {"code": "INT", "description": "Introductory"}
    assert body["terminated"] == {"isTerminated": False, "reasonForTermination": "string"}
    assert body["notices"][0] == {
        "type": "Notice to quit",
        "servedDate": "2021-03-29T00:00:00Z",
        "expiryDate": "2021-04-29T00:00:00Z",
        "endDate": "2021-05-29T00:00:00Z",
        "effectiveDate": "2021-03-29T00:00:00Z",
    }
    assert body["legacyReferences"] == [{"name": "u_saff_tenancy", "value": "123456"}]
    assert body["isSublet"] is False and body["subletEndDate"] == "2021-06-30T00:00:00Z"
    assert body["isActive"] is True
    # Create answers exactly what a GET of it answers.
    fetched = client.get(response.headers["Location"], headers=writer)
    assert fetched.json == body
    assert fetched.headers["ETag"] == response.headers["ETag"]


def test_create_generates_ids_and_takes_the_postcode_from_the_address(create):
    body = create(members=[("Jo Bloggs", True), ("Sam Bloggs", False)], address="1 Mare Street, London e81hh")
    assert body["tenuredAsset"]["postcode"] == "E8 1HH"
    assert [m["fullName"] for m in body["householdMembers"]] == ["Jo Bloggs", "Sam Bloggs"]
    assert all(len(m["id"]) == 36 for m in body["householdMembers"])
    assert body["tenureType"] == {"code": "SEC", "description": "Secure"}
    assert body["notices"] == [] and body["legacyReferences"] == []


def test_create_records_an_activity_with_the_new_tenure(create):
    body = create()
    (activity,) = db.session.scalars(db.select(Activity)).all()
    assert (activity.type, activity.target_type, str(activity.target_id)) == ("create", "tenure", body["id"])
    assert activity.old_data is None
    assert activity.new_data["tenuredAsset"]["fullAddress"] == body["tenuredAsset"]["fullAddress"]
    assert activity.author_full_name == "API client: tests"


def test_a_former_tenancy_is_not_active(create):
    ended = create(start="2001-01-01", endOfTenureDate="2010-12-31")
    terminated = create(terminated={"isTerminated": True, "reasonForTermination": "Evicted"})
    future = create(start="2999-01-01")
    assert [ended["isActive"], terminated["isActive"], future["isActive"]] == [False, False, False]


def test_every_validation_problem_is_reported_at_once(client, writer):
    payload = tenure_payload(
        start="19-03-2020",
        code="XYZ",
        isSublet="true",
        colour="blue",
        charges={"rent": "12"},
        tenuredAsset={"id": "not-a-uuid", "fullAddress": "1 Mare Street", "uprn": "12ab"},
    )
    payload["householdMembers"][0]["personTenureType"] = "Landlord"
    response = client.post(URL, json=payload, headers=writer)
    assert response.status_code == 400
    problems = messages(response)
    fields = sorted(p.split(":")[0] for p in problems)
    assert fields == [
        "charges.rent",
        "colour",
        "householdMembers.0.personTenureType",
        "isSublet",
        "startOfTenureDate",
        "tenureType.code",
        "tenuredAsset.id",
        "tenuredAsset.uprn",
    ], problems
    assert any("19-03-2020" in p and "RFC 3339" in p for p in problems)
    assert all(e["userMessage"] for e in response.json["errors"])


def test_required_fields_are_named(client, writer):
    response = client.post(URL, json={}, headers=writer)
    assert response.status_code == 400
    assert sorted(p.split(":")[0] for p in messages(response)) == [
        "startOfTenureDate",
        "tenureType",
        "tenuredAsset",
    ]


def test_end_before_start_is_rejected(client, writer):
    response = client.post(
        URL, json=tenure_payload(start="2020-03-19", endOfTenureDate="2020-03-18"), headers=writer
    )
    assert response.status_code == 400
    assert messages(response) == [
        "endOfTenureDate: The end of tenure date must be on or after the start of tenure date."
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"isTenanted": 1}, "isTenanted"),
        ({"paymentReference": 123}, "paymentReference"),
        ({"charges": {"rent": True}}, "charges.rent"),
        ({"notices": {"type": "x"}}, "notices"),
        ({"tenureType": {"code": "INT", "description": "Secure"}}, "tenureType.description"),
        ({"paymentReference": "a\x00b"}, "paymentReference"),
        ({"endOfTenureDate": "2020-02-30"}, "endOfTenureDate"),
    ],
)
def test_wrong_json_types_and_values_are_400(client, writer, change, field):
    response = client.post(URL, json=tenure_payload(**change), headers=writer)
    assert response.status_code == 400
    assert [p.split(":")[0] for p in messages(response)] == [field]


def test_members_need_names_and_unique_ids_and_past_birth_dates(client, writer):
    person = new_id()
    payload = tenure_payload()
    payload["householdMembers"] = [
        {"id": person, "fullName": "A B"},
        {"id": person, "fullName": "  "},
        {"fullName": "C D", "dateOfBirth": "2999-01-01"},
    ]
    response = client.post(URL, json=payload, headers=writer)
    assert response.status_code == 400
    assert sorted(p.split(":")[0] for p in messages(response)) == [
        "householdMembers.1.fullName",
        "householdMembers.2.dateOfBirth",
        "householdMembers.id",
    ]


def test_body_format_errors(client, writer, app):
    not_json = client.post(URL, data="x=1", headers=writer, content_type="text/plain")
    assert not_json.status_code == 415 and not_json.json["errors"]
    malformed = client.post(URL, data="{", headers=writer, content_type="application/json")
    assert malformed.status_code == 400 and malformed.json["errors"]
    too_deep = client.post(
        URL, data="[" * 50000 + "]" * 50000, headers=writer, content_type="application/json"
    )
    assert too_deep.status_code == 400 and too_deep.json["errors"]
    array = client.post(URL, json=[1], headers=writer)
    assert array.status_code == 400 and array.json["errors"]
    too_big = client.post(
        URL,
        data="[" + "1," * app.config["API_MAX_BODY_BYTES"] + "1]",
        headers=writer,
        content_type="application/json",
    )
    assert too_big.status_code == 413 and too_big.json["errors"]


def test_tokens_and_scopes(client, reader):
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get(URL, headers=reader).status_code == 200
    forbidden = client.post(URL, json=tenure_payload(), headers=reader)
    assert forbidden.status_code == 403 and "tenures:write" in messages(forbidden)[0]


def test_a_signed_in_officer_may_read_but_not_write(officer_client, create):
    body = create()
    assert officer_client.get(f"{URL}/{body['id']}").status_code == 200
    assert officer_client.post(URL, json=tenure_payload()).status_code == 403


def test_get_missing_or_malformed_id_is_404(client, reader):
    assert client.get(f"{URL}/{new_id()}", headers=reader).status_code == 404
    response = client.get(f"{URL}/not-a-uuid", headers=reader)
    assert response.status_code == 404 and response.json["errors"]


def test_if_none_match_gives_304(client, reader, create):
    body = create()
    etag = client.get(f"{URL}/{body['id']}", headers=reader).headers["ETag"]
    cached = client.get(f"{URL}/{body['id']}", headers={**reader, "If-None-Match": etag})
    assert cached.status_code == 304 and cached.data == b"" and cached.headers["ETag"] == etag
    other = client.get(f"{URL}/{body['id']}", headers={**reader, "If-None-Match": '"old"'})
    assert other.status_code == 200


# --- PATCH /tenures/{id} ------------------------------------------------------------------------


def read(client, headers, tenure_id):
    response = client.get(f"{URL}/{tenure_id}", headers=headers)
    return response.json, response.headers["ETag"]


def test_patch_needs_if_match(client, writer, create):
    body = create()
    response = client.patch(f"{URL}/{body['id']}", json={"isSublet": True}, headers=writer)
    assert response.status_code == 428
    assert "If-Match" in messages(response)[0]


def test_patch_updates_and_returns_the_full_resource_with_a_new_etag(client, writer, create):
    body = create(charges={"rent": 100, "currentBalance": 5})
    _, etag = read(client, writer, body["id"])
    change = {
        "startOfTenureDate": "2020-03-19T00:00:00Z",
        "endOfTenureDate": "2024-03-18",
        "tenureType": {"code": "INT", "description": "Introductory"},
        "charges": {"rent": 110.5},
        "isSublet": True,
    }
    response = client.patch(f"{URL}/{body['id']}", json=change, headers={**writer, "If-Match": etag})
    assert response.status_code == 200, response.json
    updated = response.json
    assert updated["endOfTenureDate"] == "2024-03-18T00:00:00Z"
    assert updated["tenureType"] == {"code": "INT", "description": "Introductory"}
    assert updated["charges"]["rent"] == 110.5 and updated["charges"]["currentBalance"] == 5  # merged
    assert updated["isActive"] is False
    assert response.headers["ETag"] != etag
    assert client.get(f"{URL}/{body['id']}", headers=writer).json == updated


def test_patch_records_only_the_changed_fields(client, writer, create):
    body = create()
    _, etag = read(client, writer, body["id"])
    client.patch(
        f"{URL}/{body['id']}",
        json={"isSublet": True, "isTenanted": None},
        headers={**writer, "If-Match": etag},
    )
    activity = db.session.scalar(db.select(Activity).where(Activity.type == "update"))
    assert activity.target_type == "tenure" and str(activity.target_id) == body["id"]
    assert activity.old_data == {"isSublet": None}
    assert activity.new_data == {"isSublet": True}


def test_patch_with_prefer_minimal_is_204_with_the_new_etag(client, writer, create):
    body = create()
    _, etag = read(client, writer, body["id"])
    response = client.patch(
        f"{URL}/{body['id']}",
        json={"paymentReference": "123"},
        headers={**writer, "If-Match": etag, "Prefer": "return=minimal"},
    )
    assert response.status_code == 204 and response.data == b""
    assert response.headers["ETag"] == read(client, writer, body["id"])[1] != etag


def test_patch_can_clear_a_field_and_checks_dates_against_the_stored_ones(client, writer, create):
    body = create(start="2020-01-01", endOfTenureDate="2021-01-01")
    _, etag = read(client, writer, body["id"])
    before_start = client.patch(
        f"{URL}/{body['id']}", json={"endOfTenureDate": "2019-12-31"}, headers={**writer, "If-Match": etag}
    )
    assert before_start.status_code == 400 and "endOfTenureDate" in messages(before_start)[0]
    cleared = client.patch(
        f"{URL}/{body['id']}", json={"endOfTenureDate": None}, headers={**writer, "If-Match": etag}
    )
    assert cleared.status_code == 200 and cleared.json["endOfTenureDate"] is None
    assert cleared.json["isActive"] is True


def test_patch_refuses_household_members_and_nulls_for_required_fields(client, writer, create):
    body = create()
    _, etag = read(client, writer, body["id"])
    response = client.patch(
        f"{URL}/{body['id']}",
        json={"householdMembers": [], "startOfTenureDate": None, "tenureType": {"description": "Secure"}},
        headers={**writer, "If-Match": etag},
    )
    assert response.status_code == 400
    problems = messages(response)
    assert sorted(p.split(":")[0] for p in problems) == [
        "householdMembers",
        "startOfTenureDate",
        "tenureType.code",
    ]
    assert any("/person/" in p for p in problems)


def test_patch_of_a_missing_tenure_is_404(client, writer):
    response = client.patch(
        f"{URL}/{new_id()}", json={"isSublet": True}, headers={**writer, "If-Match": '"x"'}
    )
    assert response.status_code == 404


def test_lost_update_is_prevented(app, writer, create):
    """Two clients read the same version; the second to write is told it is stale (412)."""
    body = create(charges={"rent": 100})
    alice, bob = app.test_client(), app.test_client()
    _, alice_etag = read(alice, writer, body["id"])
    _, bob_etag = read(bob, writer, body["id"])
    assert alice_etag == bob_etag

    first = alice.patch(
        f"{URL}/{body['id']}", json={"charges": {"rent": 120}}, headers={**writer, "If-Match": alice_etag}
    )
    assert first.status_code == 200
    second = bob.patch(
        f"{URL}/{body['id']}", json={"charges": {"rent": 90}}, headers={**writer, "If-Match": bob_etag}
    )
    assert second.status_code == 412
    assert second.json["errors"][0]["userMessage"].startswith("The record was changed by someone else")
    assert read(bob, writer, body["id"])[0]["charges"]["rent"] == 120

    # Bob re-reads, and his retry with the fresh ETag succeeds.
    _, fresh = read(bob, writer, body["id"])
    retry = bob.patch(
        f"{URL}/{body['id']}", json={"charges": {"rent": 90}}, headers={**writer, "If-Match": fresh}
    )
    assert retry.status_code == 200 and retry.json["charges"]["rent"] == 90


def test_a_write_that_races_past_the_etag_check_is_still_refused(app, create):
    """The version check in the UPDATE catches a writer who committed between our read and write."""
    from housing_app.services import tenures as service

    body = create()
    tenure = service.get_tenure(uuid.UUID(body["id"]))
    with db.engine.begin() as connection:  # another writer, straight to the database
        connection.execute(db.update(Tenure).where(Tenure.id == tenure.id).values(version=Tenure.version + 1))
    with pytest.raises(service.StaleTenure):
        service.update_tenure(tenure, {"is_sublet": True})
    db.session.expire_all()
    assert service.get_tenure(tenure.id).is_sublet is None
    assert (
        db.session.scalar(db.select(db.func.count()).select_from(Activity).where(Activity.type == "update"))
        == 0
    )
