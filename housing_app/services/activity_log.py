"""Record every change to a record as an activity, in the caller's database transaction.

Callers add the change and the activity to the same session and commit once, so there is never
a change without its activity or an activity without its change:

    before = tenure_snapshot(tenure)       # a JSON-ready dict
    ...change tenure...
    activity_log.record("update", "tenure", tenure.id, before, tenure_snapshot(tenure))
    db.session.commit()
"""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from housing_app.extensions import db
from housing_app.models import Activity, Contract, ContractCharge, ContractRelatedPerson
from housing_app.models.activities import ACTIVITY_TYPES


@dataclass(frozen=True)
class Author:
    id: uuid.UUID | None
    full_name: str
    email: str | None


SYSTEM_AUTHOR = Author(id=None, full_name="System", email=None)


def current_author() -> Author:
    """Who is making the change: the API client's token, the signed-in officer, or the system."""
    if not has_request_context():
        return SYSTEM_AUTHOR
    client = getattr(g, "api_client", None)
    if client is not None:
        return Author(id=client.id, full_name=f"API client: {client.name}", email=None)
    if current_user and current_user.is_authenticated:
        return Author(id=current_user.id, full_name=current_user.name, email=current_user.email)
    return SYSTEM_AUTHOR


def changed_fields(old: dict | None, new: dict | None) -> tuple[dict | None, dict | None]:
    """Keep only the top-level fields whose values differ (all of them on create / delete)."""
    if old is None or new is None:
        return old, new
    keys = [k for k in {**old, **new} if old.get(k) != new.get(k)]
    return {k: old.get(k) for k in keys}, {k: new.get(k) for k in keys}


def record(
    activity_type: str,
    target_type: str,
    target_id: uuid.UUID,
    old: dict | None = None,
    new: dict | None = None,
    author: Author | None = None,
) -> Activity | None:
    """Add an activity for a change to the current session. An update that changed nothing
    records nothing and returns None."""
    old_data, new_data = changed_fields(old, new)
    if activity_type == "update" and not new_data and not old_data:
        return None
    author = author or current_author()
    activity = Activity(
        type=activity_type,
        target_type=target_type,
        target_id=target_id,
        old_data=old_data,
        new_data=new_data,
        author_id=author.id,
        author_full_name=author.full_name,
        author_email=author.email,
    )
    db.session.add(activity)
    return activity


class LoggedChange:
    """What `logged_change` yields. When creating, set `target` to the new record."""

    def __init__(self, target=None):
        self.target = target
        self.old: dict | None = None  # the snapshot before the change (None when creating)
        self.activity: Activity | None = None


@contextmanager
def logged_change(
    activity_type: str,
    target_type: str,
    snapshot: Callable[[object], dict],
    target=None,
    author: Author | None = None,
) -> Iterator[LoggedChange]:
    """Make one change and its activity, and commit them together or not at all:

        with activity_log.logged_change("update", "contract", contract_snapshot, contract):
            contract.stage = 2
        # committed, with an activity holding the fields that changed

    `snapshot(record)` gives the record as JSON-ready data; it is taken before the block (update,
    delete) and after it (create, update). Any exception in the block, in the snapshot, in the
    flush or in the commit rolls back both the change and the activity, and is raised again.
    """
    if activity_type not in ACTIVITY_TYPES:
        raise ValueError(f"unknown activity type {activity_type!r}")
    change = LoggedChange(target)
    try:
        if target is not None and activity_type != "create":
            change.old = snapshot(target)
        yield change
        if change.target is None:
            raise RuntimeError("logged_change: set change.target to the record being changed")
        db.session.flush()  # database errors surface here, before anything is recorded
        new = None if activity_type == "delete" else snapshot(change.target)
        change.activity = record(activity_type, target_type, change.target.id, change.old, new, author)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


# --- The guard: audited records are never committed without their activity -------------------

# Models whose every insert, change or delete must be committed together with an activity about
# the record's target; the function gives that target's id. Features add their models here.
AUDITED: dict[type, Callable[[object], uuid.UUID]] = {
    Contract: lambda contract: contract.id,
    ContractCharge: lambda charge: charge.contract_id,
    ContractRelatedPerson: lambda person: person.contract_id,
}
_CHANGED, _LOGGED = "activity_log.changed_targets", "activity_log.logged_targets"


class UnloggedChangeError(RuntimeError):
    """A commit would have saved a change to an audited record without its activity."""


@event.listens_for(Session, "after_flush")
def _note_audited_changes(session, _flush_context):
    changed = session.info.setdefault(_CHANGED, set())
    logged = session.info.setdefault(_LOGGED, set())
    for record in [*session.new, *session.dirty, *session.deleted]:
        target_of = AUDITED.get(type(record))
        if target_of is None:
            continue
        if record in session.dirty and not session.is_modified(record):
            continue
        changed.add(target_of(record))
    logged.update(record.target_id for record in session.new if isinstance(record, Activity))


@event.listens_for(Session, "before_commit")
def _refuse_unlogged_changes(session):
    if session.dirty or session.new or session.deleted:
        session.flush()
    unlogged = session.info.get(_CHANGED, set()) - session.info.get(_LOGGED, set())
    if unlogged:
        raise UnloggedChangeError(
            f"changes to {sorted(map(str, unlogged))} have no activity: use activity_log.logged_change"
        )


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_transaction(session):
    session.info.pop(_CHANGED, None)
    session.info.pop(_LOGGED, None)
