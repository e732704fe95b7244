"""Officer accounts, sign-in throttling and API client tokens."""

import hashlib
import secrets
import uuid
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from housing_app.extensions import db
from housing_app.models.base import Timestamps, UTCDateTime, UUIDPrimaryKey, utcnow

ROLES = ("officer", "manager", "admin")


class User(UUIDPrimaryKey, Timestamps, UserMixin, db.Model):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="officer")
    # Managers see the processes of officers in their team.
    team: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(256))
    is_active_account: Mapped[bool] = mapped_column(default=True)

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if current_app else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    @property
    def is_manager(self) -> bool:
        return self.role in ("manager", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @staticmethod
    def normalise_email(email: str) -> str:
        return (email or "").strip().lower()


class OfficerSession(db.Model):
    """One signed-in browser session of an officer, from sign-in until sign-out.

    The session cookie is signed, not stored, so without this a copy of it taken before sign-out
    would still sign in until it expired. The cookie holds a random secret; only its SHA-256 is
    kept here, and every signed-in request checks that its row is still here
    (housing_app.auth.signed_in). Signing out deletes the row.
    """

    __tablename__ = "officer_sessions"

    secret_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    signed_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    @staticmethod
    def new_secret() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


class SignInThrottle(db.Model):
    """Failed sign-ins per email address (hashed, so unknown addresses are throttled too and the
    table holds no personal data)."""

    __tablename__ = "sign_in_throttles"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @staticmethod
    def key_for(email: str) -> str:
        return hashlib.sha256(User.normalise_email(email).encode()).hexdigest()


class ApiToken(UUIDPrimaryKey, db.Model):
    """A bearer token for another council service. Only a SHA-256 of the secret is stored:
    tokens are 256 random bits, so a slow password hash adds nothing."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    TOKEN_PREFIX = "hat_"

    @classmethod
    def issue(cls, name: str, scopes: list[str]) -> tuple["ApiToken", str]:
        secret = cls.TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls(name=name, scopes=",".join(sorted(set(scopes))), token_hash=cls.hash(secret))
        return token, secret

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def scope_list(self) -> list[str]:
        return [s for s in self.scopes.split(",") if s]

    @property
    def author_id(self) -> uuid.UUID:
        return self.id
