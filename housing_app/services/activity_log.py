"""Record every change to a record as an activity, in the caller's database transaction.

Callers add the change and the activity to the same session and commit once, so there is never
a change without its activity or an activity without its change:

    before = tenure_snapshot(tenure)       # a JSON-ready dict
    ...change tenure...
    activity_log.record("update", "tenure", tenure.id, before, tenure_snapshot(tenure))
    db.session.commit()
"""

import uuid
from dataclasses import dataclass

from flask import g, has_request_context
from flask_login import current_user

from housing_app.extensions import db
from housing_app.models import Activity


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
