"""The signed-in officer as each request sees them (Flask-Login's current_user).

Every officer's page checks who is asking. Loaded as an ORM User, that check cost about a third
of the least a signed-in page costs (the session's identity map, the loader's machinery); the
pages only ever read who the officer is. So the user loader reads the officer's row in one
precompiled statement into a SignedInOfficer: the same attributes, read-only. Code that changes
an officer (sign-in, the command line) loads the User itself.
"""

import uuid

from flask_login import UserMixin
from sqlalchemy import bindparam, select

from housing_app.database import DirectStatement, read_connection
from housing_app.models import User

_USERS = User.__table__
_OFFICER_BY_ID = DirectStatement(
    select(
        _USERS.c.id,
        _USERS.c.email,
        _USERS.c.name,
        _USERS.c.role,
        _USERS.c.team,
        _USERS.c.is_active_account,
    ).where(_USERS.c.id == bindparam("id"))
)


class SignedInOfficer(UserMixin):
    """Who is signed in: what the pages, the access checks and the activity log read of a User."""

    __slots__ = ("id", "email", "name", "role", "team", "is_active_account")

    def __init__(self, id, email, name, role, team, is_active_account):  # noqa: A002 - User's names
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.team = team
        self.is_active_account = is_active_account

    # The same rules as User's (housing_app.models.users).
    is_active = User.is_active
    is_manager = User.is_manager
    is_admin = User.is_admin

    def __repr__(self) -> str:
        return f"<SignedInOfficer {self.id}>"


def load_signed_in_officer(user_id: str) -> SignedInOfficer | None:
    """Flask-Login's user loader: the officer whose id the session holds, or None (no such
    officer, or not an id)."""
    try:
        officer_id = uuid.UUID(user_id)
    except (TypeError, ValueError):
        return None
    row = _OFFICER_BY_ID.first(read_connection(), id=officer_id)
    return SignedInOfficer(*row) if row is not None else None
