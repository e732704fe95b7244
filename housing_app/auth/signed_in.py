"""The signed-in officer as each request sees them (Flask-Login's current_user).

Every officer's page checks who is asking. Loaded as an ORM User, that check cost about a third
of the least a signed-in page costs (the session's identity map, the loader's machinery); the
pages only ever read who the officer is. So the user loader reads the officer's row in one
precompiled statement into a SignedInOfficer: the same attributes, read-only. Code that changes
an officer (sign-in, the command line) loads the User itself.

A page whose view starts by reading one row named by its URL (a process page reads its visit)
can have that row read in the officer's statement (ReadAlongside): one round trip to the
database, not two: a sixth of a process page's time on PostgreSQL. Only for reads (GET, HEAD);
the view still checks what it was given, as it would have checked what it read.

Either statement finds the officer only through their session's row (OfficerSession, named by
the hash of the secret the cookie holds: housing_app.auth.officer_sessions), so a session
signed out, or older than SESSION_MAX_LIFETIME, signs nobody in: in the same round trip.
"""

import uuid

from flask import has_request_context, request
from flask_login import UserMixin
from sqlalchemy import Select, bindparam, select, true

from housing_app.auth.officer_sessions import current_secret_hash, oldest_sign_in
from housing_app.database import DirectStatement, is_read, read_connection
from housing_app.models import OfficerSession, User

_USERS = User.__table__
_OFFICER_COLUMNS = (
    _USERS.c.id,
    _USERS.c.email,
    _USERS.c.name,
    _USERS.c.role,
    _USERS.c.team,
    _USERS.c.is_active_account,
)
_SESSIONS = OfficerSession.__table__
# The officer, through the row of the session asking (the join finds nothing once it has ended).
_OFFICER_IN_SESSION = _USERS.join(
    _SESSIONS,
    (_SESSIONS.c.user_id == _USERS.c.id)
    & (_SESSIONS.c.secret_hash == bindparam("session_hash"))
    & (_SESSIONS.c.signed_in_at >= bindparam("signed_in_since")),
)
_OFFICER_BY_ID = DirectStatement(
    select(*_OFFICER_COLUMNS).select_from(_OFFICER_IN_SESSION).where(_USERS.c.id == bindparam("id"))
)
_READ_ALONGSIDE = "housing_app.read_alongside"  # in the request's WSGI environ: (read, value, row)


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


class ReadAlongside:
    """A view's first read (`read`: a SELECT of one row, its bind parameter named as the URL's
    `view_arg`), made in the signed-in officer's statement for requests to `endpoint`. The
    officer's columns come first, labelled signed_in_*; the read's row follows under its own
    names, all None when it finds nothing."""

    def __init__(self, endpoint: str, view_arg: str, read: Select):
        self.endpoint = endpoint
        self.view_arg = view_arg
        self.read = read
        found = read.subquery("read_alongside")
        # Outer-joined on nothing: the officer's row, with the read's row or Nones beside it.
        self.statement = DirectStatement(
            select(*(column.label(f"signed_in_{column.key}") for column in _OFFICER_COLUMNS), *found.c)
            .select_from(_OFFICER_IN_SESSION.outerjoin(found, true()))
            .where(_USERS.c.id == bindparam("signed_in_id"))
        )
        self.width = len(_OFFICER_COLUMNS)


NOT_READ = object()


def row_read_alongside(read: Select, value):
    """The row `read` found alongside this request's officer for `value` (its columns all None:
    it found none), or NOT_READ when this request did not make that read."""
    kept = request.environ.get(_READ_ALONGSIDE) if has_request_context() else None
    if kept is None or kept[0].read is not read or kept[1] != value:
        return NOT_READ
    return kept[2]


_reads_alongside: dict[str, ReadAlongside] = {}


def read_alongside_officer(read: ReadAlongside) -> ReadAlongside:
    """Make `read` in the officer's statement for every read request to its endpoint."""
    _reads_alongside[read.endpoint] = read
    return read


def load_signed_in_officer(user_id: str) -> SignedInOfficer | None:
    """Flask-Login's user loader: the officer whose id the session holds, or None (no such
    officer, not an id, or a session that has ended). The row a read alongside makes is kept
    for the view."""
    try:
        officer_id = uuid.UUID(user_id)
    except (TypeError, ValueError):
        return None
    session_hash = current_secret_hash()
    if session_hash is None:
        return None  # signed in before sessions were kept, or no session at all
    in_session = {"session_hash": session_hash, "signed_in_since": oldest_sign_in()}
    alongside = _read_alongside_for_request()
    if alongside is None:
        row = _OFFICER_BY_ID.first(read_connection(), id=officer_id, **in_session)
        return SignedInOfficer(*row) if row is not None else None
    read, value = alongside
    row = read.statement.first(
        read_connection(), signed_in_id=officer_id, **in_session, **{read.view_arg: value}
    )
    if row is None:
        return None
    request.environ[_READ_ALONGSIDE] = (read, value, row)
    return SignedInOfficer(*row[: read.width])


def _read_alongside_for_request() -> tuple[ReadAlongside, object] | None:
    if not _reads_alongside or not has_request_context() or request.url_rule is None or not is_read():
        return None
    read = _reads_alongside.get(request.url_rule.endpoint)
    value = (request.view_args or {}).get(read.view_arg) if read is not None else None
    return (read, value) if value is not None else None
