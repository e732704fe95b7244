"""Tenures: the one place that reads, searches, snapshots and changes them.

The API (housing_app/api/tenures.py) and the officers' pages both call these functions. Every
change records its activity in the caller's transaction and commits once; optimistic locking
(Tenure.version) turns a concurrent write into StaleTenure instead of a lost update.
"""

import functools
import hashlib
import json
import uuid
from collections import namedtuple
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, bindparam, distinct, exists, func, not_, or_, select, tuple_, union
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.selectable import CompoundSelect

from housing_app.api.fields import camelcase, format_rfc3339
from housing_app.api.tenure_schemas import postcode_from_address
from housing_app.database import DirectStatement, read_connection, reading_apart_from_session
from housing_app.extensions import db
from housing_app.models.base import utcnow
from housing_app.models.tenures import (
    COUNTED_PREFIX_LENGTH,
    TENURE_TYPES,
    HouseholdMember,
    HouseholdMemberNameKey,
    NamePrefixCount,
    Tenure,
    has_pending_prefix_counts,
    normalise_postcode,
    tenure_is_active,
)
from housing_app.services import activity_log
from housing_app.services.tenure_documents import document_with_is_active

CHARGE_FIELDS = (
    "rent",
    "currentBalance",
    "billingFrequency",
    "serviceCharge",
    "otherCharges",
    "combinedServiceCharges",
    "combinedRentCharges",
    "tenancyInsuranceCharge",
    "originalRentCharge",
    "originalServiceCharge",
)
NOTICE_DATE_FIELDS = ("servedDate", "expiryDate", "endDate", "effectiveDate")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


class StaleTenure(Exception):
    """Someone else changed the tenure since the caller read it."""


# ---------------------------------------------------------------------------------------------
# Snapshots: the JSON shape of the Tenure API, reused by activities, other features and pages.


