"""Bearer-token auth shared by every API resource (exercised here without a resource)."""

import time
import uuid

import pytest
import sqlalchemy as sa

from housing_app.api.auth import ApiClient, VerifiedTokens, authenticate, verified_tokens
from housing_app.api.errors import ApiError
from housing_app.extensions import db
from housing_app.models import ApiToken
from housing_app.models.base import utcnow
from tests.api.tenure_support import tenure_payload


def check(app, scope, headers=None):
    with app.test_request_context("/api/v1/anything", headers=headers or {}):
        authenticate(scope)


def test_valid_token_with_scope_is_allowed(app, api_token):
    check(app, "tenures:read", api_token("tenures:read"))


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}]
)
def test_missing_or_invalid_token_is_401(app, headers):
    with pytest.raises(ApiError) as raised:
        check(app, "tenures:read", headers)
    assert raised.value.status == 401


def test_token_without_the_scope_is_403(app, api_token):
    with pytest.raises(ApiError) as raised:
        check(app, "tenures:write", api_token("tenures:read"))
    assert raised.value.status == 403
    assert "tenures:write" in raised.value.errors[0]["developerMessage"]


def test_revoked_token_is_401(app, api_token):
    headers = api_token("tenures:read")
    token = db.session.scalar(db.select(ApiToken))
    token.revoked_at = utcnow()
    db.session.commit()
    with pytest.raises(ApiError) as raised:
        check(app, "tenures:read", headers)
    assert raised.value.status == 401


def test_a_token_call_leaves_the_officers_session_alone(officer_client, api_token):
    """Calls with a bearer token do not open the session (housing_app.sessions): no cookie is
    sent back, and the officer's session still works for their own pages afterwards."""
    headers = api_token("tenures:read")
    response = officer_client.get("/api/v1/tenures", headers=headers)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert officer_client.get("/api/v1/tenures").status_code == 200  # the officer's session read
    assert officer_client.get("/").status_code == 200


def test_the_activity_author_of_a_token_call_is_the_api_client(client, api_token):
    headers = api_token("tenures:read", "tenures:write", name="Repairs service")
    response = client.post("/api/v1/tenures", json=tenure_payload(), headers=headers)
    assert response.status_code == 201, response.json
    history = client.get(
        f"/api/v1/activityhistory?targetId={response.json['id']}",
        headers=api_token("activities:read"),
    )
    assert history.status_code == 200, history.json
    assert history.json["results"][0]["authorDetails"]["fullName"] == "API client: Repairs service"


# --- Verified tokens: remembered briefly per worker, by hash -------------------------------------


@pytest.fixture
def token_cache_seconds(app):
    """Set API_TOKEN_CACHE_SECONDS for one test; the remembered tokens start empty."""
    old = app.config["API_TOKEN_CACHE_SECONDS"]
    verified_tokens.entries.clear()

    def set_seconds(seconds: float):
        app.config["API_TOKEN_CACHE_SECONDS"] = seconds

    yield set_seconds
    app.config["API_TOKEN_CACHE_SECONDS"] = old
    verified_tokens.entries.clear()


def revoke_behind_the_workers_back(headers: dict) -> None:
    """As another worker or the command line would: a committed UPDATE this process never sees."""
    token_hash = ApiToken.hash(headers["Authorization"].split(" ", 1)[1])
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(ApiToken.__table__).where(ApiToken.token_hash == token_hash).values(revoked_at=utcnow())
        )


def status_of(client, headers) -> int:
    return client.get("/api/v1/tenures?lastName=nobody", headers=headers).status_code


def test_a_verified_token_is_remembered_by_hash_never_by_secret(client, api_token, token_cache_seconds):
    token_cache_seconds(5)
    headers = api_token("tenures:read")
    secret = headers["Authorization"].split(" ", 1)[1]
    assert status_of(client, headers) == 200
    assert list(verified_tokens.entries) == [ApiToken.hash(secret)]
    assert all(secret not in repr(entry) for entry in verified_tokens.entries.values())
    # Scopes still apply to a remembered token.
    response = client.post("/api/v1/tenures", json=tenure_payload(), headers=headers)
    assert response.status_code == 403


def test_a_token_revoked_in_this_process_is_refused_at_once(client, api_token, token_cache_seconds):
    token_cache_seconds(60)
    headers = api_token("tenures:read")
    assert status_of(client, headers) == 200
    token = db.session.scalar(db.select(ApiToken))
    token.revoked_at = utcnow()
    db.session.commit()
    assert status_of(client, headers) == 401
    assert verified_tokens.entries == {}


def test_a_token_deleted_in_this_process_is_refused_at_once(client, api_token, token_cache_seconds):
    token_cache_seconds(60)
    headers = api_token("tenures:read")
    assert status_of(client, headers) == 200
    db.session.delete(db.session.scalar(db.select(ApiToken)))
    db.session.commit()
    assert status_of(client, headers) == 401


def test_a_token_revoked_elsewhere_is_refused_once_remembered_seconds_pass(
    client, api_token, token_cache_seconds
):
    token_cache_seconds(0.3)
    headers = api_token("tenures:read")
    assert status_of(client, headers) == 200
    revoke_behind_the_workers_back(headers)
    assert status_of(client, headers) == 200  # remembered: the documented window
    time.sleep(0.35)
    assert status_of(client, headers) == 401
    assert status_of(client, headers) == 401  # a refused token is never remembered


def test_with_no_remembering_every_call_checks_the_database(client, api_token, token_cache_seconds):
    token_cache_seconds(0)
    headers = api_token("tenures:read")
    assert status_of(client, headers) == 200
    assert verified_tokens.entries == {}
    revoke_behind_the_workers_back(headers)
    assert status_of(client, headers) == 401


def test_remembered_tokens_are_bounded(app, api_token, token_cache_seconds):
    token_cache_seconds(60)
    client_row = ApiClient(id=uuid.uuid4(), name="many")
    for index in range(VerifiedTokens.MAX_ENTRIES + 5):
        verified_tokens.remember(f"hash-{index}", client_row, frozenset(), 60)
    assert len(verified_tokens.entries) <= VerifiedTokens.MAX_ENTRIES
