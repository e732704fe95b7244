"""Tenures: the legal basis on which a household occupies a home, and its household members.

Field names follow the Tenure API spec (../shared/seeds/tenure-api.md) in snake_case.
Charges, notices and legacy references are small nested documents kept as JSON.
"""

import uuid
from datetime import date

from sqlalchemy import JSON, ForeignKey, ForeignKeyConstraint, Index, String, Text, and_, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from housing_app.extensions import db
from housing_app.models.base import Timestamps, UUIDPrimaryKey

TENURE_TYPES = {
    "ASY": "Asylum Seeker",
    "COM": "Commercial Let",
    "DEC": "Decant",
    "FRE": "Freehold",
    "FRS": "Freehold (Serv)",
    "HAL": "Housing Associations Let",
    "HPH": "Private Sector Housing",
    "INT": "Introductory",
    "LEA": "Leasehold (RTB)",
    "LHS": "Licensee Short Term",
    "LTA": "Licence Temp Ac",
    "MPA": "Mesne Profit Ac",
    "NON": "Non-Secure",
    "PVG": "Private Garage",
    "RTM": "Tenant Acc Flat",
    "SEC": "Secure",
    "SHO": "Shared Owners",
    "SPS": "Shared Equity",
    "SPT": "Temp Private Lt",
    "TAF": "Temp Annex",
    "TBB": "Temp B&B",
    "TGA": "Temp Hostel",
    "THL": "Temp Hostel Lse",
    "THO": "Temp Traveller",
}

PERSON_TENURE_TYPES = (
    "Tenant",
    "Leaseholder",
    "Freeholder",
    "HouseholdMember",
    "Occupant",
    "Licensee",
    "SharedOwner",
)

HOUSEHOLD_MEMBER_TYPES = ("person", "organisation")
ASSET_TYPES = ("Dwelling", "Block", "Estate", "Garage", "LettableNonDwelling", "NA")


def normalise_postcode(postcode: str | None) -> str | None:
    """'e8 1hh' and 'E81HH' both become 'E81HH' for matching."""
    if not postcode:
        return None
    return "".join(postcode.split()).upper()


def prefix_index(name: str, *columns: str) -> Index:
    """A b-tree index that serves prefix searches (`LIKE 'abc%'`, or a range on SQLite) on the
    first column. PostgreSQL uses a b-tree for LIKE only in the "C" collation or with the
    pattern operator class, so the index is built with `varchar_pattern_ops` there."""
    return Index(name, *columns, postgresql_ops={columns[0]: "varchar_pattern_ops"})


class Tenure(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "tenures"
    __table_args__ = (
        # Postcode search: a prefix of the normalised postcode.
        prefix_index("ix_tenures_postcode_prefix", "postcode_normalised"),
    )

    payment_reference: Mapped[str | None] = mapped_column(String(50))

    # tenuredAsset
    asset_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    asset_type: Mapped[str | None] = mapped_column(String(40))
    asset_full_address: Mapped[str | None] = mapped_column(String(500))
    asset_uprn: Mapped[str | None] = mapped_column(String(20))
    asset_postcode: Mapped[str | None] = mapped_column(String(10))
    postcode_normalised: Mapped[str | None] = mapped_column(String(10))

    @validates("asset_postcode")
    def _keep_search_postcode(self, _key, postcode):
        # Set here, not in the API layer, so every way of saving a tenure stays findable.
        self.postcode_normalised = normalise_postcode(postcode)
        return postcode

    charges: Mapped[dict | None] = mapped_column(JSON)

    start_of_tenure_date: Mapped[date | None]
    end_of_tenure_date: Mapped[date | None]
    succession_date: Mapped[date | None]
    eviction_date: Mapped[date | None]
    potential_end_date: Mapped[date | None]

    tenure_type_code: Mapped[str | None] = mapped_column(String(10))
    tenure_type_description: Mapped[str | None] = mapped_column(String(100))
    is_tenanted: Mapped[bool | None]
    is_terminated: Mapped[bool] = mapped_column(default=False)
    reason_for_termination: Mapped[str | None] = mapped_column(String(500))

    notices: Mapped[list | None] = mapped_column(JSON)
    legacy_references: Mapped[list | None] = mapped_column(JSON)

    is_mutual_exchange: Mapped[bool | None]
    inform_housing_benefits_for_changes: Mapped[bool | None]
    is_sublet: Mapped[bool | None]
    sublet_end_date: Mapped[date | None]

    # The tenure as the Tenure API shows it, as JSON text without isActive (which changes with
    # the date): kept in step on every flush (housing_app.services.tenure_documents), so reads
    # send it as it is instead of loading and serialising the tenure and its household.
    api_document: Mapped[str | None] = mapped_column(Text, deferred=True)

    # Optimistic locking: every UPDATE says "WHERE version = <the version read>", so of two
    # concurrent writers to one tenure the second fails (StaleDataError) instead of losing the first.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    household_members: Mapped[list["HouseholdMember"]] = relationship(
        back_populates="tenure",
        cascade="all, delete-orphan",
        order_by="(HouseholdMember.is_responsible.desc(), HouseholdMember.full_name)",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_active(self) -> bool:
        return tenure_is_active(self)


def tenure_is_active(tenure) -> bool:
    """A current tenancy: started, not terminated, and no end date in the past. `tenure` is a
    Tenure or a row of the tenures table."""
    today = date.today()
    if tenure.is_terminated:
        return False
    if tenure.start_of_tenure_date and tenure.start_of_tenure_date > today:
        return False
    return not (tenure.end_of_tenure_date and tenure.end_of_tenure_date < today)


class HouseholdMember(db.Model):
    """A person (or organisation) in a tenure's household. `id` is the person's id, which
    clients choose (it refers to the person record elsewhere); unique within a tenure."""

    __tablename__ = "household_members"
    # Name searches are answered from household_member_name_keys (below), not from here.

    tenure_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenures.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(20), default="person")
    full_name: Mapped[str] = mapped_column(String(200))
    is_responsible: Mapped[bool] = mapped_column(default=False)
    date_of_birth: Mapped[date | None]
    person_tenure_type: Mapped[str | None] = mapped_column(String(40))
    # Lower-cased first and last words of full_name, for indexed case-insensitive search.
    search_first_name: Mapped[str | None] = mapped_column(String(100))
    search_last_name: Mapped[str | None] = mapped_column(String(100))

    tenure: Mapped[Tenure] = relationship(back_populates="household_members")

    def set_full_name(self, full_name: str) -> None:
        self.full_name = full_name.strip()
        words = self.full_name.lower().split()
        self.search_first_name = words[0] if words else None
        self.search_last_name = words[-1] if words else None


