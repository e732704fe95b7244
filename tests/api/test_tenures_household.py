"""PATCH / DELETE /api/v1/tenures/{id}/person/{personId}: change a tenure's household."""

from housing_app.extensions import db
from housing_app.models import Activity
from tests.api.tenure_support import (  # noqa: F401 - the *_fixture names register fixtures
    create_fixture,
    messages,
    new_id,
    tenure_payload,
    writer_fixture,
)

URL = "/api/v1/tenures"


def etag_of(client, headers, tenure_id):
    return client.get(f"{URL}/{tenure_id}", headers=headers).headers["ETag"]


def test_add_a_person_as_in_the_seed_example(client, writer, create):
    tenure = create()
    person = new_id()
    seed_person = {
        "type": "Person",
        "fullName": "Person Full Name",
        "isResponsible": True,
        "dateOfBirth": "1951-02-11T00:00:00",
    }
    response = client.patch(
        f"{URL}/{tenure['id']}/person/{person}",
        json=seed_person,
        headers={**writer, "If-Match": etag_of(client, writer, tenure["id"])},
    )
    assert response.status_code == 201, response.json
    added = next(m for m in response.json["householdMembers"] if m["id"] == person)
    assert added == {
        "id": person,
        "type": "person",
        "fullName": "Person Full Name",
        "isResponsible": True,
        "dateOfBirth": "1951-02-11T00:00:00Z",
        "personTenureType": None,
    }
    assert response.headers["ETag"] == etag_of(client, writer, tenure["id"])
    # Adding a person changes the tenure: one tenure activity holding the household before and after.
    activity = db.session.scalar(db.select(Activity).where(Activity.type == "update"))
    assert (activity.target_type, str(activity.target_id)) == ("tenure", tenure["id"])
    assert activity.old_data == {"householdMembers": tenure["householdMembers"]}
    assert activity.new_data == {"householdMembers": response.json["householdMembers"]}


def test_update_a_person_changes_only_what_is_sent(client, writer, create):
    tenure = create(members=[("Jo Bloggs", True), ("Sam Bloggs", False)])
    sam = next(m for m in tenure["householdMembers"] if m["fullName"] == "Sam Bloggs")
    response = client.patch(
        f"{URL}/{tenure['id']}/person/{sam['id']}",
        json={"isResponsible": True, "fullName": "Samantha Bloggs"},
        headers={**writer, "If-Match": etag_of(client, writer, tenure["id"])},
    )
    assert response.status_code == 200
    members = response.json["householdMembers"]
    assert [(m["fullName"], m["isResponsible"]) for m in members] == [
        ("Jo Bloggs", True),
        ("Samantha Bloggs", True),
    ]
    assert members[1]["personTenureType"] == "Tenant"
    activity = db.session.scalar(db.select(Activity).where(Activity.type == "update"))
    assert (activity.target_type, str(activity.target_id)) == ("tenure", tenure["id"])
    assert activity.old_data == {"householdMembers": tenure["householdMembers"]}
    assert activity.new_data == {"householdMembers": members}


def test_responsible_people_come_first(create):
    tenure = create(members=[("Al Able", False), ("Zoe Zed", True), ("Bo Bell", False)])
    assert [m["fullName"] for m in tenure["householdMembers"]] == ["Zoe Zed", "Al Able", "Bo Bell"]


def test_adding_needs_a_full_name_and_valid_fields(client, writer, create):
    tenure = create()
    headers = {**writer, "If-Match": etag_of(client, writer, tenure["id"])}
    no_name = client.patch(
        f"{URL}/{tenure['id']}/person/{new_id()}", json={"isResponsible": True}, headers=headers
    )
    assert no_name.status_code == 400 and messages(no_name)[0].startswith("fullName:")
    invalid = client.patch(
        f"{URL}/{tenure['id']}/person/{new_id()}",
        json={
            "fullName": "A",
            "personTenureType": "Boss",
            "isResponsible": "yes",
            "dateOfBirth": "11/02/1951",
        },
        headers=headers,
    )
    assert invalid.status_code == 400
    assert sorted(m.split(":")[0] for m in messages(invalid)) == [
        "dateOfBirth",
        "isResponsible",
        "personTenureType",
    ]
    other_id = client.patch(
        f"{URL}/{tenure['id']}/person/{new_id()}", json={"id": new_id(), "fullName": "A"}, headers=headers
    )
    assert other_id.status_code == 400 and messages(other_id)[0].startswith("id:")


