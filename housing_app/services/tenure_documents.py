"""Tenure documents: each tenure's Tenure API JSON, stored with the tenure (tenures.api_document).

The API's reads (tenure by id, search) send the stored text instead of loading the tenure and
its household and serialising them: at council scale that was most of a search's time. Only
isActive is added when reading, because it changes with the date, not with a write.

Every flush that adds or changes a tenure or a household member rewrites its tenure's document
(keep_documents_in_step). Rows written around the ORM (bulk loads, the migration that added the
column) are filled by fill_missing_documents; a tenure without a document is still served, from
its rows.
"""

import json
import uuid

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import Session

from housing_app.models.tenures import HouseholdMember, Tenure, tenure_is_active


def document_for(tenure) -> str:
    """The stored document of `tenure` (a Tenure, or anything tenure_to_json takes)."""
    from housing_app.services.tenures import tenure_to_json

    body = tenure_to_json(tenure)
    del body["isActive"]
    return json.dumps(body, separators=(",", ":"))


def with_is_active(document: str, tenure) -> str:
    """The stored document as the API sends it: isActive, worked out today, then the rest."""
    return document_with_is_active(document, tenure_is_active(tenure))


def document_with_is_active(document: str, active: bool) -> str:
    return ('{"isActive":true,' if active else '{"isActive":false,') + document[1:]


@event.listens_for(Session, "before_flush")
def keep_documents_in_step(session, _flush_context, _instances) -> None:
    changed: dict[uuid.UUID, Tenure] = {}
    for record in [*session.new, *session.dirty, *session.deleted]:
        if record in session.dirty and not session.is_modified(record):
            continue  # only touched: rewriting the document would bump the tenure's version
        if isinstance(record, Tenure):
            changed[record.id] = record
        elif isinstance(record, HouseholdMember):
            tenure = record.tenure or (record.tenure_id and session.get(Tenure, record.tenure_id))
            if tenure is not None:
                changed[tenure.id] = tenure
    for tenure in changed.values():
        if tenure not in session.deleted:
            tenure.api_document = document_for(tenure)


_TENURES = Tenure.__table__
_MEMBERS = HouseholdMember.__table__
# The tenure columns tenure_to_json reads: named, so that the migration filling documents keeps
# working when later migrations add columns (the bench data generator reads them too).
DOCUMENT_FIELDS = (
    "id",
    "payment_reference",
    "asset_id",
    "asset_type",
    "asset_full_address",
    "asset_uprn",
    "asset_postcode",
    "charges",
    "start_of_tenure_date",
    "end_of_tenure_date",
    "succession_date",
    "eviction_date",
    "potential_end_date",
    "tenure_type_code",
    "tenure_type_description",
    "is_tenanted",
    "is_terminated",
    "reason_for_termination",
    "notices",
    "legacy_references",
    "is_mutual_exchange",
    "inform_housing_benefits_for_changes",
    "is_sublet",
    "sublet_end_date",
)
_DOCUMENT_COLUMNS = [_TENURES.c[name] for name in DOCUMENT_FIELDS]
_MEMBER_COLUMNS = [
    _MEMBERS.c[name]
    for name in (
        "tenure_id",
        "id",
        "type",
        "full_name",
        "is_responsible",
        "date_of_birth",
        "person_tenure_type",
    )
]


def fill_missing_documents(connection, batch: int = 2000, log=None) -> int:
    """Write the document of every tenure that has none, in batches; returns how many."""
    from housing_app.services.tenures import TenureReading

    missing = select(_TENURES.c.id).where(_TENURES.c.api_document.is_(None)).order_by(_TENURES.c.id)
    rows_for = select(*_DOCUMENT_COLUMNS).where(_TENURES.c.id.in_(bindparam("ids", expanding=True)))
    members_for = select(*_MEMBER_COLUMNS).where(_MEMBERS.c.tenure_id.in_(bindparam("ids", expanding=True)))
    write = (
        update(_TENURES)
        .where(_TENURES.c.id == bindparam("tenure_id"))
        .values(api_document=bindparam("document"))
    )
    done, after = 0, None
    while True:
        query = missing.limit(batch) if after is None else missing.where(_TENURES.c.id > after).limit(batch)
        ids = list(connection.execute(query).scalars())
        if not ids:
            return done
        households: dict = {tenure_id: [] for tenure_id in ids}
        for member in connection.execute(members_for, {"ids": ids}):
            households[member.tenure_id].append(member)
        documents = [
            {"tenure_id": row.id, "document": document_for(TenureReading(row, households[row.id]))}
            for row in connection.execute(rows_for, {"ids": ids})
        ]
        connection.execute(write, documents)
        done, after = done + len(documents), ids[-1]
        if log and done % 100_000 < batch:
            log(f"tenure documents: {done:,} written")