def name_keys_for(full_name: str | None) -> set[str]:
    """What a last-name search matches a person on: their last word, and the rest of their full
    name from each later word on ("Ana Maria De Souza": "maria de souza", "de souza", "souza"),
    lower-cased. A search is a prefix of one of these, so it is answered from an index."""
    lowered = (full_name or "").strip().lower()
    keys = {lowered[index + 1 :] for index, char in enumerate(lowered) if char == " "}
    words = lowered.split()
    if words:
        keys.add(words[-1])
    return {key[:200] for key in keys if key.strip()}


def first_name_key_for(full_name: str | None) -> str | None:
    words = (full_name or "").strip().lower().split()
    return words[0][:200] if words else None


class HouseholdMemberNameKey(db.Model):
    """The tenure search index: one row per household member and name they can be found by
    (kind "first": their first name; kind "last": each of name_keys_for), carrying the
    tenure's sort columns. A name search is then one index range whose entries hold everything
    needed to count the matches and order them (postcode, address, id) without reading the
    tenures. Kept in step with household members and tenures by the mapper events below."""

    __tablename__ = "household_member_name_keys"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenure_id", "person_id"],
            ["household_members.tenure_id", "household_members.id"],
            ondelete="CASCADE",
        ),
        Index(
            "ix_household_member_name_keys_search",
            "kind",
            "name_key",
            "postcode_normalised",
            "asset_full_address",
            "tenure_id",
            postgresql_ops={"name_key": "varchar_pattern_ops"},
        ),
    )

    tenure_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(5), primary_key=True)
    name_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Copies of the tenure's, for ordering (see Tenure's after_update event).
    postcode_normalised: Mapped[str | None] = mapped_column(String(10))
    asset_full_address: Mapped[str | None] = mapped_column(String(500))


def name_key_rows(
    tenure_id, person_id, full_name, postcode_normalised=None, asset_full_address=None
) -> list[dict]:
    """The household_member_name_keys rows of one person (for bulk loads too)."""
    common = {
        "tenure_id": tenure_id,
        "person_id": person_id,
        "postcode_normalised": postcode_normalised,
        "asset_full_address": asset_full_address,
    }
    first = first_name_key_for(full_name)
    rows = [{**common, "kind": "first", "name_key": first}] if first else []
    rows += [{**common, "kind": "last", "name_key": key} for key in sorted(name_keys_for(full_name))]
    return rows


_NAME_KEYS = HouseholdMemberNameKey.__table__
_TENURES = Tenure.__table__


def _delete_name_keys(connection, member: HouseholdMember) -> None:
    connection.execute(
        _NAME_KEYS.delete().where(
            and_(_NAME_KEYS.c.tenure_id == member.tenure_id, _NAME_KEYS.c.person_id == member.id)
        )
    )


@event.listens_for(HouseholdMember, "after_insert")
def _name_keys_on_insert(_mapper, connection, member: HouseholdMember) -> None:
    # The tenure is written before its members in a flush, so its row is current here.
    tenure = connection.execute(
        _TENURES.select()
        .with_only_columns(_TENURES.c.postcode_normalised, _TENURES.c.asset_full_address)
        .where(_TENURES.c.id == member.tenure_id)
    ).first()
    rows = name_key_rows(member.tenure_id, member.id, member.full_name, *(tenure or (None, None)))
    if rows:
        connection.execute(_NAME_KEYS.insert(), rows)


@event.listens_for(HouseholdMember, "after_update")
def _name_keys_on_update(_mapper, connection, member: HouseholdMember) -> None:
    if not inspect(member).attrs.full_name.history.has_changes():
        return
    _delete_name_keys(connection, member)
    _name_keys_on_insert(_mapper, connection, member)


@event.listens_for(HouseholdMember, "before_delete")
def _name_keys_on_delete(_mapper, connection, member: HouseholdMember) -> None:
    _delete_name_keys(connection, member)


@event.listens_for(Tenure, "after_update")
def _name_keys_follow_the_address(_mapper, connection, tenure: Tenure) -> None:
    state = inspect(tenure).attrs
    if not (
        state.postcode_normalised.history.has_changes() or state.asset_full_address.history.has_changes()
    ):
        return
    connection.execute(
        _NAME_KEYS.update()
        .where(_NAME_KEYS.c.tenure_id == tenure.id)
        .values(postcode_normalised=tenure.postcode_normalised, asset_full_address=tenure.asset_full_address)
    )
