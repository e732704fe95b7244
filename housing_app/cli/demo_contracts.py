"""Demo contracts: one or two for the property of each demo tenure (run after the tenures)."""

import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from housing_app.api.contracts import contract_snapshot
from housing_app.extensions import db
from housing_app.models import Contract, ContractCharge, ContractRelatedPerson, Tenure
from housing_app.services import activity_log

LANDLORDS = ["Amira Khan", "Daniel Okafor", "Priya Patel", "Tom Walsh", "Grace Mensah", "Leon Fischer"]
CONTRACT_TYPES = ["Private sector lease", "Temporary accommodation licence", "Service level agreement"]


def demo_contract(rng: random.Random, asset_id: uuid.UUID) -> Contract:
    start = datetime(2022, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(0, 900))
    landlord = rng.choice(LANDLORDS)
    weekly_rent = Decimal(rng.randrange(18000, 42000)) / 100
    return Contract(
        target_id=asset_id,
        target_type="asset",
        contract_type=rng.choice(CONTRACT_TYPES),
        start_date=start,
        end_date=start + timedelta(days=365 * rng.choice([1, 2, 3])),
        renewal_date=start + timedelta(days=330),
        approval_date=start - timedelta(days=14),
        stage=rng.choice([1, 2, 3]),
        lha_area="Inner East London",
        lha_rate=Decimal("350.00"),
        is_active=True,
        is_vat_registered=rng.random() < 0.3,
        related_people=[
            ContractRelatedPerson(
                type="person",
                sub_type="Landlord",
                name=landlord,
                email=f"{landlord.split()[0].lower()}@landlord.example",
                is_responsible=True,
                description="Landlord of the property",
            )
        ],
        charges=[
            ContractCharge(type="Rent", frequency="Weekly", amount=weekly_rent),
            ContractCharge(type="Service charge", frequency="Monthly", amount=Decimal(rng.randrange(20, 90))),
        ],
    )


def load_demo_contracts(seed: int) -> int:
    """Add contracts for demo tenures' properties that have none; 0 if there are no tenures yet.
    Each is recorded in the activity history like any other change."""
    rng = random.Random(seed)
    asset_ids = db.session.scalars(
        db.select(Tenure.asset_id).where(Tenure.asset_id.is_not(None)).distinct().order_by(Tenure.asset_id)
    ).all()
    with_contracts = set(
        db.session.scalars(db.select(Contract.target_id).where(Contract.target_id.in_(asset_ids)))
    )
    created = 0
    for asset_id in asset_ids:
        if asset_id in with_contracts:
            continue
        for _ in range(rng.choice([1, 1, 2])):
            with activity_log.logged_change("create", "contract", contract_snapshot) as change:
                change.target = demo_contract(rng, asset_id)
                db.session.add(change.target)
            created += 1
    return created