def test_person_changes_follow_the_if_match_rules(client, writer, create):
    tenure = create()
    person_url = f"{URL}/{tenure['id']}/person/{new_id()}"
    assert client.patch(person_url, json={"fullName": "A B"}, headers=writer).status_code == 428
    assert client.delete(person_url, headers=writer).status_code == 428
    stale = {**writer, "If-Match": '"stale"'}
    assert client.patch(person_url, json={"fullName": "A B"}, headers=stale).status_code == 412
    assert client.delete(person_url, headers=stale).status_code == 412
    missing = f"{URL}/{new_id()}/person/{new_id()}"
    assert client.patch(missing, json={"fullName": "A B"}, headers=stale).status_code == 404


def test_remove_a_person(client, writer, create):
    tenure = create(members=[("Jo Bloggs", True), ("Sam Bloggs", False)])
    sam = next(m for m in tenure["householdMembers"] if m["fullName"] == "Sam Bloggs")
    etag = etag_of(client, writer, tenure["id"])
    response = client.delete(f"{URL}/{tenure['id']}/person/{sam['id']}", headers={**writer, "If-Match": etag})
    assert response.status_code == 204 and response.data == b""
    after = client.get(f"{URL}/{tenure['id']}", headers=writer)
    assert [m["fullName"] for m in after.json["householdMembers"]] == ["Jo Bloggs"]
    assert response.headers["ETag"] == after.headers["ETag"] != etag
    activity = db.session.scalar(db.select(Activity).where(Activity.type == "update"))
    assert (activity.target_type, str(activity.target_id)) == ("tenure", tenure["id"])
    assert activity.old_data == {"householdMembers": tenure["householdMembers"]}
    assert activity.new_data == {"householdMembers": after.json["householdMembers"]}
    again = client.delete(
        f"{URL}/{tenure['id']}/person/{sam['id']}", headers={**writer, "If-Match": after.headers["ETag"]}
    )
    assert again.status_code == 404 and "not in the household" in messages(again)[0]


def test_prefer_minimal_on_person_changes(client, writer, create):
    tenure = create()
    response = client.patch(
        f"{URL}/{tenure['id']}/person/{new_id()}",
        json={"fullName": "New Person"},
        headers={**writer, "If-Match": etag_of(client, writer, tenure["id"]), "Prefer": "return=minimal"},
    )
    assert response.status_code == 204 and response.data == b""
    assert response.headers["ETag"] == etag_of(client, writer, tenure["id"])


def test_a_no_op_update_keeps_the_etag_and_records_nothing(client, writer, create):
    tenure = create(payload=tenure_payload(members=[("Jo Bloggs", True)]))
    jo = tenure["householdMembers"][0]
    etag = etag_of(client, writer, tenure["id"])
    response = client.patch(
        f"{URL}/{tenure['id']}/person/{jo['id']}",
        json={"fullName": "Jo Bloggs"},
        headers={**writer, "If-Match": etag},
    )
    assert response.status_code == 200 and response.headers["ETag"] == etag
    assert (
        db.session.scalar(db.select(db.func.count()).select_from(Activity).where(Activity.type == "update"))
        == 0
    )


def test_a_household_change_that_races_past_the_etag_check_leaves_no_trace(create):
    """Another writer commits between our read and our write: neither our change nor its
    activity is kept."""
    import uuid

    import pytest

    from housing_app.models import Tenure
    from housing_app.services import tenures as service

    body = create(members=[("Jo Bloggs", True), ("Sam Bloggs", False)])

    def read_then_someone_else_writes():
        db.session.expire_all()
        tenure = service.get_tenure(uuid.UUID(body["id"]))
        with db.engine.begin() as connection:
            bump = db.update(Tenure).where(Tenure.id == tenure.id).values(version=Tenure.version + 1)
            connection.execute(bump)
        return tenure

    tenure = read_then_someone_else_writes()
    with pytest.raises(service.StaleTenure):
        service.upsert_household_member(tenure, uuid.uuid4(), {"full_name": "Amy Bloggs"})
    tenure = read_then_someone_else_writes()
    sam = next(m for m in tenure.household_members if m.full_name == "Sam Bloggs")
    with pytest.raises(service.StaleTenure):
        service.upsert_household_member(tenure, sam.id, {"is_responsible": True})
    tenure = read_then_someone_else_writes()
    sam = next(m for m in tenure.household_members if m.full_name == "Sam Bloggs")
    with pytest.raises(service.StaleTenure):
        service.remove_household_member(tenure, sam)
    db.session.expire_all()
    names = sorted(m.full_name for m in service.get_tenure(tenure.id).household_members)
    assert names == ["Jo Bloggs", "Sam Bloggs"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Activity)) == 1  # the create
