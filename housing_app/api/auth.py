"""Bearer-token authentication and scopes for API clients.

Clients send `Authorization: Bearer <token>`; tokens are made with `flask tokens create`.
A signed-in officer's browser session may use read scopes (never write: those requests
would carry no CSRF token).
"""

from functools import wraps

from flask import g, request
from flask_login import current_user

from housing_app.api.errors import ApiError
from housing_app.extensions import db
from housing_app.models import ApiToken
from housing_app.models.base import utcnow

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
        token = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(secret)))
        if token is None or token.revoked_at is not None:
            raise ApiError(401, "The bearer token is not valid or has been revoked.")
        if scope not in token.scope_list:
            raise ApiError(403, f"This token does not have the '{scope}' scope.")
        g.api_client = token
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


def touch_last_used(token: ApiToken) -> None:
    token.last_used_at = utcnow()
