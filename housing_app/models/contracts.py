"""Contracts: the agreement that lets Hackney use a property (usually an asset), with the people
responsible for it and its charges.

Field names follow the Contracts API spec (../shared/seeds/contracts-api.md) in snake_case.
Related people and charges are child rows so each keeps a server-made id across updates.
"""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from housing_app.extensions import db
from housing_app.models.activities import precise_utcnow
from housing_app.models.base import Timestamps, UTCDateTime, UUIDPrimaryKey

CONTRACT_TARGET_TYPES = ("asset", "tenure")
RELATED_PARTY_TYPES = ("person", "organisation")
CHARGE_FREQUENCIES = (
    "Daily",
    "Weekly",
    "Fortnightly",
    "Four-weekly",
    "Monthly",
    "Quarterly",
    "Yearly",
    "One-off",
)
# Amounts are pounds and pence: up to ten digits before the point.
MONEY = Numeric(12, 2)
MAX_AMOUNT = Decimal("9999999999.99")


class Contract(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "contracts"
    __table_args__ = (
        # Contracts of one target, paged oldest first by (created_at, id).
        Index("ix_contracts_target_created", "target_id", "created_at", "id"),
    )

    # To the microsecond, so a target's contracts list in the order they were made.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=precise_utcnow)
    target_id: Mapped[uuid.UUID]
    target_type: Mapped[str] = mapped_column(String(40))
    contract_type: Mapped[str | None] = mapped_column(String(100))
    start_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    renewal_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approval_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optimistic locking: 0 when created, +1 on every change; PATCH must send the one it read.
    version_number: Mapped[int] = mapped_column(default=0)
    funding_source: Mapped[str | None] = mapped_column(String(100))
    cost_centre: Mapped[str | None] = mapped_column(String(100))
    lha_area: Mapped[str | None] = mapped_column(String(100))
    lha_rate: Mapped[Decimal | None] = mapped_column(MONEY)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_vat_registered: Mapped[bool] = mapped_column(default=False)
    stage: Mapped[int | None]

    related_people: Mapped[list["ContractRelatedPerson"]] = relationship(
        back_populates="contract",
        cascade="all, delete-orphan",
        order_by="ContractRelatedPerson.position",
    )
    charges: Mapped[list["ContractCharge"]] = relationship(
        back_populates="contract",
        cascade="all, delete-orphan",
        order_by="ContractCharge.position",
    )


class ContractRelatedPerson(UUIDPrimaryKey, db.Model):
    """Someone responsible for or party to a contract (a landlord, an agent...)."""

    __tablename__ = "contract_related_people"

    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    type: Mapped[str | None] = mapped_column(String(20))
    sub_type: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    is_responsible: Mapped[bool | None]
    description: Mapped[str | None] = mapped_column(String(500))
    # The person's or organisation's own record elsewhere (Person API), if any.
    related_id: Mapped[uuid.UUID | None]

    contract: Mapped[Contract] = relationship(back_populates="related_people")


class ContractCharge(UUIDPrimaryKey, db.Model):
    __tablename__ = "contract_charges"

    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    type: Mapped[str | None] = mapped_column(String(100))
    sub_type: Mapped[str | None] = mapped_column(String(100))
    frequency: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(MONEY)

    contract: Mapped[Contract] = relationship(back_populates="charges")
