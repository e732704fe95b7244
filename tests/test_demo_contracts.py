"""Demo contracts for the demo tenures' properties: safe before tenures exist, idempotent, and
recorded in the activity history."""

import uuid

from housing_app.cli.demo_contracts import load_demo_contracts
from housing_app.extensions import db
from housing_app.models import Activity, Contract, Tenure


def test_demo_contracts_without_tenures_makes_none():
    assert load_demo_contracts(seed=1) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Contract)) == 0


def test_demo_load_creates_contracts_for_the_demo_tenures_once(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    count = db.session.scalar(db.select(db.func.count()).select_from(Contract))
    assert count > 0 and f"Demo contracts: {count} created." in result.output
    again = runner.invoke(args=["demo", "load"])
    assert "Demo contracts: 0 created." in again.output


def test_each_demo_property_gets_contracts_once_with_their_activities():
    assets = [uuid.uuid4(), uuid.uuid4()]
    db.session.add_all([Tenure(asset_id=asset) for asset in assets] + [Tenure(asset_id=None)])
    db.session.commit()

    created = load_demo_contracts(seed=1)
    contracts = db.session.scalars(db.select(Contract)).all()
    assert created == len(contracts) >= 2
    assert {contract.target_id for contract in contracts} == set(assets)
    for contract in contracts:
        assert contract.charges and contract.related_people and contract.end_date > contract.start_date
        (activity,) = db.session.scalars(db.select(Activity).where(Activity.target_id == contract.id))
        assert activity.type == "create" and activity.author_full_name == "System"

    assert load_demo_contracts(seed=1) == 0
