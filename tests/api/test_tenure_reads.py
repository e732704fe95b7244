"""The read path the API answers GETs and searches from (rows, not ORM objects) gives exactly
what the ORM path gives, household order and all."""

import datetime as dt
import uuid

from housing_app.extensions import db
from housing_app.models import HouseholdMember, Tenure
from housing_app.services import tenures as service


def make_tenure(names: list[tuple[str, bool]], **fields) -> Tenure:
    tenure = Tenure(
        id=uuid.uuid4(),
        payment_reference="228008866",
        asset_full_address="Flat 3, 12 Hillman Street, London E8 1DY",
        asset_postcode="E8 1DY",
        charges={"rent": 125.5, "billingFrequency": "Weekly"},
        notices=[{"type": "Notice to quit", "servedDate": "2021-03-29"}],
        legacy_references=[{"name": "u_saff_tenancy", "value": "123456"}],
        tenure_type_code="SEC",
        tenure_type_description="Secure",
        start_of_tenure_date=dt.date(2020, 3, 19),
        is_terminated=False,
        **fields,
    )
    for full_name, responsible in names:
        member = HouseholdMember(
            id=uuid.uuid4(), type="person", is_responsible=responsible, date_of_birth=dt.date(1980, 1, 2)
        )
        member.set_full_name(full_name)
        tenure.household_members.append(member)
    db.session.add(tenure)
    db.session.commit()
    return tenure


def orm_json(tenure_id):
    db.session.expunge_all()
    return service.tenure_to_json(service.get_tenure(tenure_id))


def test_a_read_tenure_is_the_orm_tenure_as_json_with_the_same_etag():
    tenure = make_tenure([("Zoe Adams", False), ("Bea Young", True), ("amy Brown", False)])
    read = service.read_tenure(tenure.id)
    assert service.tenure_to_json(read) == orm_json(tenure.id)
    assert [m["fullName"] for m in service.tenure_to_json(read)["householdMembers"]] == [
        "Bea Young",
        "amy Brown",
        "Zoe Adams",
    ]
    assert service.tenure_etag(read) == service.tenure_etag(service.get_tenure(tenure.id))


def test_is_active_is_worked_out_the_same_way_on_a_read_tenure():
    ended = make_tenure([("Ann Old", True)], end_of_tenure_date=dt.date(2021, 1, 1))
    terminated = make_tenure([("Tom Gone", True)], is_tenanted=False)
    db.session.execute(db.update(Tenure).where(Tenure.id == terminated.id).values(is_terminated=True))
    db.session.commit()
    assert service.read_tenure(ended.id).is_active is False
    assert service.read_tenure(terminated.id).is_active is False
    assert service.tenure_to_json(service.read_tenure(terminated.id)) == orm_json(terminated.id)


def test_read_tenures_keeps_each_household_with_its_tenure_and_skips_missing_ids():
    first = make_tenure([("Ann One", True)])
    second = make_tenure([("Bob Two", True), ("Cat Two", False)])
    empty = make_tenure([])
    read = service.read_tenures([second.id, uuid.uuid4(), first.id, empty.id])
    assert set(read) == {first.id, second.id, empty.id}
    assert sorted(m.full_name for m in read[second.id].household_members) == ["Bob Two", "Cat Two"]
    assert [m.full_name for m in read[first.id].household_members] == ["Ann One"]
    assert service.tenure_to_json(read[second.id]) == orm_json(second.id)
    assert read[empty.id].household_members == []
    assert service.read_tenure(uuid.uuid4()) is None
    assert service.read_tenures([]) == {}
