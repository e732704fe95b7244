"""Bearer-token authentication and scopes for API clients.

Clients send `Authorization: Bearer <token>`; tokens are made with `flask tokens create`.
A signed-in officer's browser session may use read scopes (never write: those requests
would carry no CSRF token).
"""

import uuid
from dataclasses import dataclass
from functools import wraps

from flask import g, request
from flask_login import current_user
from sqlalchemy import bindparam, select

from housing_app.api.errors import ApiError
from housing_app.extensions import db
from housing_app.models import ApiToken

SCOPES = (
    "tenures:read",
    "tenures:write",
    "contracts:read",
    "contracts:write",
    "activities:read",
    "activities:write",
    "processes:read",
    "processes:write",
)


@dataclass(frozen=True)
class ApiClient:
    """The calling service, as activities record it (its token's id and name)."""

    id: uuid.UUID
    name: str


# Checked on every API call, so read as a row by a statement built once (no ORM object).
_TOKENS = ApiToken.__table__
_TOKEN_BY_HASH = select(_TOKENS.c.id, _TOKENS.c.name, _TOKENS.c.scopes, _TOKENS.c.revoked_at).where(
    _TOKENS.c.token_hash == bindparam("hash")
)


def token_from_header() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate(scope: str) -> None:
    """Allow the request for `scope` or raise a 401 / 403 ApiError."""
    secret = token_from_header()
    if secret is not None:
        token = db.session.connection().execute(_TOKEN_BY_HASH, {"hash": ApiToken.hash(secret)}).first()
        if token is None or token.revoked_at is not None:
            raise ApiError(401, "The bearer token is not valid or has been revoked.")
        if scope not in token.scopes.split(","):
            raise ApiError(403, f"This token does not have the '{scope}' scope.")
        g.api_client = ApiClient(id=token.id, name=token.name)
        return
    if request.headers.get("Authorization"):
        raise ApiError(401, "Use 'Authorization: Bearer <token>'.")
    if current_user.is_authenticated:
        if scope.endswith(":read"):
            return
        raise ApiError(403, f"Signed-in officers may only read through the API; '{scope}' needs a token.")
    raise ApiError(401, "Send an API token in the Authorization header: 'Bearer <token>'.")


def require_scope(scope: str):
    """Decorate an API view so it runs only for callers holding `scope`."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            authenticate(scope)
            return view(*args, **kwargs)

        wrapped.required_scope = scope
        return wrapped

    return decorator
