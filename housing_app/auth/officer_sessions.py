"""Officers' sessions kept on the server, so that signing out ends them everywhere.

The session cookie is Flask's signed cookie. On its own, a copy of it taken before sign-out
would still sign in until it expired. So each sign-in keeps an OfficerSession row named by the
SHA-256 of a random secret that only the cookie holds; the sign-in check on every request
(housing_app.auth.signed_in) reads the officer only through a row that is still there and
younger than SESSION_MAX_LIFETIME. Signing out deletes the row.
"""

from datetime import UTC, datetime, timedelta

from flask import current_app, has_request_context, session

from housing_app.extensions import db
from housing_app.models import OfficerSession

SESSION_SECRET = "officer_session"  # the key in Flask's session holding this sign-in's secret


def begin_session(user_id) -> None:
    """Keep a new session for the officer signing in, and put its secret in their cookie.
    Sessions past their lifetime (never signed out: a closed browser) are removed here."""
    db.session.execute(db.delete(OfficerSession).where(OfficerSession.signed_in_at < oldest_sign_in()))
    secret = OfficerSession.new_secret()
    db.session.add(OfficerSession(secret_hash=OfficerSession.hash(secret), user_id=user_id))
    db.session.commit()
    session[SESSION_SECRET] = secret


def end_session() -> None:
    """End this request's session on the server (the caller clears the cookie)."""
    secret_hash = current_secret_hash()
    if secret_hash is not None:
        db.session.execute(db.delete(OfficerSession).where(OfficerSession.secret_hash == secret_hash))
        db.session.commit()


def end_all_sessions(user_id) -> int:
    """End every session of one officer (a lost laptop, someone leaving): how many there were."""
    ended = db.session.execute(db.delete(OfficerSession).where(OfficerSession.user_id == user_id))
    db.session.commit()
    return ended.rowcount


def current_secret_hash() -> str | None:
    """The hash naming this request's session, or None when its cookie holds no secret."""
    if not has_request_context():
        return None
    secret = session.get(SESSION_SECRET)
    return OfficerSession.hash(secret) if isinstance(secret, str) and secret else None


def oldest_sign_in() -> datetime:
    """Sessions signed in before this have ended, however busy they were."""
    return datetime.now(UTC) - timedelta(seconds=current_app.config["SESSION_MAX_LIFETIME"])
