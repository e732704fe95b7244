"""Tenures: the legal basis on which a household occupies a home, and its household members.

Field names follow the Tenure API spec (../shared/seeds/tenure-api.md) in snake_case.
Charges, notices and legacy references are small nested documents kept as JSON.
"""

import uuid
from collections import Counter
from datetime import date

from sqlalchemy import (
    JSON,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    event,
    func,
    inspect,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session, relationship, validates

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


# Name keys compare in code point order on PostgreSQL too (as on SQLite), whatever the
# database's collation: the keys starting with a prefix are then one contiguous range, which
# previous_key relies on, and one index serves both LIKE 'prefix%' and the order of a page.
NAME_KEY = String(200).with_variant(String(200, collation="C"), "postgresql")


class HouseholdMemberNameKey(db.Model):
    """The tenure search index: one row per household member and name they can be found by
    (kind "first": their first name; kind "last": each of name_keys_for), carrying the
    tenure's sort columns. A name search is then one index range whose entries hold everything
    needed to count the matches and order them (name, postcode, address, id) without reading
    the tenures. Kept in step with household members and tenures by the mapper events below.

    previous_key makes a tenure appear once in a search for a prefix, however many of its
    members match, without grouping every match: a tenure's keys of one kind, in (name_key,
    person_id) order, each hold the key before them (NULL for the first). The keys matching a
    prefix are consecutive in that order, so exactly one of them (the first) has a previous
    key that does not match: a search keeps the entries whose previous_key does not start with
    the prefix, and reads its page straight from the index, in index order."""

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
            "previous_key",
        ),
    )

    tenure_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(5), primary_key=True)
    name_key: Mapped[str] = mapped_column(NAME_KEY, primary_key=True)
    # Copies of the tenure's, for ordering (see Tenure's after_update event); "" when the
    # tenure has none, so that every database's plain index order puts those first.
    postcode_normalised: Mapped[str | None] = mapped_column(String(10))
    asset_full_address: Mapped[str | None] = mapped_column(String(500))
    previous_key: Mapped[str | None] = mapped_column(NAME_KEY)


# Searches for a prefix up to this long are counted from name_prefix_counts; a longer one
# matches few enough keys to count them.
COUNTED_PREFIX_LENGTH = 12


class NamePrefixCount(db.Model):
    """How many tenures a search for one name finds, for each prefix (up to
    COUNTED_PREFIX_LENGTH characters) of any name key: the API's exact total for a common
    name is then one row, not a count of tens of thousands of index entries. Kept by the same
    events as the name keys, written when the transaction commits (see _write_prefix_counts)."""

    __tablename__ = "name_prefix_counts"

    kind: Mapped[str] = mapped_column(String(5), primary_key=True)
    prefix: Mapped[str] = mapped_column(NAME_KEY, primary_key=True)
    tenures: Mapped[int] = mapped_column(Integer, nullable=False)


def name_prefixes(keys) -> set[str]:
    """Every prefix, up to COUNTED_PREFIX_LENGTH characters, of any of `keys`."""
    return {key[:length] for key in keys for length in range(1, min(len(key), COUNTED_PREFIX_LENGTH) + 1)}


def name_key_rows(
    tenure_id, person_id, full_name, postcode_normalised=None, asset_full_address=None
) -> list[dict]:
    """The household_member_name_keys rows of one person (for bulk loads too), without their
    previous_key: link_name_keys sets it once all of the tenure's rows are made."""
    common = {
        "tenure_id": tenure_id,
        "person_id": person_id,
        "postcode_normalised": postcode_normalised or "",
        "asset_full_address": asset_full_address or "",
    }
    first = first_name_key_for(full_name)
    rows = [{**common, "kind": "first", "name_key": first}] if first else []
    rows += [{**common, "kind": "last", "name_key": key} for key in sorted(name_keys_for(full_name))]
    return rows


def link_name_keys(rows: list[dict]) -> list[dict]:
    """Set each row's previous_key (see HouseholdMemberNameKey) from the other rows of its
    tenure and kind; `rows` must hold every row of the tenures they belong to."""
    for group in _rows_by_tenure_and_kind(rows).values():
        previous = None
        for row in sorted(group, key=lambda row: (row["name_key"], str(row["person_id"]))):
            row["previous_key"] = previous
            previous = row["name_key"]
    return rows


def _rows_by_tenure_and_kind(rows):
    groups: dict = {}
    for row in rows:
        groups.setdefault((row["tenure_id"], row["kind"]), []).append(row)
    return groups


_NAME_KEYS = HouseholdMemberNameKey.__table__
_TENURES = Tenure.__table__
_KEYS_OF_TENURE = select(
    _NAME_KEYS.c.tenure_id,
    _NAME_KEYS.c.person_id,
    _NAME_KEYS.c.kind,
    _NAME_KEYS.c.name_key,
    _NAME_KEYS.c.previous_key,
).where(_NAME_KEYS.c.tenure_id == bindparam("tenure_id"))
_SET_PREVIOUS_KEY = (
    _NAME_KEYS.update()
    .where(
        _NAME_KEYS.c.tenure_id == bindparam("t"),
        _NAME_KEYS.c.person_id == bindparam("p"),
        _NAME_KEYS.c.kind == bindparam("k"),
        _NAME_KEYS.c.name_key == bindparam("n"),
    )
    .values(previous_key=bindparam("previous"))
)


def _stored_keys(connection, tenure_id) -> list[dict]:
    return [row._asdict() for row in connection.execute(_KEYS_OF_TENURE, {"tenure_id": tenure_id})]


