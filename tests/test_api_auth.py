"""Bearer-token auth shared by every API resource (exercised here without a resource)."""

import pytest

from housing_app.api.auth import authenticate
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
