"""Stored tenure documents (housing_app.services.tenure_documents): every way a tenure or its
household changes rewrites the document, and what the API sends is always what the ORM tenure
serialises to."""

import json
import uuid
from datetime import date
from types import SimpleNamespace

from housing_app.extensions import db
from housing_app.models import Tenure
from housing_app.services import activity_log
from housing_app.services import tenures as service
from housing_app.services.tenure_documents import fill_missing_documents, with_is_active
from tests.api.tenure_support import (  # noqa: F401 - the *_fixture names register fixtures
    create_fixture,
    reader_fixture,
    writer_fixture,
)


def stored_document(tenure_id) -> dict:
    query = db.select(Tenure.api_document).where(Tenure.id == uuid.UUID(str(tenure_id)))
    text = db.session.execute(query).scalar_one()
    return json.loads(text)


def orm_json(tenure_id) -> dict:
    db.session.expunge_all()
    return service.tenure_to_json(service.get_tenure(uuid.UUID(str(tenure_id))))


def assert_in_step(client, reader, tenure_id):
    expected = orm_json(tenure_id)
    without_is_active = {k: v for k, v in expected.items() if k != "isActive"}
    assert stored_document(tenure_id) == without_is_active
    response = client.get(f"/api/v1/tenures/{tenure_id}", headers=reader)
    assert response.status_code == 200
    assert response.json == expected


def test_create_patch_and_household_changes_keep_the_document_in_step(client, writer, reader, create):
    tenure = create(members=(("Jo Bloggs", True), ("Sam Bloggs", False)))
    assert_in_step(client, reader, tenure["id"])

    etag = client.get(f"/api/v1/tenures/{tenure['id']}", headers=reader).headers["ETag"]
    patched = client.patch(
        f"/api/v1/tenures/{tenure['id']}",
        json={"paymentReference": "999", "tenuredAsset": {"fullAddress": "2 Mare Street, London E8 3RH"}},
        headers={**writer, "If-Match": etag},
    )
    assert patched.status_code == 200, patched.json
    assert_in_step(client, reader, tenure["id"])
    assert stored_document(tenure["id"])["tenuredAsset"]["postcode"] == "E8 3RH"

    etag = patched.headers["ETag"]
    added = client.patch(
        f"/api/v1/tenures/{tenure['id']}/person/{uuid.uuid4()}",
        json={"type": "person", "fullName": "Ann Added", "isResponsible": False},
        headers={**writer, "If-Match": etag},
    )
    assert added.status_code == 201, added.json
    assert_in_step(client, reader, tenure["id"])
    names = [m["fullName"] for m in stored_document(tenure["id"])["householdMembers"]]
    assert "Ann Added" in names

    sam = next(m for m in stored_document(tenure["id"])["householdMembers"] if m["fullName"] == "Sam Bloggs")
    etag = client.get(f"/api/v1/tenures/{tenure['id']}", headers=reader).headers["ETag"]
    removed = client.delete(
        f"/api/v1/tenures/{tenure['id']}/person/{sam['id']}", headers={**writer, "If-Match": etag}
    )
    assert removed.status_code in (200, 204), removed.get_data(as_text=True)
    assert_in_step(client, reader, tenure["id"])
    assert "Sam Bloggs" not in [m["fullName"] for m in stored_document(tenure["id"])["householdMembers"]]


def test_a_change_made_through_the_orm_elsewhere_rewrites_the_document(client, reader, create):
    tenure_id = uuid.UUID(create()["id"])
    found = service.get_tenure(tenure_id)
    with activity_log.logged_change("update", "tenure", service.tenure_to_json, found):
        found.household_members[0].set_full_name("Renamed Person")
    assert_in_step(client, reader, tenure_id)
    assert stored_document(tenure_id)["householdMembers"][0]["fullName"] == "Renamed Person"


def test_a_tenure_without_a_document_is_served_from_its_rows_until_filled(client, reader, create):
    tenure_id = create(members=(("Jo Bloggs", True), ("Al Bloggs", False)))["id"]
    db.session.execute(db.update(Tenure).values(api_document=None))
    db.session.commit()
    expected = orm_json(tenure_id)
    assert client.get(f"/api/v1/tenures/{tenure_id}", headers=reader).json == expected
    found = client.get("/api/v1/tenures?lastName=bloggs", headers=reader).json["results"]
    assert found == [expected]

    assert fill_missing_documents(db.session.connection()) == 1
    db.session.commit()
    assert stored_document(tenure_id) == {k: v for k, v in expected.items() if k != "isActive"}
    assert fill_missing_documents(db.session.connection()) == 0


def test_is_active_is_worked_out_when_read_not_stored():
    document = '{"id":"x"}'
    today = date.today()
    current = SimpleNamespace(is_terminated=False, start_of_tenure_date=today, end_of_tenure_date=None)
    ended = SimpleNamespace(
        is_terminated=False, start_of_tenure_date=date(2000, 1, 1), end_of_tenure_date=date(2001, 1, 1)
    )
    assert json.loads(with_is_active(document, current)) == {"isActive": True, "id": "x"}
    assert json.loads(with_is_active(document, ended)) == {"isActive": False, "id": "x"}


def test_search_results_are_the_stored_documents_in_order(client, reader, create):
    first = create(members=(("Ann Zed", True),), address="1 Amhurst Road, London E8 1AA")
    second = create(members=(("Bob Zed", True),), address="9 Zenoria Street, London E8 9ZZ")
    body = client.get("/api/v1/tenures?lastName=zed", headers=reader)
    assert body.status_code == 200
    assert body.mimetype == "application/json"
    assert [t["id"] for t in body.json["results"]] == [first["id"], second["id"]]
    assert body.json["results"] == [orm_json(first["id"]), orm_json(second["id"])]
    assert body.json["metadata"] == {"resultset": {"count": 2, "offset": 0, "limit": 20}}
