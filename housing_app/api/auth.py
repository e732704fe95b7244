"""Bearer-token authentication and scopes for API clients.

Clients send `Authorization: Bearer <token>`; tokens are made with `flask tokens create`.
A signed-in officer's browser session may use read scopes (never write: those requests
would carry no CSRF token).
"""

import time
import uuid
from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, request
from flask_login import current_user
from sqlalchemy import bindparam, event, select

from housing_app.api.errors import ApiError
from housing_app.database import DirectStatement, read_connection
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


# Checked on every API call, so read as a row by a statement compiled once (no ORM object).
_TOKENS = ApiToken.__table__
_TOKEN_BY_HASH = DirectStatement(
    select(_TOKENS.c.id, _TOKENS.c.name, _TOKENS.c.scopes, _TOKENS.c.revoked_at).where(
        _TOKENS.c.token_hash == bindparam("hash")
    )
)


@dataclass(frozen=True)
class VerifiedToken:
    client: ApiClient
    scopes: frozenset[str]
    expires: float  # time.monotonic()


class VerifiedTokens:
    """Tokens this worker found valid a moment ago, by their hash (never the secret), for
    API_TOKEN_CACHE_SECONDS: a busy client's calls skip the token query (one database round
    trip of the two a read costs). Only valid tokens are kept, so a new token works at once.
    A revocation made in this process forgets the token at once (see forget_revoked_tokens);
    one made elsewhere takes effect within API_TOKEN_CACHE_SECONDS."""

    MAX_ENTRIES = 1024

    def __init__(self):
        self.entries: dict[str, VerifiedToken] = {}

    def get(self, token_hash: str) -> VerifiedToken | None:
        entry = self.entries.get(token_hash)
        if entry is not None and entry.expires <= time.monotonic():
            self.entries.pop(token_hash, None)
            return None
        return entry

    def remember(self, token_hash: str, client: ApiClient, scopes: frozenset[str], seconds: float) -> None:
        if seconds <= 0:
            return
        if len(self.entries) >= self.MAX_ENTRIES:
            self.entries.clear()  # many clients at once: start again rather than grow
        self.entries[token_hash] = VerifiedToken(client, scopes, time.monotonic() + seconds)

    def forget(self, token_hash: str) -> None:
        self.entries.pop(token_hash, None)


verified_tokens = VerifiedTokens()


@event.listens_for(ApiToken.revoked_at, "set")
def forget_revoked_token(token, value, _old_value, _initiator) -> None:
    if value is not None and token.token_hash:
        verified_tokens.forget(token.token_hash)


@event.listens_for(ApiToken, "after_delete")
def forget_deleted_token(_mapper, _connection, token) -> None:
    verified_tokens.forget(token.token_hash)


def verify_token(secret: str) -> VerifiedToken:
    """The token's client and scopes, or a 401 ApiError if it is unknown or revoked."""
    token_hash = ApiToken.hash(secret)
    verified = verified_tokens.get(token_hash)
    if verified is not None:
        return verified
    token = _TOKEN_BY_HASH.first(read_connection(), hash=token_hash)
    if token is None or token.revoked_at is not None:
        raise ApiError(401, "The bearer token is not valid or has been revoked.")
    client = ApiClient(id=token.id, name=token.name)
    scopes = frozenset(token.scopes.split(","))
    seconds = current_app.config["API_TOKEN_CACHE_SECONDS"]
    verified_tokens.remember(token_hash, client, scopes, seconds)
    return VerifiedToken(client, scopes, time.monotonic() + seconds)


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
        token = verify_token(secret)
        if scope not in token.scopes:
            raise ApiError(403, f"This token does not have the '{scope}' scope.")
        g.api_client = token.client
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