def _relink(connection, stored: list[dict]) -> None:
    """Bring the previous_key of a tenure's rows (all of them, as stored) up to date."""
    was = {(row["person_id"], row["kind"], row["name_key"]): row["previous_key"] for row in stored}
    changed = [
        {
            "t": row["tenure_id"],
            "p": row["person_id"],
            "k": row["kind"],
            "n": row["name_key"],
            "previous": row["previous_key"],
        }
        for row in link_name_keys([dict(row) for row in stored])
        if was[(row["person_id"], row["kind"], row["name_key"])] != row["previous_key"]
    ]
    if changed:
        connection.execute(_SET_PREVIOUS_KEY, changed)


def _change_name_keys(connection, member: HouseholdMember, change) -> None:
    """Run `change` (which rewrites the member's name keys), then relink the tenure's keys and
    note how its prefix counts move, to be written at commit."""
    before = _stored_keys(connection, member.tenure_id)
    change()
    after = _stored_keys(connection, member.tenure_id)
    _relink(connection, after)
    session = object_session(member)
    if session is None:
        return
    pending = session.info.setdefault(PENDING_PREFIX_COUNTS, Counter())
    for kind in ("first", "last"):
        old = name_prefixes(row["name_key"] for row in before if row["kind"] == kind)
        new = name_prefixes(row["name_key"] for row in after if row["kind"] == kind)
        pending.update({(kind, prefix): 1 for prefix in new - old})
        pending.subtract({(kind, prefix): 1 for prefix in old - new})


def _delete_name_keys(connection, member: HouseholdMember) -> None:
    connection.execute(
        _NAME_KEYS.delete().where(
            and_(_NAME_KEYS.c.tenure_id == member.tenure_id, _NAME_KEYS.c.person_id == member.id)
        )
    )


def _insert_name_keys(connection, member: HouseholdMember) -> None:
    # The tenure is written before its members in a flush, so its row is current here.
    tenure = connection.execute(
        _TENURES.select()
        .with_only_columns(_TENURES.c.postcode_normalised, _TENURES.c.asset_full_address)
        .where(_TENURES.c.id == member.tenure_id)
    ).first()
    rows = name_key_rows(member.tenure_id, member.id, member.full_name, *(tenure or (None, None)))
    if rows:
        connection.execute(_NAME_KEYS.insert(), [{**row, "previous_key": None} for row in rows])


@event.listens_for(HouseholdMember, "after_insert")
def _name_keys_on_insert(_mapper, connection, member: HouseholdMember) -> None:
    _change_name_keys(connection, member, lambda: _insert_name_keys(connection, member))


@event.listens_for(HouseholdMember, "after_update")
def _name_keys_on_update(_mapper, connection, member: HouseholdMember) -> None:
    if not inspect(member).attrs.full_name.history.has_changes():
        return

    def rename():
        _delete_name_keys(connection, member)
        _insert_name_keys(connection, member)

    _change_name_keys(connection, member, rename)


@event.listens_for(HouseholdMember, "before_delete")
def _name_keys_on_delete(_mapper, connection, member: HouseholdMember) -> None:
    _change_name_keys(connection, member, lambda: _delete_name_keys(connection, member))


# Prefix counts: the changes of a transaction are added up in the session and written once,
# just before it commits, in one sorted statement, so that transactions changing the same
# common prefixes ("s", "sm") hold those rows for the shortest time and always lock them in
# the same order (never a deadlock).
PENDING_PREFIX_COUNTS = "housing_app_pending_prefix_counts"
_PREFIX_COUNTS = NamePrefixCount.__table__


def has_pending_prefix_counts(session) -> bool:
    return any(session.info.get(PENDING_PREFIX_COUNTS, {}).values())


def write_prefix_counts(connection, changes: dict) -> None:
    rows = [{"kind": k, "prefix": p, "tenures": n} for (k, p), n in sorted(changes.items()) if n]
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(_PREFIX_COUNTS)
    statement = statement.on_conflict_do_update(
        index_elements=["kind", "prefix"],
        set_={"tenures": _PREFIX_COUNTS.c.tenures + statement.excluded.tenures},
    )
    connection.execute(statement, rows)


@event.listens_for(Session, "before_commit")
def _write_prefix_counts(session) -> None:
    session.flush()  # the commit's own flush comes after this event: its changes count too
    changes = session.info.pop(PENDING_PREFIX_COUNTS, None)
    if changes:
        write_prefix_counts(session.connection(), changes)


@event.listens_for(Session, "after_transaction_end")
def _forget_prefix_counts(session, transaction) -> None:
    if transaction.parent is None:  # rolled back (a commit has written and forgotten them)
        session.info.pop(PENDING_PREFIX_COUNTS, None)


def count_name_prefixes(connection) -> None:
    """Fill name_prefix_counts afresh from the linked name keys (for bulk loads): for each
    prefix length, the keys of that length or more whose previous key does not start the same
    way, which is one key per tenure and prefix."""
    connection.execute(_PREFIX_COUNTS.delete())
    keys = _NAME_KEYS.c
    for length in range(1, COUNTED_PREFIX_LENGTH + 1):
        size = literal_column(str(length))  # written out: a parameter would not match the GROUP BY
        prefix = func.substr(keys.name_key, 1, size)
        first_of_tenure = or_(keys.previous_key.is_(None), func.substr(keys.previous_key, 1, size) != prefix)
        counted = (
            select(keys.kind, prefix, func.count())
            .where(func.length(keys.name_key) >= size, first_of_tenure)
            .group_by(keys.kind, prefix)
        )
        connection.execute(_PREFIX_COUNTS.insert().from_select(["kind", "prefix", "tenures"], counted))


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
        .values(
            postcode_normalised=tenure.postcode_normalised or "",
            asset_full_address=tenure.asset_full_address or "",
        )
    )
