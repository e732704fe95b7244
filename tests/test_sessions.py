"""Officers' session cookies: signed again only when old enough, the sliding lifetime kept."""

import copy
import time
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import TimestampSigner

from tests.conftest import sign_in


def session_cookie_name(app) -> str:
    return app.config["SESSION_COOKIE_NAME"]


def sets_session_cookie(app, response) -> bool:
    name = session_cookie_name(app)
    return any(value.startswith(f"{name}=") for value in response.headers.getlist("Set-Cookie"))


def cookie_signed_at(app, value: str) -> datetime:
    serializer = app.session_interface.get_signing_serializer(app)
    _data, signed_at = serializer.loads(value, return_timestamp=True)
    return signed_at


def sign_cookie_earlier(app, client, seconds: int) -> None:
    """Put back the client's session cookie with the same data, signed `seconds` ago."""

    class SignedEarlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    serializer = copy.copy(app.session_interface.get_signing_serializer(app))  # the app's is kept
    data = serializer.loads(client.get_cookie(session_cookie_name(app)).value)
    serializer.signer = SignedEarlier
    client.set_cookie(session_cookie_name(app), serializer.dumps(data))


def test_a_page_soon_after_the_last_signing_leaves_the_cookie_as_it_is(app, officer_client):
    officer_client.get("/")  # the first page with a form adds its CSRF token to the session
    response = officer_client.get("/")
    assert response.status_code == 200
    assert not sets_session_cookie(app, response)


@pytest.mark.parametrize("minutes", [2, 60 * 7])
def test_an_older_cookie_is_signed_again_and_the_officer_stays_signed_in(app, officer_client, minutes):
    sign_cookie_earlier(app, officer_client, minutes * 60)
    response = officer_client.get("/")
    assert response.status_code == 200
    assert sets_session_cookie(app, response)
    renewed = officer_client.get_cookie(session_cookie_name(app)).value
    assert datetime.now(UTC) - cookie_signed_at(app, renewed) < timedelta(seconds=30)
    assert officer_client.get("/").status_code == 200


def test_a_cookie_signed_longer_ago_than_the_lifetime_is_signed_out(app, officer_client):
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    sign_cookie_earlier(app, officer_client, lifetime + 60)
    response = officer_client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_a_changed_session_is_always_saved(app, client, officer):
    assert sets_session_cookie(app, sign_in(client, officer))
    response = client.post("/sign-out")
    assert response.status_code == 302
    assert sets_session_cookie(app, response)
    assert client.get("/").status_code == 302  # signed out at once, not a minute later


def test_a_cookie_refreshed_every_request_when_configured(app, officer_client):
    app.config["SESSION_REFRESH_AFTER_SECONDS"] = 0
    try:
        assert sets_session_cookie(app, officer_client.get("/"))
    finally:
        app.config["SESSION_REFRESH_AFTER_SECONDS"] = 60


def test_the_cookies_serializer_is_made_once_and_again_when_the_secret_key_changes(app, officer_client):
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    cookie = officer_client.get_cookie(session_cookie_name(app)).value
    secret_key, fallbacks = app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"]
    app.config["SECRET_KEY"] = "a-rotated-key-" + secret_key
    try:
        rotated = interface.get_signing_serializer(app)
        assert rotated is not first
        assert officer_client.get("/").status_code == 302  # the old key's cookie no longer signs in
        app.config["SECRET_KEY_FALLBACKS"] = [secret_key]
        assert interface.get_signing_serializer(app) is not rotated
        officer_client.set_cookie(session_cookie_name(app), cookie)
        assert officer_client.get("/").status_code == 200  # a fallback key still reads an older cookie
    finally:
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = secret_key, fallbacks


def test_a_cookie_opened_before_is_still_signed_out_once_older_than_the_lifetime(app, officer_client):
    sign_cookie_earlier(app, officer_client, 120)
    older = officer_client.get_cookie(session_cookie_name(app)).value
    assert officer_client.get("/").status_code == 200  # opened (and kept), then signed again
    officer_client.set_cookie(session_cookie_name(app), older)
    lifetime = app.permanent_session_lifetime
    app.permanent_session_lifetime = timedelta(seconds=60)
    try:
        response = officer_client.get("/")
    finally:
        app.permanent_session_lifetime = lifetime
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_each_request_gets_its_own_copy_of_a_kept_cookies_session(app, officer_client):
    officer_client.get("/")
    cookie = officer_client.get_cookie(session_cookie_name(app)).value
    assert officer_client.get("/").status_code == 200  # opened from what the worker kept
    with officer_client.session_transaction() as session:  # opened the same way, then emptied
        session.clear()
    assert officer_client.get("/").status_code == 302
    officer_client.set_cookie(session_cookie_name(app), cookie)
    # The cookie still holds the sign-in (its session was not ended); what was kept is unchanged.
    assert "_user_id" in app.session_interface._opened.get(cookie)[0]
    assert officer_client.get("/").status_code == 200


def test_a_session_holding_flashed_messages_is_opened_afresh_each_time(app, officer_client):
    with officer_client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved")]
    cookie = officer_client.get_cookie(session_cookie_name(app)).value
    for _ in range(2):
        officer_client.set_cookie(session_cookie_name(app), cookie)
        page = officer_client.get("/").get_data(as_text=True)
        assert "Saved" in page
    assert app.session_interface._opened.get(cookie) is None