def _date_json(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # dates inside JSON columns are kept as YYYY-MM-DD
        value = date.fromisoformat(value)
    return format_rfc3339(value)


def household_member_to_json(member: HouseholdMember) -> dict:
    return {
        "id": str(member.id),
        "type": member.type,
        "fullName": member.full_name,
        "isResponsible": bool(member.is_responsible),
        "dateOfBirth": _date_json(member.date_of_birth),
        "personTenureType": member.person_tenure_type,
    }


def ordered_household(tenure: Tenure) -> list[HouseholdMember]:
    """Responsible people first, then by name (stable for equal names by id)."""
    return sorted(
        tenure.household_members,
        key=lambda m: (not m.is_responsible, (m.full_name or "").lower(), str(m.id)),
    )


def tenure_to_json(tenure: Tenure) -> dict:
    """The tenure exactly as GET /api/v1/tenures/{id} returns it (camelCase, RFC 3339 dates)."""
    charges = tenure.charges or {}
    return {
        "id": str(tenure.id),
        "paymentReference": tenure.payment_reference,
        "householdMembers": [household_member_to_json(m) for m in ordered_household(tenure)],
        "tenuredAsset": {
            "id": str(tenure.asset_id) if tenure.asset_id else None,
            "type": tenure.asset_type,
            "fullAddress": tenure.asset_full_address,
            "uprn": tenure.asset_uprn,
            "postcode": tenure.asset_postcode,
        },
        "charges": {name: charges.get(name) for name in CHARGE_FIELDS},
        "startOfTenureDate": _date_json(tenure.start_of_tenure_date),
        "endOfTenureDate": _date_json(tenure.end_of_tenure_date),
        "tenureType": {"code": tenure.tenure_type_code, "description": tenure.tenure_type_description},
        "isActive": tenure.is_active,
        "isTenanted": tenure.is_tenanted,
        "terminated": {
            "isTerminated": bool(tenure.is_terminated),
            "reasonForTermination": tenure.reason_for_termination,
        },
        "successionDate": _date_json(tenure.succession_date),
        "evictionDate": _date_json(tenure.eviction_date),
        "potentialEndDate": _date_json(tenure.potential_end_date),
        "notices": [
            {"type": n.get("type"), **{k: _date_json(n.get(k)) for k in NOTICE_DATE_FIELDS}}
            for n in (tenure.notices or [])
        ],
        "legacyReferences": [
            {"name": r.get("name"), "value": r.get("value")} for r in (tenure.legacy_references or [])
        ],
        "isMutualExchange": tenure.is_mutual_exchange,
        "informHousingBenefitsForChanges": tenure.inform_housing_benefits_for_changes,
        "isSublet": tenure.is_sublet,
        "subletEndDate": _date_json(tenure.sublet_end_date),
    }


def tenure_etag(tenure: Tenure) -> str:
    """An opaque strong validator (unquoted). It changes with every write (version) and when
    the tenure becomes current or former with the passing of time (isActive)."""
    basis = f"{tenure.id}:{tenure.version}:{tenure.is_active}"
    return hashlib.sha256(basis.encode()).hexdigest()[:24]


# ---------------------------------------------------------------------------------------------
# Reading and searching


def get_tenure(tenure_id: uuid.UUID) -> Tenure | None:
    """The tenure with its household, in one query (a join: at most a few rows), as an ORM
    object to change. To only show it, read_tenure is several times cheaper."""
    return (
        db.session.execute(
            select(Tenure).where(Tenure.id == tenure_id).options(joinedload(Tenure.household_members))
        )
        .unique()
        .scalar_one_or_none()
    )


class TenureReading:
    """A tenure read only to be shown: its row's columns as attributes (as a Tenure has them),
    its household and is_active. Reads skip the ORM's identity map and change tracking, which
    cost more than the queries themselves on the API's busiest calls."""

    __slots__ = ("_row", "household_members")

    def __init__(self, row, household_members: list):
        self._row = row
        self.household_members = household_members

    def __getattr__(self, name):
        return getattr(self._row, name)

    @property
    def is_active(self) -> bool:
        return tenure_is_active(self._row)


_TENURES = Tenure.__table__
_MEMBERS = HouseholdMember.__table__
# Built once: a statement's construction and cache key cost as much as running it on SQLite.
_TENURE_WITH_HOUSEHOLD = (
    select(_TENURES, *(column.label(f"member_{column.name}") for column in _MEMBERS.c))
    .select_from(_TENURES.outerjoin(_MEMBERS, _MEMBERS.c.tenure_id == _TENURES.c.id))
    .where(_TENURES.c.id == bindparam("id"))
)
_MemberRow = namedtuple("_MemberRow", [column.name for column in _MEMBERS.c])
_TENURES_BY_IDS = select(_TENURES).where(_TENURES.c.id.in_(bindparam("ids", expanding=True)))
_MEMBERS_BY_TENURES = select(_MEMBERS).where(_MEMBERS.c.tenure_id.in_(bindparam("ids", expanding=True)))
_TENURE_COLUMNS = len(_TENURES.c)
_MEMBER_ID = _TENURE_COLUMNS + list(_MEMBERS.c.keys()).index("id")


def read_tenures(tenure_ids: list[uuid.UUID]) -> dict[uuid.UUID, TenureReading]:
    """The tenures with these ids, with their households, by id: two indexed queries."""
    if not tenure_ids:
        return {}
    connection = read_connection()
    rows = connection.execute(_TENURES_BY_IDS, {"ids": tenure_ids}).all()
    if not rows:
        return {}
    households: dict[uuid.UUID, list] = {row.id: [] for row in rows}
    for member in connection.execute(_MEMBERS_BY_TENURES, {"ids": list(households)}):
        households[member.tenure_id].append(member)
    return {row.id: TenureReading(row, households[row.id]) for row in rows}


_DOCUMENT_COLUMNS = select(
    _TENURES.c.id,
    _TENURES.c.version,
    _TENURES.c.is_terminated,
    _TENURES.c.start_of_tenure_date,
    _TENURES.c.end_of_tenure_date,
    _TENURES.c.api_document,
)
# One id is the busiest call of the API: a plain `id = ?` (no IN list to expand), compiled once.
_DOCUMENT_BY_ID = DirectStatement(_DOCUMENT_COLUMNS.where(_TENURES.c.id == bindparam("id")))


@functools.lru_cache(maxsize=MAX_PAGE_SIZE + 1)
def _documents_by_ids(count: int) -> DirectStatement:
    """The documents of `count` ids (a search page's), `id IN (?, ?, ...)` compiled once per
    count: an expanding IN list is rewritten for its values on every call."""
    ids = [bindparam(f"id{index}", type_=_TENURES.c.id.type) for index in range(count)]
    return DirectStatement(_DOCUMENT_COLUMNS.where(_TENURES.c.id.in_(ids)))


def _id_params(ids: list) -> dict:
    return {f"id{index}": value for index, value in enumerate(ids)}


@dataclass(frozen=True)
class TenureDocument:
    """A tenure as the API sends it: `json` is the response body's text."""

    id: uuid.UUID
    version: int
    is_active: bool
    json: str


def read_tenure_documents(tenure_ids: list[uuid.UUID]) -> dict[uuid.UUID, TenureDocument]:
    """The API JSON of the tenures with these ids, by id: their stored documents (one query),
    or for any tenure without one, made from its rows."""
    if not tenure_ids:
        return {}
    rows = _documents_by_ids(len(tenure_ids)).all(read_connection(), **_id_params(tenure_ids))
    return _documents_of_rows(rows)


def _documents_of_rows(rows) -> dict[uuid.UUID, TenureDocument]:
    """The documents of rows with _DOCUMENT_COLUMNS, by id; those without a stored document are
    made from their tenures' rows."""
    found = {row.id: _stored_document(row) for row in rows if row.api_document is not None}
    unfilled = [row.id for row in rows if row.api_document is None]
    for tenure in read_tenures(unfilled).values():
        body = json.dumps(tenure_to_json(tenure), separators=(",", ":"))
        found[tenure.id] = TenureDocument(tenure.id, tenure.version, tenure.is_active, body)
    return found


def read_tenure_document(tenure_id: uuid.UUID) -> TenureDocument | None:
    """The API JSON of one tenure (see read_tenure_documents); None if there is none."""
    row = _DOCUMENT_BY_ID.first(read_connection(), id=tenure_id)
    if row is None:
        return None
    if row.api_document is not None:
        return _stored_document(row)
    return read_tenure_documents([tenure_id]).get(tenure_id)


def _stored_document(row) -> TenureDocument:
    active = tenure_is_active(row)
    return TenureDocument(row.id, row.version, active, document_with_is_active(row.api_document, active))


def read_tenure(tenure_id: uuid.UUID) -> TenureReading | None:
    """The tenure with its household, to show (see TenureReading); None if there is none.
    One query: the tenure's row joined to each member's (a few rows)."""
    rows = read_connection().execute(_TENURE_WITH_HOUSEHOLD, {"id": tenure_id}).all()
    if not rows:
        return None
    members = [_MemberRow(*row[_TENURE_COLUMNS:]) for row in rows if row[_MEMBER_ID] is not None]
    return TenureReading(rows[0], members)


def _prefix_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def _after_prefix(text: str) -> str | None:
    """The least string greater than every string starting with `text` (code point order), or
    None when there is none."""
    while text:
        code = ord(text[-1]) + 1
        if code == 0xD800:  # surrogates cannot be stored; the next character is U+E000
            code = 0xE000
        if code <= 0x10FFFF:
            return text[:-1] + chr(code)
        text = text[:-1]
    return None


# The parameters compared with LIKE on PostgreSQL: the normalised postcode, which keeps the
# database's collation and a pattern_ops index. Name keys are in the "C" collation there, so the
# range below is exact, and unlike LIKE with a parameter it bounds the index scan in a prepared
# statement's generic plan too (a generic plan for LIKE $1 reads the whole index).
_LIKE_ON_POSTGRESQL = {"pc"}


def _prefix_params(name: str, text: str, dialect: str) -> dict:
    """The values of _starts_with(column, name, ...) for `text`."""
    if dialect == "postgresql" and name in _LIKE_ON_POSTGRESQL:
        return {name: _prefix_pattern(text)}
    return {name: text, f"{name}_end": _after_prefix(text)}


def _starts_with(column, name: str, dialect: str, bounded: bool = True):
    """`column` starts with the parameter `name` (see _prefix_params), written so the column's
    b-tree index answers it.

    The range text <= column < next string in code point order (`bounded` is False in the rare
    case there is no next string): on SQLite, which uses an index for LIKE only under a NOCASE
    collation and without ESCAPE, and on PostgreSQL for name keys (see _LIKE_ON_POSTGRESQL).
    LIKE 'text%' for the postcode on PostgreSQL (its index uses the pattern operator class).
    The search columns hold normalised text (lower-case names, upper-case postcodes) and the
    text is normalised the same way, so both spellings give the same rows."""
    if dialect == "postgresql" and name in _LIKE_ON_POSTGRESQL:
        return column.like(bindparam(name), escape="\\")
    if not bounded:
        return column >= bindparam(name)
    return and_(column >= bindparam(name), column < bindparam(f"{name}_end"))


@dataclass(frozen=True)
class SearchPage:
    tenures: list  # TenureReading, or TenureDocument when asked for as_documents
    count: int
    offset: int
    limit: int
    # For a search by one name: where the page ends in the search's order (name key, postcode,
    # address, tenure id), for the next page to start from (search_tenures' `after`).
    last_position: tuple | None = None


AFTER = ("key", "pc", "address", "id")  # the parts of a position, as parameters a_key, ...


@dataclass(frozen=True)
class _SearchShape:
    """What decides a search's SQL (not its values): statements are built once per shape."""

    dialect: str
    kinds: tuple[str, ...]  # of the name criteria, in order: "first" / "last"
    either: bool  # one word matching a first or a last name
    postcode: bool
    unbounded: frozenset[str]  # prefixes with no next string (see _starts_with)
    after: bool = False  # a one-name search continuing after a position (keyset paging)

    def starts_with(self, column, name: str):
        return _starts_with(column, name, self.dialect, name not in self.unbounded)


def search_tenures(
    first_name: str | None = None,
    last_name: str | None = None,
    postcode: str | None = None,
    name: str | None = None,
    offset: int = 0,
    limit: int = DEFAULT_PAGE_SIZE,
    as_documents: bool = False,
    after: tuple | None = None,
) -> SearchPage:
    """Tenures matching every given criterion, in a stable order: for one name (a first or a
    last name, with or without a postcode) by the matching name, then postcode, address and
    id, which is the order of the search index; otherwise by postcode, address and id.

    Names are case-insensitive prefixes: `first_name` of a member's first name, `last_name` of
    their last name or any later word of their full name ("Souza" and "De Souza" both match
    "Ana De Souza"); both must match the same member. `name` is an officer's free text: one
    word matches a first or last name, more words a first and a last name. The postcode matches
    with or without its space, and a partial postcode ("E8 1") matches as a prefix.

    Every criterion is answered from an index: names from household_member_name_keys
    (name_keys_for), postcodes from the normalised postcode index. The statements are built
    once per shape of search (_search_statements) and run with the values as parameters.

    The page holds TenureReading objects, or with `as_documents` each tenure's API JSON
    (TenureDocument), which is what the API sends.

    A search by one name can continue `after` the last_position of its previous page: the
    index is then entered at that position instead of skipping `offset` entries (`offset` is
    only reported back), so a deep page costs what the first does.
    """
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    firsts, lasts, either = [], [], None
    if name:
        words = name.lower().split()
        if len(words) == 1:
            either = words[0]
        elif words:
            firsts.append(words[0])
            lasts.append(" ".join(words[1:]))
    if first_name and first_name.strip():
        firsts.append(first_name.strip().lower())
    if last_name and last_name.strip():
        lasts.append(last_name.strip().lower())
    normalised = normalise_postcode(postcode)

    connection = read_connection()
    dialect = connection.dialect.name
    criteria = [("first", text) for text in firsts] + [("last", text) for text in lasts]
    params: dict = {"offset": offset, "limit": limit}
    for index, (_kind, text) in enumerate(criteria):
        params.update(_prefix_params(f"c{index}", text, dialect))
    if either is not None:
        params.update(_prefix_params("e", either, dialect))
    if normalised:
        params.update(_prefix_params("pc", normalised, dialect))
    one_name = len(criteria) == 1 and either is None
    keyset = one_name and after is not None
    if keyset:
        params.update({"offset": 0, **{f"a_{name}": value for name, value in zip(AFTER, after, strict=True)}})
    shape = _SearchShape(
        dialect=dialect,
        kinds=tuple(kind for kind, _text in criteria),
        either=either is not None,
        postcode=bool(normalised),
        unbounded=frozenset(key for key, value in params.items() if value is None and key.endswith("_end")),
        after=keyset,
    )
    params = {key: value for key, value in params.items() if value is not None}
    ordered, count_query = _search_statements(shape)
    # The API's search by one name is one round trip: its page, the page's stored documents
    # and the name's kept count in one statement; so is its search by postcode alone (the page,
    # its documents and the count). Other searches read the page's ids in order, then those
    # tenures.
    with_documents = as_documents and (one_name or (not criteria and either is None and bool(normalised)))
    kept_count_read = with_documents and one_name and _counted_by_prefix(shape, criteria)
    matched_count_read = with_documents and not one_name  # a postcode alone: counted with its page
    if with_documents and one_name:
        ordered = _one_name_documents_statement(shape, kept_count_read)
        if kept_count_read:
            params.update(kept_kind=criteria[0][0], kept_prefix=criteria[0][1])
    elif with_documents:
        ordered = _postcode_documents_statement(shape)
    rows = ordered.all(connection, **params)
    # The total: no more than the page when it is the first and not full; for one name, its
    # kept count (NamePrefixCount); for a postcode alone, counted with the page; else counted.
    if offset == 0 and len(rows) < limit:
        count = len(rows)
    elif kept_count_read and rows:
        count = rows[0].kept_count or 0
    elif matched_count_read and rows:
        count = rows[0].matched_count
    elif _counted_by_prefix(shape, criteria):
        kind, text = criteria[0]
        count = _PREFIX_COUNT.scalar(connection, kind=kind, prefix=text) or 0
    else:
        count = count_query.scalar(connection, **params)
    ids = [row.id for row in rows]
    if with_documents:
        loaded = _documents_of_rows(rows)
    else:
        loaded = read_tenure_documents(ids) if as_documents else read_tenures(ids)
    last = rows[-1] if rows and one_name else None
    return SearchPage(
        tenures=[loaded[i] for i in ids],
        count=count,
        offset=offset,
        limit=limit,
        last_position=(last.name_key, last.postcode_normalised, last.asset_full_address, last.id)
        if last
        else None,
    )


_PREFIX_COUNT = DirectStatement(
    select(NamePrefixCount.tenures).where(
        NamePrefixCount.kind == bindparam("kind"), NamePrefixCount.prefix == bindparam("prefix")
    )
)


def _counted_by_prefix(shape: _SearchShape, criteria: list) -> bool:
    """Whether name_prefix_counts holds this search's total: one name and nothing else, not
    too long, and no change of this transaction still waiting to be counted."""
    return (
        len(shape.kinds) == 1
        and not shape.either
        and not shape.postcode
        and len(criteria[0][1]) <= COUNTED_PREFIX_LENGTH
        # Changes this transaction has not counted yet: only where the reads see them.
        and (reading_apart_from_session() or not has_pending_prefix_counts(db.session()))
    )


@functools.lru_cache(maxsize=256)
def _search_statements(shape: _SearchShape) -> tuple[DirectStatement, DirectStatement]:
    """(page of ids in order, count of matching tenures) for searches of this shape, each
    compiled once (DirectStatement)."""
    ordered, count_query = _search_sql(shape)
    return DirectStatement(ordered), DirectStatement(count_query)


def _search_sql(shape: _SearchShape):
    if len(shape.kinds) == 1 and not shape.either:
        return _one_name_statements(shape)
    matches = _name_matches(shape)
    if isinstance(matches, CompoundSelect):  # a union: distinct rows already
        matched = matches.subquery("matched")
        columns = matched.c
        ordered = select(columns.tenure_id.label("id"))
        count_query = select(func.count()).select_from(matched)
    elif matches is not None:
        # Names (and perhaps a postcode): everything from household_member_name_keys' index,
        # whose entries carry the tenure's sort columns, so the work grows with the matches,
        # not with the number of tenures. Grouping by the sort columns makes one pass that both
        # removes a tenure's second matching member and orders the page.
        columns = matches.selected_columns
        ordered = matches.with_only_columns(columns.tenure_id.label("id")).group_by(*_sort_keys(columns))
        count_query = matches.with_only_columns(func.count(distinct(columns.tenure_id)))
    else:
        columns = None
        ordered = select(Tenure.id)
        if shape.postcode:
            ordered = ordered.where(shape.starts_with(Tenure.postcode_normalised, "pc"))
        count_query = select(func.count()).select_from(ordered.subquery())
        ordered = ordered.order_by(
            Tenure.postcode_normalised.asc().nulls_last(),
            Tenure.asset_full_address.asc().nulls_last(),
            Tenure.id,
        )
    if columns is not None:
        ordered = ordered.order_by(*_sort_keys(columns))
    return ordered.offset(bindparam("offset")).limit(bindparam("limit")), count_query


@functools.lru_cache(maxsize=256)
def _one_name_documents_statement(shape: _SearchShape, with_kept_count: bool) -> DirectStatement:
    """A page of a search by one name with each tenure's stored document (_DOCUMENT_COLUMNS),
    in the page's order: the page's statement, joined to its tenures by primary key. With
    `with_kept_count`, each row also holds the name's kept count (NamePrefixCount, for the
    parameters kept_kind and kept_prefix) as kept_count: read once, by primary key."""
    ordered, _count = _one_name_statements(shape)
    page = ordered.subquery("page")
    position = (page.c.name_key, page.c.postcode_normalised, page.c.asset_full_address, page.c.id)
    extra = []
    if with_kept_count:
        kept = (
            select(NamePrefixCount.tenures)
            .where(
                NamePrefixCount.kind == bindparam("kept_kind"),
                NamePrefixCount.prefix == bindparam("kept_prefix"),
            )
            .scalar_subquery()
            .label("kept_count")
        )
        extra.append(kept)
    return _page_with_documents(page, position, position, extra)


@functools.lru_cache(maxsize=16)
def _postcode_documents_statement(shape: _SearchShape) -> DirectStatement:
    """A page of a search by postcode alone with each tenure's stored document
    (_DOCUMENT_COLUMNS), in the page's order: the page of ids (sorted in the database), joined to
    its tenures by primary key. Each row also holds the search's total as matched_count, counted
    once in the same statement (the postcode index's entries for the prefix): a page that is
    full, or not the first, needs it, and a separate count was a second round trip."""
    ordered, count_query = _search_sql(shape)
    page = ordered.with_only_columns(
        Tenure.id, Tenure.postcode_normalised, Tenure.asset_full_address
    ).subquery("page")
    order = (
        page.c.postcode_normalised.asc().nulls_last(),
        page.c.asset_full_address.asc().nulls_last(),
        page.c.id,
    )
    matched_count = count_query.scalar_subquery().correlate(None).label("matched_count")
    return _page_with_documents(page, (page.c.id,), order, [matched_count])


def _page_with_documents(page, page_columns, order, extra=()) -> DirectStatement:
    """A page subquery (with an `id` column) joined to its tenures by primary key: the page's
    columns, each tenure's _DOCUMENT_COLUMNS (but its id) and `extra`, in `order`."""
    documents = [column for column in _DOCUMENT_COLUMNS.selected_columns if column.key != "id"]
    statement = (
        select(*page_columns, *documents, *extra)
        .join_from(page, _TENURES, _TENURES.c.id == page.c.id)
        .order_by(*order)
    )
    return DirectStatement(statement)


def _one_name_statements(shape: _SearchShape):
    """A search for one name (perhaps with a postcode): its page is a stretch of the search
    index read in index order (name, postcode, address, id), keeping each tenure's first
    matching entry (see HouseholdMemberNameKey.previous_key), so nothing is grouped or sorted
    and an offset skips index entries; the count reads the same entries."""
    keys = HouseholdMemberNameKey.__table__.c
    first_of_tenure = or_(keys.previous_key.is_(None), not_(shape.starts_with(keys.previous_key, "c0")))
    conditions = [keys.kind == shape.kinds[0], shape.starts_with(keys.name_key, "c0"), first_of_tenure]
    if shape.postcode:
        conditions.append(shape.starts_with(keys.postcode_normalised, "pc"))
    count_query = select(func.count()).select_from(HouseholdMemberNameKey.__table__).where(*conditions)
    position = (keys.name_key, keys.postcode_normalised, keys.asset_full_address, keys.tenure_id)
    if shape.after:
        # Entered at the position: (name_key, ...) > position, which starts with the prefix (the
        # token is the same search's). SQLite bounds its index range by it only when it is the
        # one lower bound on name_key, so the prefix is given as its upper bound alone.
        bounds = [
            bindparam(f"a_{name}", type_=column.type) for name, column in zip(AFTER, position, strict=True)
        ]
        if "c0_end" not in shape.unbounded:
            conditions[1] = keys.name_key < bindparam("c0_end")  # the prefix's lower bound goes
        conditions.append(tuple_(*position) > tuple_(*bounds))
    ordered = select(keys.tenure_id.label("id"), *position[:3]).where(*conditions).order_by(*position)
    return ordered.offset(bindparam("offset")).limit(bindparam("limit")), count_query


def _sort_keys(columns) -> list:
    """Postcode, address (each with no value, "" in the name keys, last), tenure id: written
    out rather than NULLS LAST so that grouping and ordering by the same terms is one sort on
    SQLite."""
    return [
        columns.postcode_normalised == "",
        columns.postcode_normalised,
        columns.asset_full_address == "",
        columns.asset_full_address,
        columns.tenure_id,
    ]


def _key(shape: _SearchShape, kind: str, name: str, alias=None):
    keys = alias if alias is not None else HouseholdMemberNameKey
    return and_(keys.kind == kind, shape.starts_with(keys.name_key, name))


def _name_matches(shape: _SearchShape):
    """A select of (tenure_id, postcode_normalised, asset_full_address) for each household
    member matching every name criterion (and the postcode): a tenure appears once per matching
    member, or once in all for a union. None when no name is asked for. The criteria are the
    parameters c0, c1, ... (shape.kinds), e (shape.either: a first or a last name) and pc."""
    if not shape.kinds and not shape.either:
        return None
    if shape.either and not shape.kinds:
        return union(*(_name_matches_one(shape, kind) for kind in ("first", "last")))
    base = aliased(HouseholdMemberNameKey, name="k0")
    query = select(base.tenure_id, base.postcode_normalised, base.asset_full_address).where(
        _key(shape, shape.kinds[0], "c0", base)
    )
    # Further criteria: other keys of the same person.
    for index, kind in enumerate(shape.kinds[1:], start=1):
        other = aliased(HouseholdMemberNameKey, name=f"k{index}")
        query = query.join(
            other, and_(other.tenure_id == base.tenure_id, other.person_id == base.person_id)
        ).where(_key(shape, kind, f"c{index}", other))
    if shape.either:
        query = query.where(
            exists().where(
                HouseholdMemberNameKey.tenure_id == base.tenure_id,
                HouseholdMemberNameKey.person_id == base.person_id,
                or_(_key(shape, "first", "e"), _key(shape, "last", "e")),
            )
        )
    if shape.postcode:
        query = query.where(shape.starts_with(base.postcode_normalised, "pc"))
    return query


def _name_matches_one(shape: _SearchShape, kind: str):
    keys = HouseholdMemberNameKey
    query = select(keys.tenure_id, keys.postcode_normalised, keys.asset_full_address).where(
        _key(shape, kind, "e")
    )
    if shape.postcode:
        query = query.where(shape.starts_with(keys.postcode_normalised, "pc"))
    return query


# ---------------------------------------------------------------------------------------------
# Changing. `data` dicts use the model's snake_case names, as the API schemas load them.

SCALAR_FIELDS = (
    "payment_reference",
    "start_of_tenure_date",
    "end_of_tenure_date",
    "succession_date",
    "eviction_date",
    "potential_end_date",
    "is_tenanted",
    "is_mutual_exchange",
    "inform_housing_benefits_for_changes",
    "is_sublet",
    "sublet_end_date",
)
ASSET_FIELDS = {
    "id": "asset_id",
    "type": "asset_type",
    "full_address": "asset_full_address",
    "uprn": "asset_uprn",
    "postcode": "asset_postcode",
}
MEMBER_FIELDS = ("type", "is_responsible", "date_of_birth", "person_tenure_type")


def _json_dates(item: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in item.items()}


def apply_tenure_changes(tenure: Tenure, data: dict) -> None:
    """Apply loaded (snake_case) fields. Nested objects merge field by field; lists replace."""
    for name in SCALAR_FIELDS:
        if name in data:
            setattr(tenure, name, data[name])
    if "tenured_asset" in data:
        asset = data["tenured_asset"]
        for key, attribute in ASSET_FIELDS.items():
            if key in asset:
                setattr(tenure, attribute, asset[key])
        if "full_address" in asset and "postcode" not in asset:
            tenure.asset_postcode = postcode_from_address(asset["full_address"])
        tenure.postcode_normalised = normalise_postcode(tenure.asset_postcode)
    if "charges" in data:
        merged = dict(tenure.charges or {})
        merged.update(_camel_charges(data["charges"] or {}))
        tenure.charges = {k: merged.get(k) for k in CHARGE_FIELDS}
    if "tenure_type" in data:
        code = data["tenure_type"]["code"]
        tenure.tenure_type_code = code
        tenure.tenure_type_description = TENURE_TYPES[code]
    if "terminated" in data:
        terminated = data["terminated"] or {}
        if "is_terminated" in terminated:
            tenure.is_terminated = terminated["is_terminated"]
        if "reason_for_termination" in terminated:
            tenure.reason_for_termination = terminated["reason_for_termination"]
    if "notices" in data:
        tenure.notices = [_camel_notice(n) for n in (data["notices"] or [])]
    if "legacy_references" in data:
        tenure.legacy_references = [dict(r) for r in (data["legacy_references"] or [])]


def _camel_charges(charges: dict) -> dict:
    return {camelcase(k): v for k, v in charges.items()}


def _camel_notice(notice: dict) -> dict:
    return _json_dates({camelcase(k): v for k, v in notice.items()})


def apply_member_changes(member: HouseholdMember, data: dict) -> None:
    if "full_name" in data:
        member.set_full_name(data["full_name"])
    for name in MEMBER_FIELDS:
        if name in data:
            setattr(member, name, data[name])


def create_tenure(data: dict) -> Tenure:
    tenure = Tenure(id=uuid.uuid4(), is_terminated=False)
    apply_tenure_changes(tenure, data)
    for member_data in data.get("household_members") or []:
        member = HouseholdMember(
            id=member_data.get("id") or uuid.uuid4(), type="person", is_responsible=False
        )
        apply_member_changes(member, member_data)
        tenure.household_members.append(member)
    db.session.add(tenure)
    activity_log.record("create", "tenure", tenure.id, None, tenure_to_json(tenure))
    db.session.commit()
    return tenure


def _touch(tenure: Tenure) -> None:
    """Mark the tenure row changed so its UPDATE runs, bumping `version` (and so the ETag)."""
    tenure.updated_at = utcnow()
    flag_modified(tenure, "updated_at")


def _commit_or_stale() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleTenure() from None


def update_tenure(tenure: Tenure, data: dict) -> Tenure:
    before = tenure_to_json(tenure)
    apply_tenure_changes(tenure, data)
    after = tenure_to_json(tenure)
    if activity_log.record("update", "tenure", tenure.id, before, after) is not None:
        _touch(tenure)
    _commit_or_stale()
    return tenure


def _record_household_change(tenure: Tenure, before: dict) -> bool:
    """A household change is a change to the tenure (its householdMembers, and its ETag): one
    tenure activity holding the household before and after. False when nothing changed."""
    if activity_log.record("update", "tenure", tenure.id, before, tenure_to_json(tenure)) is None:
        return False
    _touch(tenure)
    return True


def upsert_household_member(tenure: Tenure, person_id: uuid.UUID, data: dict) -> tuple[HouseholdMember, bool]:
    """Add the person to the household, or update them if already there. Returns (member, added)."""
    before = tenure_to_json(tenure)
    member = find_member(tenure, person_id)
    added = member is None
    if added:
        member = HouseholdMember(id=person_id, type="person", is_responsible=False)
    apply_member_changes(member, data)
    if added:
        tenure.household_members.append(member)
    _record_household_change(tenure, before)
    _commit_or_stale()
    return member, added


def remove_household_member(tenure: Tenure, member: HouseholdMember) -> None:
    before = tenure_to_json(tenure)
    tenure.household_members.remove(member)
    _record_household_change(tenure, before)
    _commit_or_stale()


def find_member(tenure: Tenure, person_id: uuid.UUID) -> HouseholdMember | None:
    return next((m for m in tenure.household_members if m.id == person_id), None)
