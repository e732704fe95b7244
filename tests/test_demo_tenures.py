"""Demo tenures: realistic, reproducible from a seed, loaded once, and valid for the API."""

from collections import Counter

from housing_app.api.tenure_schemas import POSTCODE
from housing_app.demo.tenures import demo_tenure_rows, load_demo_tenures
from housing_app.extensions import db
from housing_app.models import Activity, HouseholdMember, Tenure
from housing_app.models.tenures import HouseholdMemberNameKey
from housing_app.services.tenures import search_tenures, tenure_to_json


def test_the_same_seed_gives_the_same_tenures_and_another_seed_others():
    first, first_members = demo_tenure_rows(7, 50)
    again, again_members = demo_tenure_rows(7, 50)
    other, _ = demo_tenure_rows(8, 50)
    assert first == again and first_members == again_members
    assert {t["id"] for t in first}.isdisjoint({t["id"] for t in other})


def test_the_generated_tenures_are_varied_and_realistic():
    tenures, members = demo_tenure_rows(20261123, 1000)
    codes = Counter(t["tenure_type_code"] for t in tenures)
    assert codes.most_common(1)[0][0] == "SEC" and len(codes) >= 10
    former = [t for t in tenures if t["end_of_tenure_date"] or t["is_terminated"]]
    assert 0.1 < len(former) / len(tenures) < 0.4
    assert all(POSTCODE.match(t["asset_postcode"]) for t in tenures)
    assert all(t["asset_full_address"].endswith(t["asset_postcode"]) for t in tenures)
    assert {t["asset_postcode"].split()[0] for t in tenures} >= {"E5", "E8", "E9", "N16"}
    sizes = Counter(Counter(m["tenure_id"] for m in members).values())
    assert set(sizes) == {1, 2, 3, 4, 5, 6}
    assert len({m["full_name"] for m in members}) > 1000
    for tenure in tenures:
        household = [m for m in members if m["tenure_id"] == tenure["id"]]
        assert household[0]["is_responsible"]
        assert len({m["full_name"] for m in household}) == len(household)
        if tenure["end_of_tenure_date"]:
            assert tenure["start_of_tenure_date"] <= tenure["end_of_tenure_date"]


def test_loading_is_idempotent_and_records_an_activity_per_tenure():
    assert load_demo_tenures(5, count=200) == 200
    assert load_demo_tenures(5, count=200) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Tenure)) == 200
    members = db.session.scalar(db.select(db.func.count()).select_from(HouseholdMember))
    assert 200 <= members <= 1200
    activities = db.session.scalars(db.select(Activity)).all()
    assert len(activities) == 200 and {a.type for a in activities} == {"migrate"}


def test_loaded_tenures_are_searchable_and_serialise(client):
    load_demo_tenures(5, count=200)
    tenures, members = demo_tenure_rows(5, 200)
    someone = members[0]
    page = search_tenures(last_name=someone["full_name"].split()[-1], postcode=tenures[0]["asset_postcode"])
    assert tenures[0]["id"] in [t.id for t in page.tenures]
    snapshot = tenure_to_json(db.session.get(Tenure, tenures[0]["id"]))
    assert snapshot["householdMembers"][0]["isResponsible"] is True
    assert snapshot["startOfTenureDate"].endswith("T00:00:00Z")


def test_demo_load_command_loads_tenures(runner):
    result = runner.invoke(args=["demo", "load", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "Demo tenures: 3000 created." in result.output
    again = runner.invoke(args=["demo", "load", "--seed", "3"])
    assert "Demo tenures: 0 created." in again.output


def test_demo_tenures_are_found_by_their_members_last_names(app):
    from housing_app.models.tenures import HouseholdMemberNameKey

    load_demo_tenures(5, count=5)
    member = db.session.scalars(db.select(HouseholdMember)).first()
    last = member.full_name.split()[-1]
    assert db.session.scalar(db.select(db.func.count()).select_from(HouseholdMemberNameKey)) > 0
    assert member.tenure_id in {t.id for t in search_tenures(last_name=last, limit=100).tenures}


def test_demo_tenures_come_with_their_stored_api_documents():
    import json

    load_demo_tenures(5, count=50)
    assert db.session.scalar(db.select(db.func.count()).where(Tenure.api_document.is_(None))) == 0
    tenure = db.session.scalars(db.select(Tenure).limit(1)).one()
    expected = tenure_to_json(tenure)
    del expected["isActive"]
    assert json.loads(tenure.api_document) == expected


def test_demo_name_keys_are_linked_as_the_orm_would_link_them(db):
    from tests.api.test_tenures_search import stored_links_are_current

    load_demo_tenures(5, count=200)
    assert stored_links_are_current(db)
    linked = db.session.scalar(
        db.select(db.func.count()).where(HouseholdMemberNameKey.previous_key.is_not(None))
    )
    assert linked > 100  # families share a last name: most tenures have keys after their first
