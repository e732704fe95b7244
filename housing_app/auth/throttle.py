"""Throttle repeated failed sign-ins for one email address."""

import math
from datetime import timedelta

from flask import current_app

from housing_app.extensions import db
from housing_app.models import SignInThrottle
from housing_app.models.base import utcnow


def minutes_locked(email: str) -> int:
    """Minutes until this email may try again; 0 when it is not locked."""
    row = db.session.get(SignInThrottle, SignInThrottle.key_for(email))
    if row is None or row.locked_until is None:
        return 0
    remaining = (row.locked_until - utcnow()).total_seconds()
    return max(0, math.ceil(remaining / 60))


def record_failure(email: str) -> None:
    window = timedelta(minutes=current_app.config["SIGN_IN_LOCK_MINUTES"])
    now = utcnow()
    key = SignInThrottle.key_for(email)
    row = db.session.get(SignInThrottle, key)
    if row is None or now - row.first_failure_at > window:
        if row is None:
            row = SignInThrottle(email_hash=key)
            db.session.add(row)
        row.failures = 0
        row.first_failure_at = now
        row.locked_until = None
    row.failures += 1
    if row.failures >= current_app.config["SIGN_IN_MAX_FAILURES"]:
        row.locked_until = now + window
    db.session.commit()


def clear(email: str) -> None:
    row = db.session.get(SignInThrottle, SignInThrottle.key_for(email))
    if row is not None:
        db.session.delete(row)
        db.session.commit()
